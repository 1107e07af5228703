#include "app/segllm/args.h"

#include "core/common/error.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace segllm::cli {

Args::Args(const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv) {
    for (const OptionSpec& spec : specs) {
        specs_[spec.name] = &spec;
    }
    bool only_positional = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (only_positional || a.size() < 2 || a.compare(0, 2, "--") != 0) {
            positional_.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positional = true;
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inline_value;
        const auto eq = name.find('=');
        if (eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const auto it = specs_.find(name);
        if (it == specs_.end()) {
            throw Error("unknown option '--" + name + "' (see --help)");
        }
        if (it->second->value_name.empty()) {
            if (inline_value) {
                throw Error("option '--" + name + "' takes no value");
            }
            values_[name] = "1";
            continue;
        }
        if (inline_value) {
            values_[name] = *inline_value;
        } else if (i + 1 < argv.size()) {
            values_[name] = argv[++i];
        } else {
            throw Error("option '--" + name + "' needs a value (" + it->second->value_name + ")");
        }
    }
}

bool Args::flag(const std::string& name) const { return values_.count(name) != 0; }

bool Args::has(const std::string& name) const { return values_.count(name) != 0; }

std::string Args::value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it != values_.end()) {
        return it->second;
    }
    const auto spec = specs_.find(name);
    return spec == specs_.end() ? std::string() : spec->second->default_value;
}

long long Args::integer(const std::string& name) const {
    const std::string text = value(name);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end == nullptr || *end != '\0' || errno != 0) {
        throw Error("option '--" + name + "' expects an integer, got '" + text + "'");
    }
    return v;
}

double Args::number(const std::string& name) const {
    const std::string text = value(name);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end == nullptr || *end != '\0' || errno != 0) {
        throw Error("option '--" + name + "' expects a number, got '" + text + "'");
    }
    return v;
}

std::string format_options(const std::vector<OptionSpec>& specs) {
    std::vector<std::string> heads;
    std::size_t width = 0;
    for (const OptionSpec& s : specs) {
        std::string head = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
        width = std::max(width, head.size());
        heads.push_back(head);
    }
    std::ostringstream out;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        out << heads[i] << std::string(width - heads[i].size() + 3, ' ') << specs[i].help;
        if (!specs[i].default_value.empty()) {
            out << " (default: " << specs[i].default_value << ")";
        }
        out << "\n";
    }
    return out.str();
}

}  // namespace segllm::cli
