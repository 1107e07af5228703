#pragma once
// The one error type of core: internals throw it with a message that names the file, key or
// value and what was wrong; callers at a boundary (engine, GUI, command line) add the stage.

#include <stdexcept>
#include <string>

namespace segllm {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace segllm
