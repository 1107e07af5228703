#include "core/image/resample.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace segllm {

namespace {

// Fixed-point fraction bits of the 8-bit path (32-bit accumulator: 8 value bits, 2 overflow bits).
constexpr int kPrecisionBits = 22;

double bilinear_weight(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic_weight(double x) {
    constexpr double a = -0.5;
    x = std::fabs(x);
    if (x < 1.0) {
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    }
    if (x < 2.0) {
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    }
    return 0.0;
}

// Per output position: the first input index, the number of taps and their fixed-point weights.
struct Taps {
    int ksize = 0;           // stride of `weights`
    std::vector<int> first;  // first input index per output position
    std::vector<int> count;  // number of used taps per output position
    std::vector<std::int32_t> weights;
};

Taps compute_taps(int in_size, int out_size, ResampleFilter filter) {
    const double filter_support = filter == ResampleFilter::Bicubic ? 2.0 : 1.0;
    const double scale = static_cast<double>(in_size) / out_size;
    const double filter_scale = std::max(scale, 1.0);
    const double support = filter_support * filter_scale;
    const double inv_filter_scale = 1.0 / filter_scale;

    Taps taps;
    taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    taps.first.resize(static_cast<std::size_t>(out_size));
    taps.count.resize(static_cast<std::size_t>(out_size));
    taps.weights.assign(static_cast<std::size_t>(out_size) * taps.ksize, 0);
    std::vector<double> w(static_cast<std::size_t>(taps.ksize));

    for (int o = 0; o < out_size; ++o) {
        const double center = (o + 0.5) * scale;
        // Window bounds rounded half up (truncation of a value shifted by 0.5), clamped to the
        // input.
        int lo = static_cast<int>(center - support + 0.5);
        lo = std::max(lo, 0);
        int hi = static_cast<int>(center + support + 0.5);
        hi = std::min(hi, in_size);
        const int n = hi - lo;
        double sum = 0.0;
        for (int i = 0; i < n; ++i) {
            const double d = (i + lo - center + 0.5) * inv_filter_scale;
            w[static_cast<std::size_t>(i)] =
                filter == ResampleFilter::Bicubic ? bicubic_weight(d) : bilinear_weight(d);
            sum += w[static_cast<std::size_t>(i)];
        }
        std::int32_t* out = &taps.weights[static_cast<std::size_t>(o) * taps.ksize];
        for (int i = 0; i < n; ++i) {
            double v = w[static_cast<std::size_t>(i)];
            if (sum != 0.0) {
                v /= sum;
            }
            // Round half away from zero to 22-bit fixed point.
            const double f = v * static_cast<double>(1 << kPrecisionBits);
            out[i] = static_cast<std::int32_t>(v < 0 ? f - 0.5 : f + 0.5);
        }
        taps.first[static_cast<std::size_t>(o)] = lo;
        taps.count[static_cast<std::size_t>(o)] = n;
    }
    return taps;
}

// Accumulator (with the rounding half already added) to a clipped 8-bit value. The accumulator
// is 32-bit as in PIL: 255 * (sum of the positive weights, at most ~1.14 for bicubic) * 2^22
// stays below 2^31.
inline std::uint8_t clip_to_u8(std::int32_t acc) {
    if (acc <= 0) {
        return 0;
    }
    const std::int32_t v = acc >> kPrecisionBits;
    return static_cast<std::uint8_t>(v > 255 ? 255 : v);
}

constexpr std::int32_t kHalf = std::int32_t{1} << (kPrecisionBits - 1);

// Horizontal pass over rows [row0, row0 + rows) of src (width w) into dst (width taps.size).
void pass_horizontal(const std::uint8_t* src, int w, int row0, int rows, int channels,
                     const Taps& taps, int out_w, std::uint8_t* dst) {
    for (int y = 0; y < rows; ++y) {
        const std::uint8_t* in_row = src + (static_cast<std::size_t>(row0 + y) * w) * channels;
        std::uint8_t* out_row = dst + static_cast<std::size_t>(y) * out_w * channels;
        for (int x = 0; x < out_w; ++x) {
            const int lo = taps.first[static_cast<std::size_t>(x)];
            const int n = taps.count[static_cast<std::size_t>(x)];
            const std::int32_t* k = &taps.weights[static_cast<std::size_t>(x) * taps.ksize];
            const std::uint8_t* in = in_row + static_cast<std::size_t>(lo) * channels;
            if (channels == 1) {
                std::int32_t acc = kHalf;
                for (int i = 0; i < n; ++i) {
                    acc += static_cast<std::int32_t>(in[i]) * k[i];
                }
                out_row[x] = clip_to_u8(acc);
                continue;
            }
            for (int c = 0; c < channels; ++c) {
                std::int32_t acc = kHalf;
                for (int i = 0; i < n; ++i) {
                    acc += static_cast<std::int32_t>(in[i * channels + c]) * k[i];
                }
                out_row[x * channels + c] = clip_to_u8(acc);
            }
        }
    }
}

// Vertical pass: src rows are indexed relative to row0 (the first row that src holds). Each
// output row accumulates whole input rows (tap by tap) in a 32-bit row buffer, which the
// compiler vectorises.
void pass_vertical(const std::uint8_t* src, int w, int row0, int channels, const Taps& taps,
                   int out_h, std::uint8_t* dst) {
    const std::size_t row_len = static_cast<std::size_t>(w) * channels;
    std::vector<std::int32_t> acc(row_len);
    std::int32_t* a = acc.data();
    for (int y = 0; y < out_h; ++y) {
        const int lo = taps.first[static_cast<std::size_t>(y)] - row0;
        const int n = taps.count[static_cast<std::size_t>(y)];
        const std::int32_t* k = &taps.weights[static_cast<std::size_t>(y) * taps.ksize];
        std::fill(acc.begin(), acc.end(), kHalf);
        for (int i = 0; i < n; ++i) {
            const std::int32_t weight = k[i];
            if (weight == 0) {
                continue;  // adds nothing
            }
            const std::uint8_t* in = src + static_cast<std::size_t>(lo + i) * row_len;
            for (std::size_t j = 0; j < row_len; ++j) {
                a[j] += static_cast<std::int32_t>(in[j]) * weight;
            }
        }
        std::uint8_t* out_row = dst + static_cast<std::size_t>(y) * row_len;
        for (std::size_t j = 0; j < row_len; ++j) {
            out_row[j] = clip_to_u8(a[j]);
        }
    }
}

std::string size_text(int w, int h) {
    return std::to_string(w) + "x" + std::to_string(h);
}

}  // namespace

std::vector<std::uint8_t> resize_pil_u8(const std::vector<std::uint8_t>& src, int width, int height,
                                        int channels, int new_width, int new_height,
                                        ResampleFilter filter) {
    if (width <= 0 || height <= 0 || new_width <= 0 || new_height <= 0) {
        throw Error("resize_pil: invalid size " + size_text(width, height) + " -> " +
                    size_text(new_width, new_height));
    }
    if (channels < 1 || channels > 4) {
        throw Error("resize_pil: unsupported channel count " + std::to_string(channels));
    }
    const std::size_t need = static_cast<std::size_t>(width) * height * channels;
    if (src.size() < need) {
        throw Error("resize_pil: buffer of " + std::to_string(src.size()) +
                    " bytes is too small for " + size_text(width, height) + "x" +
                    std::to_string(channels));
    }
    const bool need_h = new_width != width;
    const bool need_v = new_height != height;
    if (!need_h && !need_v) {
        return std::vector<std::uint8_t>(src.begin(),
                                         src.begin() + static_cast<std::ptrdiff_t>(need));
    }

    const Taps vtaps = compute_taps(height, new_height, filter);
    // Rows of the source that the vertical pass reads.
    const int row_first = vtaps.first.front();
    const int row_last = vtaps.first.back() + vtaps.count.back();

    std::vector<std::uint8_t> tmp;
    const std::uint8_t* cur = src.data();
    int cur_w = width;
    int cur_row0 = 0;
    if (need_h) {
        const Taps htaps = compute_taps(width, new_width, filter);
        const int first = need_v ? row_first : 0;
        const int rows = need_v ? row_last - row_first : height;
        tmp.resize(static_cast<std::size_t>(rows) * new_width * channels);
        pass_horizontal(src.data(), width, first, rows, channels, htaps, new_width, tmp.data());
        if (!need_v) {
            return tmp;
        }
        cur = tmp.data();
        cur_w = new_width;
        cur_row0 = first;
    }
    std::vector<std::uint8_t> out(static_cast<std::size_t>(new_height) * cur_w * channels);
    pass_vertical(cur, cur_w, cur_row0, channels, vtaps, new_height, out.data());
    return out;
}

RgbImage resize_pil(const RgbImage& image, int new_width, int new_height, ResampleFilter filter) {
    if (image.empty()) {
        throw Error("resize_pil: empty image");
    }
    RgbImage out;
    out.width = new_width;
    out.height = new_height;
    out.data =
        resize_pil_u8(image.data, image.width, image.height, 3, new_width, new_height, filter);
    return out;
}

Mask resize_pil(const Mask& mask, int new_width, int new_height, ResampleFilter filter) {
    if (mask.empty()) {
        throw Error("resize_pil: empty mask");
    }
    Mask out;
    out.width = new_width;
    out.height = new_height;
    out.data = resize_pil_u8(mask.data, mask.width, mask.height, 1, new_width, new_height, filter);
    return out;
}

}  // namespace segllm
