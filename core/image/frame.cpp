#include "core/image/frame.h"

#include "core/common/error.h"
#include "core/image/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace segllm {

namespace {

std::string size_text(int w, int h) {
    return std::to_string(w) + "x" + std::to_string(h);
}

Mask binarised(const Mask& m) {
    Mask out = m;
    for (std::uint8_t& v : out.data) {
        v = v != 0 ? 1 : 0;
    }
    return out;
}

}  // namespace

ModelFrame make_model_frame(int orig_w, int orig_h, int side) {
    if (orig_w <= 0 || orig_h <= 0 || side <= 0) {
        throw Error("model frame: invalid image size " + size_text(orig_w, orig_h) + " or side " +
                    std::to_string(side));
    }
    ModelFrame f;
    f.orig_w = orig_w;
    f.orig_h = orig_h;
    f.side = side;
    f.scale = side * 1.0 / std::max(orig_w, orig_h);
    f.resized_w = static_cast<int>(orig_w * f.scale + 0.5);
    f.resized_h = static_cast<int>(orig_h * f.scale + 0.5);
    // Guard against a degenerate side for extreme aspect ratios (e.g. 1x5000 at side 16).
    f.resized_w = std::max(f.resized_w, 1);
    f.resized_h = std::max(f.resized_h, 1);
    return f;
}

PointF point_to_frame(const ModelFrame& frame, PointF p) {
    return {p.x * frame.resized_w / frame.orig_w, p.y * frame.resized_h / frame.orig_h};
}

PointF point_from_frame(const ModelFrame& frame, PointF p) {
    return {p.x * frame.orig_w / frame.resized_w, p.y * frame.orig_h / frame.resized_h};
}

BoxF box_to_frame(const ModelFrame& frame, const BoxF& box) {
    const PointF a = point_to_frame(frame, {box.x0, box.y0});
    const PointF b = point_to_frame(frame, {box.x1, box.y1});
    return {a.x, a.y, b.x, b.y};
}

BoxF box_from_frame(const ModelFrame& frame, const BoxF& box) {
    const PointF a = point_from_frame(frame, {box.x0, box.y0});
    const PointF b = point_from_frame(frame, {box.x1, box.y1});
    return {a.x, a.y, b.x, b.y};
}

Mask mask_to_frame(const Mask& orig, const ModelFrame& frame) {
    if (orig.width != frame.orig_w || orig.height != frame.orig_h) {
        throw Error("mask_to_frame: mask is " + size_text(orig.width, orig.height) +
                    " but the frame's image is " + size_text(frame.orig_w, frame.orig_h));
    }
    const Mask resized =
        resize_pil(binarised(orig), frame.resized_w, frame.resized_h, ResampleFilter::Bilinear);
    Mask out(frame.side, frame.side);
    for (int y = 0; y < resized.height; ++y) {
        std::copy_n(&resized.data[static_cast<std::size_t>(y) * resized.width], resized.width,
                    &out.data[static_cast<std::size_t>(y) * frame.side]);
    }
    return out;
}

Mask mask_from_frame(const Mask& padded, const ModelFrame& frame) {
    if (padded.width != frame.side || padded.height != frame.side) {
        throw Error("mask_from_frame: mask is " + size_text(padded.width, padded.height) +
                    " but the frame is " + size_text(frame.side, frame.side));
    }
    Mask valid(frame.resized_w, frame.resized_h);
    for (int y = 0; y < frame.resized_h; ++y) {
        for (int x = 0; x < frame.resized_w; ++x) {
            valid.at(x, y) = padded.at(x, y) != 0 ? 1 : 0;
        }
    }
    return resize_pil(valid, frame.orig_w, frame.orig_h, ResampleFilter::Bilinear);
}

Mask mask_from_frame_logits(const std::vector<float>& logits, const ModelFrame& frame,
                            double threshold) {
    const auto side = static_cast<std::size_t>(frame.side);
    if (frame.side <= 0 || logits.size() != side * side) {
        throw Error("mask_from_frame_logits: " + std::to_string(logits.size()) +
                    " logits for a frame of " + size_text(frame.side, frame.side));
    }
    if (!(threshold > 0 && threshold < 1)) {
        throw Error("mask_from_frame_logits: threshold " + std::to_string(threshold) +
                    " is not in (0, 1)");
    }
    const double cut = std::log(threshold / (1 - threshold));
    // Per output column (row): the two frame columns (rows) and the weight of the second.
    struct Tap {
        int first = 0;
        int second = 0;
        float weight = 0.0F;
    };
    const auto taps = [](int out, int valid) {
        std::vector<Tap> t(static_cast<std::size_t>(out));
        const double ratio = static_cast<double>(valid) / out;
        for (int i = 0; i < out; ++i) {
            const double at = std::clamp((i + 0.5) * ratio - 0.5, 0.0, valid - 1.0);
            const int first = static_cast<int>(std::floor(at));
            t[static_cast<std::size_t>(i)] = {first, std::min(first + 1, valid - 1),
                                              static_cast<float>(at - first)};
        }
        return t;
    };
    const std::vector<Tap> cols = taps(frame.orig_w, frame.resized_w);
    const std::vector<Tap> rows = taps(frame.orig_h, frame.resized_h);
    Mask out(frame.orig_w, frame.orig_h);
    std::vector<float> top(static_cast<std::size_t>(frame.resized_w));
    for (int y = 0; y < frame.orig_h; ++y) {
        const Tap& r = rows[static_cast<std::size_t>(y)];
        const float* a = logits.data() + static_cast<std::size_t>(r.first) * side;
        const float* b = logits.data() + static_cast<std::size_t>(r.second) * side;
        for (int x = 0; x < frame.resized_w; ++x) {
            top[static_cast<std::size_t>(x)] = a[x] + r.weight * (b[x] - a[x]);
        }
        std::uint8_t* dst = out.data.data() + static_cast<std::size_t>(y) * frame.orig_w;
        for (int x = 0; x < frame.orig_w; ++x) {
            const Tap& c = cols[static_cast<std::size_t>(x)];
            const float l = top[static_cast<std::size_t>(c.first)];
            const float v = l + c.weight * (top[static_cast<std::size_t>(c.second)] - l);
            dst[x] = v > cut ? 1 : 0;
        }
    }
    return out;
}

}  // namespace segllm
