#pragma once
// The table of `segllm` subcommands. Each lives in its own cmd_<name>.cpp and is listed once in
// commands.cpp.

#include <string>
#include <vector>

namespace segllm::cli {

struct Command {
    const char* name;
    const char* summary;
    // Runs with the arguments after the subcommand name; returns the exit status.
    int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

}  // namespace segllm::cli
