#include "app/segllm/model_args.h"

#include "core/common/error.h"

namespace segllm::cli {

OptionSpec model_option_spec() {
    return {"model", "DIR", "model folder (default: the shipped segllm-tiny)", ""};
}

OptionSpec device_option_spec() {
    return {"device", "auto|cpu|cuda", "device to run on", "auto"};
}

std::string device_from(const Args& args) {
    const std::string device = args.value("device");
    if (device != "auto" && device != "cpu" && device != "cuda") {
        throw Error("option '--device' expects auto, cpu or cuda, got '" + device + "'");
    }
    return device;
}

engine::Engine load_engine(const Args& args) {
    engine::EngineOptions options;
    options.device = device_from(args);
    return engine::Engine::load(
        engine::resolve_model_dir(args.has("model") ? args.value("model") : ""), options);
}

}  // namespace segllm::cli
