#pragma once
// Standard base64 (RFC 4648 alphabet, '=' padding), as labelme stores its mask PNGs.

#include <cstdint>
#include <string>
#include <vector>

namespace segllm {

// Encodes bytes; the output length is a multiple of 4.
std::string base64_encode(const std::vector<std::uint8_t>& bytes);
// Decodes; throws Error naming the offset of a character outside the alphabet or a length
// that is not a multiple of 4 (whitespace is not accepted).
std::vector<std::uint8_t> base64_decode(const std::string& text);

}  // namespace segllm
