#include "app/segllm/commands.h"

namespace segllm::cli {

// Each subcommand declares its entry point here and is defined in its own cmd_<name>.cpp.
// (Add new subcommands to the list below and to SEGLLM_CLI_SOURCES.)

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
    };
    return table;
}

}  // namespace segllm::cli
