#include "app/segllm/commands.h"

namespace segllm::cli {

// Each subcommand declares its entry point here and is defined in its own cmd_<name>.cpp.
// (Add new subcommands to the list below and to SEGLLM_CLI_SOURCES.)
#ifdef SEGLLM_HAVE_EXPORT
int run_export(const std::vector<std::string>& args);
#endif
#ifdef SEGLLM_HAVE_SYNTH_PNG
int run_gen_bench(const std::vector<std::string>& args);
#endif

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
#ifdef SEGLLM_HAVE_EXPORT
        {"export", "write a project as COCO JSON, PNG masks and/or labelme JSON", &run_export},
#endif
#ifdef SEGLLM_HAVE_SYNTH_PNG
        {"gen-bench", "write a synthetic shapes-world benchmark folder (PNG images, masks, JSON)",
         &run_gen_bench},
#endif
    };
    return table;
}

}  // namespace segllm::cli
