#include "app/segllm/model_args.h"

#include "core/common/error.h"
#include "core/model/config.h"

namespace segllm::cli {

OptionSpec model_option_spec() {
    return {"model", "DIR", "model folder (default: the shipped segllm-tiny)", ""};
}

OptionSpec device_option_spec() {
    return {"device", "auto|cpu|cuda", "device to run on", "auto"};
}

OptionSpec encode_scale_option_spec() {
    return {"encode-scale", "S",
            "mask/box-encode features x S at inference, in (0, 4] (default: the model's "
            "config.json mm_encode_scale; 0.5 as the original when it has none)",
            ""};
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
    if (args.has("encode-scale")) {
        options.encode_scale = args.number("encode-scale");
        if (!model::encode_scale_in_range(options.encode_scale)) {
            throw Error("option '--encode-scale' expects a number in (0, 4], got '" +
                        args.value("encode-scale") + "'");
        }
    }
    return engine::Engine::load(
        engine::resolve_model_dir(args.has("model") ? args.value("model") : ""), options);
}

}  // namespace segllm::cli
