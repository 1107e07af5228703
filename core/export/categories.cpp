#include "core/export/categories.h"

#include "core/common/error.h"

#include <algorithm>

namespace segllm {

int Categories::index_of(const std::string& label) const {
    const std::string& name = label.empty() ? default_label : label;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
        throw Error("label '" + name + "' is not in the category list");
    }
    return static_cast<int>(it - names.begin()) + 1;
}

Categories collect_categories(const Project& project, const std::string& default_label) {
    if (default_label.empty()) {
        throw Error("the default category name must not be empty");
    }
    Categories c;
    c.default_label = default_label;
    auto add = [&](const std::string& name) {
        if (!name.empty() && std::find(c.names.begin(), c.names.end(), name) == c.names.end()) {
            c.names.push_back(name);
        }
    };
    for (const std::string& label : project.labels) {
        add(label);
    }
    bool unlabelled = false;
    for (const ProjectImage& image : project.images) {
        for (const ProjectInstance& instance : image.instances) {
            add(instance.label);
            unlabelled = unlabelled || instance.label.empty();
        }
    }
    if (unlabelled) {
        add(default_label);
    }
    return c;
}

}  // namespace segllm
