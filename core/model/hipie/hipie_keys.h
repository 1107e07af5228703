#pragma once
// Checkpoint key facts of the HIPIE part of SegLLM (segllm-reference.md 7.2), as data for the
// weight loader. Names are relative to the module registered as `segmentator` (the official
// keys carry the prefix `model.segmentator.`). Plain C++, no LibTorch.

#include <string>
#include <vector>

namespace segllm::hipie {

// An alias prefix in the checkpoint and the prefix of the one module that holds those tensors.
struct HipieKeyAlias {
    std::string alias;      // e.g. "hipie.detr.detr.transformer.decoder.class_embed."
    std::string canonical;  // e.g. "hipie.detr.detr.class_embed."
};

// The decoder's class_embed / bbox_embed are the detector's modules (stored twice or once):
// a checkpoint key starting with `alias` maps to `canonical` + the rest of the key.
const std::vector<HipieKeyAlias>& hipie_key_aliases();

// Prefixes of checkpoint keys that the C++ model does not hold and the loader skips: the
// unused BERT text encoder and the training criterion's buffers.
const std::vector<std::string>& hipie_skipped_key_prefixes();

// `key` with a matching alias prefix replaced by its canonical prefix; other keys unchanged.
std::string hipie_canonical_key(const std::string& key);

}  // namespace segllm::hipie
