#pragma once
// The category list shared by the COCO and PNG exports: the project's label list first (in its
// order, duplicates and empty names dropped), then labels used by instances but missing from
// the list (in order of appearance), then the default category if any instance has no label.
// Category k (1-based) is COCO category id k and class index k in the PNG class maps.

#include "core/export/project.h"

#include <string>
#include <vector>

namespace segllm {

struct Categories {
    std::vector<std::string> names;  // names[k - 1] is category k
    std::string default_label;       // used for unlabelled instances

    // 1-based category of an instance label (the default category for an empty label);
    // throws Error for a label that is not in the list.
    int index_of(const std::string& label) const;
};

// Builds the list; throws Error when default_label is empty.
Categories collect_categories(const Project& project, const std::string& default_label);

}  // namespace segllm
