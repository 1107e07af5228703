#include "core/export/json_reader.h"

#include "core/common/error.h"

#include <cmath>

namespace segllm::json_reader {

nlohmann::json parse(const std::string& text, const std::filesystem::path& file) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(file.string() + ": not valid JSON (damaged or truncated file?) at byte " +
                    std::to_string(e.byte) + " of " + std::to_string(text.size()));
    }
}

std::string type_name(const nlohmann::json& value) {
    if (value.is_number_integer() || value.is_number_unsigned()) {
        return "integer";
    }
    return value.type_name();
}

void Node::fail(const std::string& what) const {
    throw Error(file_->string() + ": " + (path_.empty() ? std::string("(top level)") : path_) +
                ": " + what);
}

Node Node::at(const std::string& key) const {
    if (!value_->is_object()) {
        fail("expected an object, got " + type_name(*value_));
    }
    const auto it = value_->find(key);
    const std::string child = path_.empty() ? key : path_ + "." + key;
    if (it == value_->end()) {
        Node(*value_, *file_, child).fail("missing");
    }
    return Node(*it, *file_, child);
}

bool Node::has(const std::string& key) const {
    return value_->is_object() && value_->find(key) != value_->end();
}

Node Node::at(std::size_t index) const {
    if (!value_->is_array()) {
        fail("expected an array, got " + type_name(*value_));
    }
    const std::string child = path_ + "[" + std::to_string(index) + "]";
    if (index >= value_->size()) {
        Node(*value_, *file_, child).fail("missing");
    }
    return Node((*value_)[index], *file_, child);
}

std::size_t Node::size() const {
    if (!value_->is_array()) {
        fail("expected an array, got " + type_name(*value_));
    }
    return value_->size();
}

std::string Node::string() const {
    if (!value_->is_string()) {
        fail("expected a string, got " + type_name(*value_));
    }
    return value_->get<std::string>();
}

bool Node::boolean() const {
    if (!value_->is_boolean()) {
        fail("expected true or false, got " + type_name(*value_));
    }
    return value_->get<bool>();
}

std::int64_t Node::integer(std::int64_t min, std::int64_t max) const {
    std::int64_t v = 0;
    if (value_->is_number_unsigned()) {
        const std::uint64_t u = value_->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(max)) {
            fail("value " + std::to_string(u) + " is out of range [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
        }
        v = static_cast<std::int64_t>(u);
    } else if (value_->is_number_integer()) {
        v = value_->get<std::int64_t>();
    } else if (value_->is_number_float()) {
        const double d = value_->get<double>();
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
            fail("expected an integer, got " + value_->dump());
        }
        v = static_cast<std::int64_t>(d);
    } else {
        fail("expected an integer, got " + type_name(*value_));
    }
    if (v < min || v > max) {
        fail("value " + std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
    }
    return v;
}

double Node::number() const {
    if (!value_->is_number()) {
        fail("expected a number, got " + type_name(*value_));
    }
    const double d = value_->get<double>();
    if (!std::isfinite(d)) {
        fail("expected a finite number");
    }
    return d;
}

}  // namespace segllm::json_reader
