#pragma once
// The options shared by the `segllm` commands that run a model: --model and --device.

#include "app/segllm/args.h"
#include "core/engine/engine.h"

#include <string>

namespace segllm::cli {

// Option specs of --model DIR and --device auto|cpu|cuda, for a command's option table.
OptionSpec model_option_spec();
OptionSpec device_option_spec();
// --encode-scale S: replaces the model's mm_encode_scale (mask/box-encode features x S).
OptionSpec encode_scale_option_spec();

// The value of --device; throws segllm::Error naming the option and the value unless it is
// auto, cpu or cuda.
std::string device_from(const Args& args);

// Loads the engine from --model (default: the shipped model, see engine::resolve_model_dir)
// on --device, with --encode-scale when the command has it and it is given. Throws segllm::Error
// naming the folder on failure.
engine::Engine load_engine(const Args& args);

}  // namespace segllm::cli
