#pragma once
// Writing safetensors files that the reference implementation reads back unchanged.

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace segllm::weights {

// Writes `tensors` (any device, any layout: each is copied to contiguous CPU memory) and the
// optional `metadata` ("__metadata__") to `path`, laid out as the reference writer does:
// tensors ordered by dtype alignment (widest first) then by name, compact JSON header padded
// with spaces to a multiple of 8 bytes. Atomic: the bytes go to a temporary file in the same
// folder, are flushed to disk and renamed over `path`. Throws segllm::Error naming the path (and
// tensor) for an empty or duplicate name, a name starting with "__", an undefined tensor, a
// dtype safetensors cannot hold here (see DType), a name or metadata string that is not UTF-8,
// or an I/O failure (the temporary file is removed).
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace segllm::weights
