#include "core/image/decode.h"

#include "core/common/error.h"
#include "core/image/image_header.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

namespace segllm {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& reason) {
    throw Error("cannot decode image '" + name + "': " + reason);
}

// Source pixel (sx, sy) of output pixel (x, y) for an EXIF orientation, w x h = stored size.
// 2: mirror, 3: rotate 180, 4: flip, 5: transpose, 6: rotate 90 clockwise,
// 7: transverse, 8: rotate 90 counter-clockwise.
inline void oriented_source(int orientation, int w, int h, int x, int y, int& sx, int& sy) {
    switch (orientation) {
        case 2:
            sx = w - 1 - x;
            sy = y;
            break;
        case 3:
            sx = w - 1 - x;
            sy = h - 1 - y;
            break;
        case 4:
            sx = x;
            sy = h - 1 - y;
            break;
        case 5:
            sx = y;
            sy = x;
            break;
        case 6:
            sx = y;
            sy = h - 1 - x;
            break;
        case 7:
            sx = w - 1 - y;
            sy = h - 1 - x;
            break;
        case 8:
            sx = w - 1 - y;
            sy = x;
            break;
        default:
            sx = x;
            sy = y;
            break;
    }
}

// 8-bit value of sample `i` of a row of depth CV_8U or CV_16U.
inline std::uint8_t sample_u8(const cv::Mat& m, int row, int i) {
    if (m.depth() == CV_16U) {
        return static_cast<std::uint8_t>(m.ptr<std::uint16_t>(row)[i] >> 8);
    }
    return m.ptr<std::uint8_t>(row)[i];
}

// BGR (8 or 16 bit) to RGB with the orientation applied.
RgbImage to_rgb(const cv::Mat& bgr, int orientation) {
    const int w = bgr.cols;
    const int h = bgr.rows;
    if (orientation == 1 && bgr.depth() == CV_8U) {
        RgbImage out(w, h);
        for (int y = 0; y < h; ++y) {
            const std::uint8_t* s = bgr.ptr<std::uint8_t>(y);
            std::uint8_t* d = out.pixel(0, y);
            for (int x = 0; x < w; ++x) {
                d[3 * x + 0] = s[3 * x + 2];
                d[3 * x + 1] = s[3 * x + 1];
                d[3 * x + 2] = s[3 * x + 0];
            }
        }
        return out;
    }
    const bool swap = orientation >= 5;
    RgbImage out(swap ? h : w, swap ? w : h);
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
            int sx = x;
            int sy = y;
            oriented_source(orientation, w, h, x, y, sx, sy);
            std::uint8_t* p = out.pixel(x, y);
            p[0] = sample_u8(bgr, sy, sx * 3 + 2);
            p[1] = sample_u8(bgr, sy, sx * 3 + 1);
            p[2] = sample_u8(bgr, sy, sx * 3 + 0);
        }
    }
    return out;
}

// JPEG data must reach its end-of-image marker: libjpeg pads a truncated scan and OpenCV 4.6
// returns the image without an error, so a cut file would otherwise decode "successfully".
// Entropy-coded data cannot contain FF D9 (0xFF is stuffed), so the first FF D9 after the first
// scan marker is the EOI.
bool jpeg_has_end_marker(const std::vector<std::uint8_t>& bytes, std::size_t scan_offset) {
    for (std::size_t i = scan_offset; i + 1 < bytes.size(); ++i) {
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xD9) {
            return true;
        }
    }
    return false;
}

}  // namespace

RgbImage decode_image_bytes(const std::vector<std::uint8_t>& bytes,
                            const std::string& name_for_errors, const DecodeOptions& options) {
    const std::string& name = name_for_errors;
    if (bytes.empty()) {
        fail(name, "the file is empty");
    }
    ImageHeaderInfo info;
    try {
        info = parse_image_header(bytes.data(), bytes.size());
    } catch (const Error& e) {
        fail(name, e.what());
    }
    const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
    if (pixels > options.max_pixels) {
        fail(name, std::string(image_format_name(info.format)) + " image of " +
                       std::to_string(info.width) + "x" + std::to_string(info.height) + " (" +
                       std::to_string(pixels) + " pixels) exceeds the limit of " +
                       std::to_string(options.max_pixels) + " pixels");
    }
    if (info.format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes, info.jpeg_scan_offset)) {
        fail(name, "truncated JPEG data (no end-of-image marker)");
    }

    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        fail(name, "the file is larger than 2 GiB");
    }
    cv::Mat decoded;
    try {
        // Colour (grey replicated, alpha stripped), native depth, no orientation by OpenCV.
        const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8UC1,
                          const_cast<std::uint8_t*>(bytes.data()));
        decoded = cv::imdecode(
            buf, cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (const cv::Exception& e) {
        fail(name, std::string(image_format_name(info.format)) + " data is corrupt or truncated (" +
                       e.what() + ")");
    }
    if (decoded.empty()) {
        fail(name, std::string(image_format_name(info.format)) + " data is corrupt or truncated");
    }
    if (decoded.channels() != 3) {
        fail(name, "decoder returned " + std::to_string(decoded.channels()) + " channels");
    }
    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U) {
        fail(name, "unsupported sample type (only 8- and 16-bit unsigned integer samples)");
    }
    if (static_cast<std::int64_t>(decoded.cols) * decoded.rows > options.max_pixels) {
        fail(name, "decoded size " + std::to_string(decoded.cols) + "x" +
                       std::to_string(decoded.rows) + " exceeds the limit of " +
                       std::to_string(options.max_pixels) + " pixels");
    }
    // The transform still to apply. OpenCV 4.6 decodes TIFF through libtiff, which already
    // returns the upright image (all eight orientations, 8 and 16 bit; IMREAD_IGNORE_ORIENTATION
    // does not stop it), so for TIFF nothing is left to do, or the inverse when the caller wants
    // the stored layout. A decoder that left an orientation >= 5 unapplied shows it by the
    // unswapped size; then it is applied here as for the other formats.
    int transform = options.apply_exif_orientation ? info.orientation : 1;
    if (info.format == ImageFormat::Tiff && info.orientation != 1) {
        const bool left_unapplied = info.orientation >= 5 && info.width != info.height &&
                                    decoded.cols == info.width && decoded.rows == info.height;
        const bool decoder_applied = !left_unapplied;
        if (decoder_applied) {
            // 6 and 8 undo each other; the other transforms are their own inverse.
            const int inverse =
                info.orientation == 6 ? 8 : (info.orientation == 8 ? 6 : info.orientation);
            transform = options.apply_exif_orientation ? 1 : inverse;
        }
    }
    return to_rgb(decoded, transform);
}

RgbImage decode_image(const std::string& path, const DecodeOptions& options) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        fail(path, std::string("cannot open the file (") + std::strerror(errno) + ")");
    }
    const std::streamoff size = in.tellg();
    if (size < 0) {
        fail(path, "cannot read the file");
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 &&
        !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
        fail(path, "cannot read the file");
    }
    return decode_image_bytes(bytes, path, options);
}

}  // namespace segllm
