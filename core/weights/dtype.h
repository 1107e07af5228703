#pragma once
// Element types of the safetensors format that SegLLM Studio reads and writes, with their
// names as written in a safetensors header and their ATen counterparts.

#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <string>

namespace segllm::weights {

// The safetensors element types we support (U16/U32/U64 and the F8 types are refused).
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

// The header spelling: "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL".
const char* dtype_name(DType dtype);

// Bytes per element (BOOL is one byte).
std::size_t dtype_size(DType dtype);

// The DType whose header spelling is `name` (case-sensitive); nullopt for anything else.
std::optional<DType> dtype_from_name(const std::string& name);

// The ATen scalar type that holds this DType's values exactly.
at::ScalarType scalar_type(DType dtype);

// The DType of an ATen scalar type; nullopt for types safetensors files here cannot hold
// (complex, quantized, ...).
std::optional<DType> dtype_from_scalar_type(at::ScalarType type);

// Rank used to order tensors when writing: the reference writer sorts by this rank,
// descending (wider alignment first), then by name. Increases with alignment.
int dtype_alignment_rank(DType dtype);

}  // namespace segllm::weights
