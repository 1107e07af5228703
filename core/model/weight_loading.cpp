#include "core/model/weight_loading.h"

#include "core/common/error.h"
#include "core/model/hipie/hipie_keys.h"

#include <ATen/ATen.h>

#include <set>

namespace segllm::model {

namespace {

const std::string kSegmentatorPrefix = "model.segmentator.";

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const std::vector<std::string>& skipped_prefixes() {
    static const std::vector<std::string> prefixes = [] {
        std::vector<std::string> p = {
            "model.vision_tower.vision_tower.vision_model.post_layernorm.",
            "model.vision_tower.vision_tower.vision_model.visual_projection.",
            "model.vision_tower.vision_tower.visual_projection.",
        };
        for (const std::string& h : hipie::hipie_skipped_key_prefixes()) {
            p.push_back(kSegmentatorPrefix + h);
        }
        return p;
    }();
    return prefixes;
}

const std::vector<std::string>& skipped_suffixes() {
    static const std::vector<std::string> suffixes = {".position_ids", ".rotary_emb.inv_freq",
                                                      ".num_batches_tracked"};
    return suffixes;
}

}  // namespace

std::string shape_string(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
    }
    return s + "]";
}

bool is_skipped_checkpoint_key(const std::string& key) {
    for (const std::string& p : skipped_prefixes()) {
        if (starts_with(key, p)) {
            return true;
        }
    }
    for (const std::string& s : skipped_suffixes()) {
        if (ends_with(key, s)) {
            return true;
        }
    }
    return false;
}

std::string canonical_checkpoint_key(const std::string& key) {
    if (!starts_with(key, kSegmentatorPrefix)) {
        return key;
    }
    return kSegmentatorPrefix + hipie::hipie_canonical_key(key.substr(kSegmentatorPrefix.size()));
}

std::string component_of_key(const std::string& key) {
    if (starts_with(key, kSegmentatorPrefix)) {
        return "segmentator";
    }
    if (starts_with(key, "model.vision_tower.")) {
        return "vision_tower";
    }
    if (starts_with(key, "model.mm_projector.") || starts_with(key, "model.mask_enc_head.") ||
        starts_with(key, "model.segmentator_predictor.")) {
        return "projectors";
    }
    return "llm";
}

std::map<std::string, std::int64_t> parameter_counts(const torch::nn::Module& module) {
    std::map<std::string, std::int64_t> counts = {
        {"llm", 0}, {"vision_tower", 0}, {"projectors", 0}, {"segmentator", 0}};
    for (const auto& p : module.named_parameters(true)) {
        counts[component_of_key(p.key())] += p.value().numel();
    }
    return counts;
}

std::map<std::string, at::Tensor> module_tensors(const torch::nn::Module& module) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : module.named_parameters(true)) {
        out[p.key()] = p.value();
    }
    for (const auto& b : module.named_buffers(true)) {
        out[b.key()] = b.value();
    }
    return out;
}

KeyMatch match_checkpoint(const torch::nn::Module& module, const weights::Checkpoint& checkpoint) {
    KeyMatch match;
    const std::map<std::string, at::Tensor> tensors = module_tensors(module);

    // Checkpoint keys grouped by the module key they fill (exact names first).
    std::map<std::string, std::vector<std::string>> by_module_key;
    for (const std::string& name : checkpoint.names()) {
        const std::string canonical = canonical_checkpoint_key(name);
        auto& list = by_module_key[canonical];
        if (canonical == name) {
            list.insert(list.begin(), name);
        } else {
            list.push_back(name);
        }
    }

    std::set<std::string> used;
    for (const auto& [key, tensor] : tensors) {
        const auto it = by_module_key.find(key);
        if (it == by_module_key.end()) {
            match.missing.push_back(key);
            continue;
        }
        const std::vector<std::int64_t> want = tensor.sizes().vec();
        bool shapes_ok = true;
        for (const std::string& name : it->second) {
            used.insert(name);
            const std::vector<std::int64_t>& got = checkpoint.info(name).shape;
            if (got != want) {
                shapes_ok = false;
                match.misshaped.push_back(name + ": expected " + shape_string(want) + ", got " +
                                          shape_string(got));
            }
        }
        if (shapes_ok) {
            match.sources[key] = it->second;
        }
    }
    for (const std::string& name : checkpoint.names()) {
        if (used.count(name) != 0) {
            continue;
        }
        (is_skipped_checkpoint_key(name) ? match.skipped : match.unexpected).push_back(name);
    }
    return match;
}

void load_matched(torch::nn::Module& module, const weights::Checkpoint& checkpoint,
                  const KeyMatch& match, const at::Device& device,
                  const std::function<at::ScalarType(const std::string&)>& dtype_for,
                  const std::function<bool(double)>& progress) {
    if (!match.missing.empty() || !match.misshaped.empty()) {
        throw Error(checkpoint.path() + ": cannot load: " + std::to_string(match.missing.size()) +
                    " missing and " + std::to_string(match.misshaped.size()) +
                    " misshaped tensors");
    }
    std::map<std::string, at::Tensor> tensors = module_tensors(module);
    std::uint64_t total = 0;
    for (const auto& [key, names] : match.sources) {
        const weights::TensorInfo& info = checkpoint.info(names.front());
        total += info.end - info.begin;
    }
    std::uint64_t done = 0;
    at::NoGradGuard no_grad;
    for (auto& [key, tensor] : tensors) {
        const auto it = match.sources.find(key);
        if (it == match.sources.end()) {
            throw Error(checkpoint.path() + ": no tensor for '" + key + "'");
        }
        const std::string& name = it->second.front();
        at::Tensor value = checkpoint.tensor(name, dtype_for(key), device);
        tensor.set_data(value);
        const weights::TensorInfo& info = checkpoint.info(name);
        done += info.end - info.begin;
        if (progress && !progress(total == 0 ? 1.0 : static_cast<double>(done) / total)) {
            throw Error(checkpoint.path() + ": loading was cancelled");
        }
    }
}

}  // namespace segllm::model
