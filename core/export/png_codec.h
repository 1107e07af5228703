#pragma once
// PNG encoding and decoding for the exports (OpenCV underneath). OpenCV writes grayscale and
// colour PNGs only; palette PNGs are made by rewriting the chunks of an 8-bit grayscale PNG
// (the pixel data of both is one byte per pixel, so only IHDR's colour type and a PLTE chunk
// differ), and read back the same way, which yields the raw indices.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace segllm {

using Rgb = std::array<std::uint8_t, 3>;

// Decoded samples, widened to 16 bits; row-major; `channels` samples per pixel (RGB order).
struct PngPixels {
    int width = 0;
    int height = 0;
    int channels = 0;
    int bit_depth = 0;  // 8 or 16
    std::vector<std::uint16_t> samples;
};

// Encoders; pixels are row-major, width * height values. Throw Error on a size mismatch or
// an encoder failure.
std::vector<std::uint8_t> png_encode_gray8(const std::vector<std::uint8_t>& pixels, int width,
                                           int height);
std::vector<std::uint8_t> png_encode_gray16(const std::vector<std::uint16_t>& pixels, int width,
                                            int height);
// 8-bit palette ("P" mode) PNG; 1..256 palette entries, every index must be < palette size.
std::vector<std::uint8_t> png_encode_palette(const std::vector<std::uint8_t>& indices, int width,
                                             int height, const std::vector<Rgb>& palette);

// Decodes any PNG as stored (gray, gray16, colour; a palette PNG comes back as RGB colours).
// Throws Error when the bytes are not a decodable PNG.
PngPixels png_decode(const std::vector<std::uint8_t>& bytes);
// Decodes an 8-bit palette PNG to its raw indices (channels = 1) and returns its palette;
// throws Error for PNGs of another colour type.
PngPixels png_decode_palette(const std::vector<std::uint8_t>& bytes, std::vector<Rgb>* palette);

// The CRC-32 of PNG chunks (ISO 3309 / zlib polynomial).
std::uint32_t png_crc32(const std::uint8_t* data, std::size_t size);

}  // namespace segllm
