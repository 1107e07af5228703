#include "core/image/preprocess.h"

#include "core/common/error.h"
#include "core/image/resample.h"

#include <algorithm>
#include <string>

namespace segllm {

namespace {

std::string size_text(int w, int h) {
    return std::to_string(w) + "x" + std::to_string(h);
}

}  // namespace

std::pair<int, int> clip_resized_size(int width, int height, int size) {
    if (width <= 0 || height <= 0 || size <= 0) {
        throw Error("clip preprocessing: invalid image size " + size_text(width, height) +
                    " or target " + std::to_string(size));
    }
    const int short_side = std::min(width, height);
    const int long_side = std::max(width, height);
    // Python: int(size * long / short), a correctly rounded double division, then truncation.
    const int new_long = static_cast<int>(static_cast<double>(size) * long_side / short_side);
    if (width <= height) {
        return {size, new_long};
    }
    return {new_long, size};
}

FloatImage clip_preprocess(const RgbImage& image, int size) {
    if (image.empty()) {
        throw Error("clip preprocessing: empty image");
    }
    const auto [rw, rh] = clip_resized_size(image.width, image.height, size);
    const RgbImage resized = resize_pil(image, rw, rh, ResampleFilter::Bicubic);
    const int top = (rh - size) / 2;  // both differences are >= 0
    const int left = (rw - size) / 2;

    FloatImage out;
    out.channels = 3;
    out.height = size;
    out.width = size;
    out.data.resize(static_cast<std::size_t>(3) * size * size);
    const double rescale = 1.0 / 255.0;
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const std::uint8_t* p = resized.pixel(left + x, top + y);
            for (int c = 0; c < 3; ++c) {
                const float v = static_cast<float>(p[c] * rescale);
                out.data[(static_cast<std::size_t>(c) * size + y) * size + x] =
                    (v - kClipMean[c]) / kClipStd[c];
            }
        }
    }
    return out;
}

RgbImage hipie_resize_pad(const RgbImage& image, const ModelFrame& frame) {
    if (image.width != frame.orig_w || image.height != frame.orig_h || image.empty()) {
        throw Error("hipie preprocessing: image is " + size_text(image.width, image.height) +
                    " but the frame expects " + size_text(frame.orig_w, frame.orig_h));
    }
    const RgbImage resized =
        resize_pil(image, frame.resized_w, frame.resized_h, ResampleFilter::Bilinear);
    RgbImage out(frame.side, frame.side);
    for (int y = 0; y < resized.height; ++y) {
        std::copy_n(resized.pixel(0, y), static_cast<std::size_t>(resized.width) * 3,
                    out.pixel(0, y));
    }
    return out;
}

FloatImage hipie_normalize(const RgbImage& padded) {
    if (padded.empty()) {
        throw Error("hipie preprocessing: empty image");
    }
    FloatImage out;
    out.channels = 3;
    out.height = padded.height;
    out.width = padded.width;
    out.data.resize(static_cast<std::size_t>(3) * padded.height * padded.width);
    const std::size_t plane = static_cast<std::size_t>(padded.height) * padded.width;
    for (std::size_t i = 0; i < plane; ++i) {
        for (int c = 0; c < 3; ++c) {
            out.data[c * plane + i] =
                (static_cast<float>(padded.data[i * 3 + c]) - kHipieMean[c]) / kHipieStd[c];
        }
    }
    return out;
}

FloatImage hipie_preprocess(const RgbImage& image, int side) {
    if (image.empty()) {
        throw Error("hipie preprocessing: empty image");
    }
    return hipie_normalize(
        hipie_resize_pad(image, make_model_frame(image.width, image.height, side)));
}

}  // namespace segllm
