#pragma once
// One safetensors file, memory-mapped read-only. Opening validates the whole header against
// the file (types, shapes, offsets, coverage of the data section) so that reading a tensor
// afterwards can never run past the mapping; tensors come out as copies that outlive the file.

#include "core/weights/dtype.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace segllm::weights {

// Where one tensor lives: name, element type, shape and its bytes [begin, end) inside the data
// section (the bytes after the header), plus the path of the file that holds it.
struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;
    std::string file;
};

// The largest header accepted, as in the reference implementation.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

class SafetensorsFile {
public:
    // Maps `path` and validates it; throws segllm::Error naming the file (and the tensor, where
    // one is concerned) for anything malformed: short or empty file, header length beyond the
    // file or above kMaxHeaderBytes, header not a JSON object, duplicate keys, an entry lacking
    // dtype/shape/data_offsets or of the wrong JSON type, unsupported dtype, negative or
    // non-integer dimensions, offsets out of range, reversed, overlapping or leaving holes,
    // byte size != dtype size x elements, data section shorter or longer than the tensors.
    static SafetensorsFile open(const std::string& path);

    SafetensorsFile(SafetensorsFile&&) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;
    ~SafetensorsFile();

    // The path given to open().
    const std::string& path() const;
    // Every tensor, in the order of the header.
    const std::vector<TensorInfo>& tensors() const;
    bool contains(const std::string& name) const;
    // Throws segllm::Error naming the file and the tensor when there is no such tensor.
    const TensorInfo& info(const std::string& name) const;
    // The "__metadata__" strings (empty when the header has none).
    const std::map<std::string, std::string>& metadata() const;
    // Bytes of the file (header included) and offset of the data section inside it.
    std::uint64_t file_size() const;
    std::uint64_t data_offset() const;

    // A copy of the tensor (owning its memory, valid after this object is gone), converted to
    // `dtype` (default: the stored type) and placed on `device`. BOOL bytes other than 0 read as
    // true. Throws segllm::Error naming file and tensor for an unknown name, or when the
    // conversion or the device fails (e.g. no CUDA). Safe to call from several threads.
    at::Tensor tensor(const std::string& name, std::optional<at::ScalarType> dtype = std::nullopt,
                      const at::Device& device = at::kCPU) const;

private:
    struct Impl;
    explicit SafetensorsFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace segllm::weights
