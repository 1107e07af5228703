#pragma once
// COCO run-length encoding of binary masks, bit-compatible with pycocotools (maskApi.c):
// the mask is walked column-major (down each column, columns left to right), runs alternate
// starting with a run of 0s (the first count may be 0), and counts sum to height * width.

#include "core/image/mask.h"

#include <cstdint>
#include <string>
#include <vector>

namespace segllm {

struct Rle {
    int height = 0;
    int width = 0;
    std::vector<std::uint32_t> counts;
};

// Encodes a mask (any non-zero byte counts as 1). An empty (0x0) mask gives no counts.
Rle rle_encode(const Mask& mask);
// Decodes to a 0/1 mask; throws Error when the counts do not sum to height * width.
Mask rle_decode(const Rle& rle);
// Number of set pixels (sum of the odd-indexed counts).
std::int64_t rle_area(const Rle& rle);

// COCO's compressed "counts" string: 6 bits per character (ASCII 48..111), 5 payload bits
// low group first, bit 0x20 = more groups follow, counts from the third on stored as the
// difference to the count two places back.
std::string rle_counts_to_string(const std::vector<std::uint32_t>& counts);
// Inverse of rle_counts_to_string; throws Error naming the offset of a character outside
// 48..111, a string that ends inside a number, or a count that is negative or too large.
std::vector<std::uint32_t> rle_counts_from_string(const std::string& text);

}  // namespace segllm
