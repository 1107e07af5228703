#include "core/weights/dtype.h"

namespace segllm::weights {

namespace {

struct DTypeRow {
    DType dtype;
    const char* name;
    std::size_t size;
    at::ScalarType scalar;
    int rank;  // position in the reference implementation's Dtype enum (increasing alignment)
};

// The reference enum order is BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32,
// F32, F64, I64, U64; the ranks below keep that order for the types we support.
constexpr DTypeRow kRows[] = {
    {DType::F64, "F64", 8, at::kDouble, 12}, {DType::F32, "F32", 4, at::kFloat, 11},
    {DType::F16, "F16", 2, at::kHalf, 7},    {DType::BF16, "BF16", 2, at::kBFloat16, 8},
    {DType::I64, "I64", 8, at::kLong, 13},   {DType::I32, "I32", 4, at::kInt, 9},
    {DType::I16, "I16", 2, at::kShort, 5},   {DType::I8, "I8", 1, at::kChar, 2},
    {DType::U8, "U8", 1, at::kByte, 1},      {DType::BOOL, "BOOL", 1, at::kBool, 0},
};

const DTypeRow& row(DType dtype) {
    for (const DTypeRow& r : kRows) {
        if (r.dtype == dtype) {
            return r;
        }
    }
    return kRows[0];  // unreachable: every enumerator has a row
}

}  // namespace

const char* dtype_name(DType dtype) {
    return row(dtype).name;
}

std::size_t dtype_size(DType dtype) {
    return row(dtype).size;
}

std::optional<DType> dtype_from_name(const std::string& name) {
    for (const DTypeRow& r : kRows) {
        if (name == r.name) {
            return r.dtype;
        }
    }
    return std::nullopt;
}

at::ScalarType scalar_type(DType dtype) {
    return row(dtype).scalar;
}

std::optional<DType> dtype_from_scalar_type(at::ScalarType type) {
    for (const DTypeRow& r : kRows) {
        if (r.scalar == type) {
            return r.dtype;
        }
    }
    return std::nullopt;
}

int dtype_alignment_rank(DType dtype) {
    return row(dtype).rank;
}

}  // namespace segllm::weights
