#pragma once
// Reads what the decoder needs to know before decoding pixels, from the file header alone:
// container format, stored size and EXIF orientation. Plain C++ (no OpenCV), so the pixel limit
// can be enforced before any allocation and sizes can be shown without decoding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace segllm {

enum class ImageFormat { Png, Jpeg, Bmp, Tiff, WebP };

// Name for messages: "PNG", "JPEG", "BMP", "TIFF", "WebP".
const char* image_format_name(ImageFormat format);

struct ImageHeaderInfo {
    ImageFormat format = ImageFormat::Png;
    int width = 0;  // as stored (before orientation)
    int height = 0;
    int orientation = 1;  // EXIF Orientation 1..8 (1 when absent or out of range)
    // JPEG only: byte offset of the first start-of-scan marker (entropy-coded data follows).
    std::size_t jpeg_scan_offset = 0;
    // Width and height of the upright image: swapped for orientations 5..8.
    int oriented_width() const { return orientation >= 5 ? height : width; }
    int oriented_height() const { return orientation >= 5 ? width : height; }
};

// Parses the header of the image file held in data[0..size) (the whole file). Sizes come from PNG
// IHDR, the JPEG SOFn frame header, the BMP info header (|height| for top-down files), TIFF IFD0
// (ImageWidth/ImageLength) or the WebP VP8 / VP8L / VP8X header. The orientation comes from JPEG
// APP1 "Exif", a PNG eXIf chunk before IDAT, TIFF IFD0, or the WebP EXIF chunk that VP8X announces;
// a malformed EXIF block is ignored (orientation 1).
// Throws Error with the reason (no file name) on an unknown format, a truncated or invalid header
// or a zero size.
ImageHeaderInfo parse_image_header(const std::uint8_t* data, std::size_t size);

// (width, height) of the upright image at `path` (EXIF orientation applied) read from its header
// without decoding pixels; nullopt if the file cannot be read or is not a PNG, JPEG, BMP, TIFF or
// WebP with a valid header.
std::optional<std::pair<int, int>> read_image_size(const std::string& path);

}  // namespace segllm
