#pragma once
// PIL-compatible resampling of 8-bit images (Pillow's Image.resize for modes "RGB" and "L").
//
// The CLIP image processor and HIPIE's ResizeLongestSide resize with PIL, so the model inputs
// depend on PIL's exact arithmetic. This reimplements it: a separable convolution (horizontal pass,
// then vertical pass) whose filter support is widened by the downscale factor (antialiasing),
// coefficients normalised per output pixel and converted to 22-bit fixed point, each pass rounding
// half up and clipping to 0..255 (so the intermediate image is 8-bit, as in PIL). A pass whose size
// does not change is skipped, as in PIL.

#include "core/image/mask.h"
#include "core/image/rgb_image.h"

#include <cstdint>
#include <vector>

namespace segllm {

enum class ResampleFilter {
    Bilinear,  // triangle filter, support 1 (PIL Image.BILINEAR)
    Bicubic,   // Keys cubic with a = -0.5, support 2 (PIL Image.BICUBIC)
};

// Resizes an interleaved 8-bit image of `channels` channels (row-major, no row padding) from
// width x height to new_width x new_height and returns the new pixels. Throws Error if a size is
// not positive, channels is not 1..4 or src holds fewer than width*height*channels bytes.
std::vector<std::uint8_t> resize_pil_u8(const std::vector<std::uint8_t>& src, int width, int height,
                                        int channels, int new_width, int new_height,
                                        ResampleFilter filter);

// PIL resize of an RGB image (mode "RGB"). Throws Error on an empty image or non-positive size.
RgbImage resize_pil(const RgbImage& image, int new_width, int new_height, ResampleFilter filter);

// PIL resize of a single-channel 8-bit image (mode "L"): the mask bytes are resampled as gray
// values, not normalised first. For a 0/1 mask the result is again 0/1 (a pixel becomes 1 where
// the filtered value is >= 0.5). Throws Error on an empty mask or non-positive size.
Mask resize_pil(const Mask& mask, int new_width, int new_height, ResampleFilter filter);

}  // namespace segllm
