#include "app/segllm/commands.h"

namespace segllm::cli {

// Each subcommand declares its entry point here and is defined in its own cmd_<name>.cpp.
// (Add new subcommands to the list below and to SEGLLM_CLI_SOURCES.)
#ifdef SEGLLM_HAVE_EXPORT
int run_export(const std::vector<std::string>& args);
#endif
int run_check_model(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_probe_position(const std::vector<std::string>& args);
int run_average(const std::vector<std::string>& args);
#ifdef SEGLLM_HAVE_SYNTH_PNG
int run_gen_bench(const std::vector<std::string>& args);
int run_chat(const std::vector<std::string>& args);
#endif
#if defined(SEGLLM_HAVE_SYNTH_PNG) && defined(SEGLLM_HAVE_EXPORT)
int run_run(const std::vector<std::string>& args);
#endif

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"check-model", "load a model folder and report its configuration and tensors",
         &run_check_model},
        {"train", "train a model from scratch on generated shapes-world conversations", &run_train},
        {"average", "write a model folder whose weights are the mean of several folders' weights",
         &run_average},
        {"bench", "time image open and each round (incremental and recompute), peak memory",
         &run_bench},
#ifdef SEGLLM_HAVE_EXPORT
        {"export", "write a project as COCO JSON, PNG masks and/or labelme JSON", &run_export},
#endif
#ifdef SEGLLM_HAVE_SYNTH_PNG
        {"chat", "a terminal conversation with an image (prints each instance, writes an overlay)",
         &run_chat},
#endif
        {"eval",
         "score a benchmark folder or N generated conversations (cIoU / gIoU per round and type)",
         &run_eval},
        {"probe-position",
         "linear read-outs of position from a model's features (CLIP, projector, LLM, <seg>)",
         &run_probe_position},
#if defined(SEGLLM_HAVE_SYNTH_PNG) && defined(SEGLLM_HAVE_EXPORT)
        {"run", "run one benchmark conversation: masks, overlay and COCO JSON", &run_run},
#endif
#ifdef SEGLLM_HAVE_SYNTH_PNG
        {"gen-bench", "write a synthetic shapes-world benchmark folder (PNG images, masks, JSON)",
         &run_gen_bench},
#endif
    };
    return table;
}

}  // namespace segllm::cli
