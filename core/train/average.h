#pragma once
// The mean of the weights of several model folders of one architecture: how the shipped model is
// made from the last two stages of its training (README, "Training status"). Averaging the weights
// of stages that each end at a learning rate of zero lands nearer the middle of the basin they
// share than either end point.

#include <string>
#include <vector>

namespace segllm::train {

struct AverageSummary {
    int models = 0;
    int tensors = 0;
    long long parameters = 0;  // elements averaged (integer and bool tensors are copied)
};

// Writes `out`/model.safetensors as the element-wise mean of the inputs' tensors (computed in
// float64, stored in each tensor's own dtype; integer and bool tensors must be equal in every
// input and are copied), with the first input's safetensors metadata, config.json and tokenizer
// files (tokenizer.model, tokenizer.json). Each input is a model folder (config.json and a
// checkpoint the loader reads: model.safetensors or a sharded index).
// Throws segllm::Error naming the folder (and tensor or file) when there are fewer than two
// inputs; when an input is missing or unreadable; when `out` is one of the inputs, or already
// holds a model.safetensors and `overwrite` is false; when the configs differ in anything but
// mm_encode_scale (an inference-time factor; the first input's is kept); when the tensor names,
// dtypes or shapes differ; when an integer or bool tensor differs; when a tokenizer file is in
// some inputs and not in others or its bytes differ. Nothing is written before every check
// passed, and the weights file is replaced atomically.
AverageSummary average_model_folders(const std::vector<std::string>& inputs, const std::string& out,
                                     bool overwrite = false);

}  // namespace segllm::train
