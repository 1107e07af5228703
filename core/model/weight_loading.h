#pragma once
// Matching a module tree against a checkpoint (segllm-reference.md 7.2) and copying the tensors
// in: the name lookup with the HIPIE head aliases, the explicit list of checkpoint keys the C++
// model does not hold, the shape check, and the per-tensor dtype conversion and device move.

#include "core/weights/checkpoint.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace segllm::model {

// Checkpoint keys the model does not hold and loading skips (full official names): the HIPIE
// BERT text encoder and criterion ("model.segmentator.hipie.text_encoder.", ".criterion."),
// CLIP's post_layernorm and visual_projection, and any key ending in ".position_ids",
// ".rotary_emb.inv_freq" or ".num_batches_tracked" (buffers that are recomputed or
// training-only).
bool is_skipped_checkpoint_key(const std::string& key);

// The module key a checkpoint key fills: under "model.segmentator." the HIPIE aliases
// (transformer.decoder.class_embed / bbox_embed) map to the detector's heads
// (hipie::hipie_canonical_key); other keys are returned unchanged.
std::string canonical_checkpoint_key(const std::string& key);

// The component a module key belongs to: "segmentator" (model.segmentator.), "vision_tower"
// (model.vision_tower.), "projectors" (model.mm_projector., model.mask_enc_head.,
// model.segmentator_predictor.) or "llm" (everything else: embeddings, layers, norm, lm_head).
std::string component_of_key(const std::string& key);

// Number of parameter elements (buffers excluded) per component_of_key.
std::map<std::string, std::int64_t> parameter_counts(const torch::nn::Module& module);

// Every parameter and buffer of `module`, by its full dotted name.
std::map<std::string, at::Tensor> module_tensors(const torch::nn::Module& module);

// The outcome of matching a module against a checkpoint.
struct KeyMatch {
    // Module key -> the checkpoint keys that hold it (an exact name first, then aliases).
    std::map<std::string, std::vector<std::string>> sources;
    std::vector<std::string> missing;     // module keys without a checkpoint tensor
    std::vector<std::string> unexpected;  // checkpoint keys neither used nor skipped
    std::vector<std::string> skipped;     // checkpoint keys on the skip list
    std::vector<std::string> misshaped;   // "key: expected [a, b], got [c, d]"
};

// Walks module's parameters and buffers against the checkpoint's names. Pure lookup: no tensor
// data is read.
KeyMatch match_checkpoint(const torch::nn::Module& module, const weights::Checkpoint& checkpoint);

// Copies every matched tensor into the module, converted to dtype_for(module key) and moved to
// `device` (the module's tensors are replaced in place, as Module::to does). `progress` gets the
// fraction of bytes read so far; returning false stops and throws segllm::Error. Throws
// segllm::Error naming the checkpoint and key when the match has missing or misshaped entries
// or a read fails.
void load_matched(torch::nn::Module& module, const weights::Checkpoint& checkpoint,
                  const KeyMatch& match, const at::Device& device,
                  const std::function<at::ScalarType(const std::string&)>& dtype_for,
                  const std::function<bool(double)>& progress = {});

// "[a, b, c]".
std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace segllm::model
