#pragma once
// Image preprocessing for the two encoders (segllm-reference.md section 6): plain C++, CHW float32.

#include "core/image/frame.h"
#include "core/image/rgb_image.h"

#include <utility>
#include <vector>

namespace segllm {

// Planar float image, channel-major: data[(c * height + y) * width + x].
struct FloatImage {
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<float> data;
    float at(int c, int y, int x) const {
        return data[(static_cast<std::size_t>(c) * height + y) * width + x];
    }
};

// CLIP image processor normalisation constants (openai/clip-vit-large-patch14).
inline constexpr float kClipMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr float kClipStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};
// HIPIE pixel mean / std on the 0..255 scale, RGB order.
inline constexpr float kHipieMean[3] = {123.675f, 116.28f, 103.53f};
inline constexpr float kHipieStd[3] = {58.395f, 57.12f, 57.375f};

// Size (width, height) after the CLIP processor's "shortest edge" resize: the short side becomes
// `size`, the long side int(size * long / short) (truncated, as transformers'
// get_resize_output_image_size). Throws Error if a size is not positive.
std::pair<int, int> clip_resized_size(int width, int height, int size = 224);

// CLIPImageProcessor: shortest side to `size` (PIL bicubic), centre crop size x size with offsets
// (H - size) // 2 and (W - size) // 2, x / 255 (float64, stored as float32), then
// (x - mean) / std in float32. Returns 3 x size x size. Throws Error on an empty image.
FloatImage clip_preprocess(const RgbImage& image, int size = 224);

// ResizeLongestSide of `frame` (PIL bilinear to resized_w x resized_h) and zero padding at the
// bottom/right to side x side: the uint8 image the reference calls "R". Throws Error if the image
// size differs from the frame's original size.
RgbImage hipie_resize_pad(const RgbImage& image, const ModelFrame& frame);

// HIPIE normalisation of an already padded image: (x - mean) / std per channel in float32, so
// padding pixels become -mean / std. Returns 3 x H x W. Throws Error on an empty image.
FloatImage hipie_normalize(const RgbImage& padded);

// hipie_normalize(hipie_resize_pad(image, make_model_frame(W, H, side))): 3 x side x side.
// Throws Error on an empty image.
FloatImage hipie_preprocess(const RgbImage& image, int side = 1024);

}  // namespace segllm
