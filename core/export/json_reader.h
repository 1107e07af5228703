#pragma once
// Checked access to parsed JSON for the readers of this folder (project file, COCO import,
// labelme import): every failure throws Error naming the file and the JSON path of the bad
// value, e.g. "p.segllm: images[0].instances[2].mask.counts: expected a string, got number".

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace segllm::json_reader {

// Parses text; throws Error naming the file and nlohmann's byte position on bad JSON.
nlohmann::json parse(const std::string& text, const std::filesystem::path& file);

// A JSON value with the file and path it came from.
class Node {
public:
    Node(const nlohmann::json& value, const std::filesystem::path& file, std::string path)
        : value_(&value), file_(&file), path_(std::move(path)) {}

    const nlohmann::json& json() const { return *value_; }
    const std::string& path() const { return path_; }

    // Member `key` of an object; throws when this is not an object or the key is missing.
    Node at(const std::string& key) const;
    // True when this is an object that has `key` (with any value, null included).
    bool has(const std::string& key) const;
    // Element i of an array (check size() first).
    Node at(std::size_t index) const;
    // Number of elements; throws when this is not an array.
    std::size_t size() const;

    // Typed reads; throw on a wrong type or a value out of range.
    std::string string() const;
    bool boolean() const;
    std::int64_t integer(std::int64_t min, std::int64_t max) const;
    double number() const;  // finite number (integer or float)

    // Throws Error "<file>: <path>: <what>".
    [[noreturn]] void fail(const std::string& what) const;

private:
    const nlohmann::json* value_;
    const std::filesystem::path* file_;
    std::string path_;
};

// "object", "array", "string", ... for messages.
std::string type_name(const nlohmann::json& value);

}  // namespace segllm::json_reader
