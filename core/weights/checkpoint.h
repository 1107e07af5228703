#pragma once
// A model checkpoint: one safetensors file, or several shards listed by a Hugging Face style
// index (model.safetensors.index.json: {"metadata": {...}, "weight_map": {name: shard}}).
// Only safetensors are loaded: PyTorch pickle files (.bin, .pth, .pt, .ckpt) can run code when
// unpickled and are refused.

#include "core/weights/safetensors_file.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace segllm::weights {

class Checkpoint {
public:
    // `path` is a .safetensors file, an index .json, or a folder holding model.safetensors,
    // model.safetensors.index.json or exactly one other *.safetensors file (in that order of
    // preference). Every file is opened and validated; each name of the index must be in the
    // shard it names and each shard tensor must be listed. Throws segllm::Error naming the path
    // (and the tensor / shard concerned); a path or folder offering only pickle files gets a
    // message saying that only safetensors are loaded because pickles can run code.
    static Checkpoint open(const std::string& path);

    // All tensor names, sorted.
    std::vector<std::string> names() const;
    bool contains(const std::string& name) const;
    // Throws segllm::Error naming the checkpoint and the tensor when there is no such tensor.
    const TensorInfo& info(const std::string& name) const;
    // A copy of the tensor converted to `dtype` (default: stored type) on `device`; see
    // SafetensorsFile::tensor. Throws segllm::Error for an unknown name.
    at::Tensor tensor(const std::string& name, std::optional<at::ScalarType> dtype = std::nullopt,
                      const at::Device& device = at::kCPU) const;
    // Paths of the safetensors files, in the order they were opened (for an index: in the order
    // of first use by the sorted tensor names).
    const std::vector<std::string>& files() const;
    // The path given to open().
    const std::string& path() const;
    // The index's "metadata" (non-string values as JSON text), or the single file's
    // "__metadata__".
    const std::map<std::string, std::string>& metadata() const;

private:
    Checkpoint() = default;
    void add_single_file(const std::string& file);
    void add_index(const std::string& index_file);

    std::string path_;
    std::vector<SafetensorsFile> shards_;
    std::vector<std::string> files_;
    std::map<std::string, std::size_t> shard_of_;  // tensor name -> index into shards_
    std::map<std::string, std::string> metadata_;
};

}  // namespace segllm::weights
