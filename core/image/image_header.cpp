#include "core/image/image_header.h"

#include "core/common/error.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

namespace segllm {

namespace {

// Thrown by a parse of a file prefix when the header continues past the prefix.
struct NeedMoreData {};

// Bounds-checked reads from a byte buffer that may be only a prefix of the file.
class ByteView {
public:
    ByteView(const std::uint8_t* data, std::size_t size, bool complete)
        : data_(data), size_(size), complete_(complete) {}

    std::size_t size() const { return size_; }
    const std::uint8_t* data() const { return data_; }
    bool has(std::size_t off, std::size_t len) const { return off <= size_ && len <= size_ - off; }
    void need(std::size_t off, std::size_t len) const {
        if (!has(off, len)) {
            if (!complete_) {
                throw NeedMoreData{};
            }
            throw Error("truncated header");
        }
    }
    std::uint8_t u8(std::size_t off) const {
        need(off, 1);
        return data_[off];
    }
    std::uint32_t be(std::size_t off, int bytes) const {
        need(off, static_cast<std::size_t>(bytes));
        std::uint32_t v = 0;
        for (int i = 0; i < bytes; ++i) {
            v = (v << 8) | data_[off + static_cast<std::size_t>(i)];
        }
        return v;
    }
    std::uint32_t le(std::size_t off, int bytes) const {
        need(off, static_cast<std::size_t>(bytes));
        std::uint32_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) {
            v = (v << 8) | data_[off + static_cast<std::size_t>(i)];
        }
        return v;
    }
    bool complete() const { return complete_; }
    // Whether the bytes at `off` equal the literal (without its terminating NUL).
    template <std::size_t N>
    bool matches(std::size_t off, const char (&text)[N]) const {
        return has(off, N - 1) && std::memcmp(data_ + off, text, N - 1) == 0;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    bool complete_;
};

int checked_dimension(std::uint64_t v, const char* what) {
    if (v == 0) {
        throw Error(std::string("zero ") + what + " in header");
    }
    if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
        throw Error(std::string(what) + " " + std::to_string(v) + " in header is out of range");
    }
    return static_cast<int>(v);
}

// Entries of a TIFF IFD0 (a TIFF file or an EXIF block, which is a TIFF structure).
struct TiffTags {
    std::optional<std::uint32_t> width;
    std::optional<std::uint32_t> height;
    int orientation = 1;
};

TiffTags read_tiff_ifd0(const ByteView& v, std::size_t base) {
    const bool little = v.matches(base, "II");
    if (!little && !v.matches(base, "MM")) {
        throw Error("invalid TIFF byte order mark");
    }
    auto u16 = [&](std::size_t off) { return little ? v.le(base + off, 2) : v.be(base + off, 2); };
    auto u32 = [&](std::size_t off) { return little ? v.le(base + off, 4) : v.be(base + off, 4); };
    const std::uint32_t magic = u16(2);
    if (magic == 43) {
        throw Error("BigTIFF is not supported");
    }
    if (magic != 42) {
        throw Error("invalid TIFF magic number");
    }
    const std::size_t ifd = u32(4);
    const std::uint32_t count = u16(ifd);
    TiffTags tags;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t e = ifd + 2 + static_cast<std::size_t>(i) * 12;
        const std::uint32_t tag = u16(e);
        const std::uint32_t type = u16(e + 2);
        // SHORT (3) values sit in the first two bytes of the value field, LONG (4) fill it.
        std::optional<std::uint32_t> value;
        if (type == 3) {
            value = u16(e + 8);
        } else if (type == 4) {
            value = u32(e + 8);
        }
        if (!value) {
            continue;
        }
        if (tag == 256) {
            tags.width = *value;
        } else if (tag == 257) {
            tags.height = *value;
        } else if (tag == 274) {
            tags.orientation = (*value >= 1 && *value <= 8) ? static_cast<int>(*value) : 1;
        }
    }
    return tags;
}

// Orientation of an EXIF block (TIFF structure, optionally after "Exif\0\0"); 1 if malformed.
int exif_orientation(const std::uint8_t* data, std::size_t size) {
    try {
        std::size_t base = 0;
        if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
            base = 6;
        }
        return read_tiff_ifd0(ByteView(data, size, true), base).orientation;
    } catch (const Error&) {
        return 1;
    }
}

ImageHeaderInfo parse_png(const ByteView& v) {
    ImageHeaderInfo info;
    info.format = ImageFormat::Png;
    if (v.be(8, 4) != 13 || !v.matches(12, "IHDR")) {
        throw Error("PNG does not start with an IHDR chunk");
    }
    info.width = checked_dimension(v.be(16, 4), "width");
    info.height = checked_dimension(v.be(20, 4), "height");
    // Look for eXIf among the chunks before the image data.
    std::size_t off = 8;
    while (true) {
        const std::uint64_t len = v.be(off, 4);
        if (v.matches(off + 4, "IDAT") || v.matches(off + 4, "IEND")) {
            break;
        }
        v.need(off + 4, 4);
        if (v.matches(off + 4, "eXIf")) {
            v.need(off + 8, static_cast<std::size_t>(len));
            info.orientation = exif_orientation(v.data() + off + 8, static_cast<std::size_t>(len));
            break;
        }
        off += 12 + static_cast<std::size_t>(len);
    }
    return info;
}

bool is_jpeg_frame_marker(std::uint8_t m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

ImageHeaderInfo parse_jpeg(const ByteView& v) {
    ImageHeaderInfo info;
    info.format = ImageFormat::Jpeg;
    bool have_frame = false;
    bool have_exif = false;
    std::size_t off = 2;
    while (true) {
        if (v.u8(off) != 0xFF) {
            throw Error("invalid JPEG marker at byte " + std::to_string(off));
        }
        while (v.u8(off) == 0xFF) {  // fill bytes
            ++off;
        }
        const std::uint8_t marker = v.u8(off);
        const std::size_t seg = off + 1;  // segment length field
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            off = seg;
            continue;
        }
        if (marker == 0xD9) {
            throw Error("JPEG ends before its image data");
        }
        if (marker == 0xDA) {
            if (!have_frame) {
                throw Error("JPEG scan before the frame header");
            }
            info.jpeg_scan_offset = off - 1;
            break;
        }
        const std::size_t len = v.be(seg, 2);
        if (len < 2) {
            throw Error("invalid JPEG segment length at byte " + std::to_string(seg));
        }
        v.need(seg, len);
        if (is_jpeg_frame_marker(marker) && !have_frame) {
            if (len < 7) {
                throw Error("JPEG frame header too short");
            }
            info.height = checked_dimension(v.be(seg + 3, 2), "height");
            info.width = checked_dimension(v.be(seg + 5, 2), "width");
            have_frame = true;
        } else if (marker == 0xE1 && !have_exif && v.matches(seg + 2, "Exif")) {
            info.orientation = exif_orientation(v.data() + seg + 2, len - 2);
            have_exif = true;
        }
        off = seg + len;
    }
    return info;
}

ImageHeaderInfo parse_bmp(const ByteView& v) {
    ImageHeaderInfo info;
    info.format = ImageFormat::Bmp;
    const std::uint32_t dib = v.le(14, 4);
    if (dib == 12) {  // BITMAPCOREHEADER
        info.width = checked_dimension(v.le(18, 2), "width");
        info.height = checked_dimension(v.le(20, 2), "height");
    } else if (dib >= 16) {
        const auto w = static_cast<std::int32_t>(v.le(18, 4));
        const auto h = static_cast<std::int32_t>(v.le(22, 4));
        if (w < 0) {
            throw Error("negative BMP width");
        }
        info.width = checked_dimension(static_cast<std::uint64_t>(w), "width");
        // A negative height marks a top-down bitmap.
        const std::int64_t ah = h < 0 ? -static_cast<std::int64_t>(h) : h;
        info.height = checked_dimension(static_cast<std::uint64_t>(ah), "height");
    } else {
        throw Error("unknown BMP header size " + std::to_string(dib));
    }
    return info;
}

ImageHeaderInfo parse_tiff(const ByteView& v) {
    ImageHeaderInfo info;
    info.format = ImageFormat::Tiff;
    const TiffTags tags = read_tiff_ifd0(v, 0);
    if (!tags.width || !tags.height) {
        throw Error("TIFF has no ImageWidth/ImageLength");
    }
    info.width = checked_dimension(*tags.width, "width");
    info.height = checked_dimension(*tags.height, "height");
    info.orientation = tags.orientation;
    return info;
}

ImageHeaderInfo parse_webp(const ByteView& v) {
    ImageHeaderInfo info;
    info.format = ImageFormat::WebP;
    const std::size_t payload = 20;
    if (v.matches(12, "VP8 ")) {
        if (v.be(payload + 3, 3) != 0x9D012A) {
            throw Error("invalid VP8 start code");
        }
        info.width = checked_dimension(v.le(payload + 6, 2) & 0x3FFF, "width");
        info.height = checked_dimension(v.le(payload + 8, 2) & 0x3FFF, "height");
    } else if (v.matches(12, "VP8L")) {
        if (v.u8(payload) != 0x2F) {
            throw Error("invalid VP8L signature");
        }
        const std::uint32_t bits = v.le(payload + 1, 4);
        info.width = static_cast<int>((bits & 0x3FFF) + 1);
        info.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
    } else if (v.matches(12, "VP8X")) {
        const std::uint8_t flags = v.u8(payload);
        info.width = static_cast<int>(v.le(payload + 4, 3) + 1);
        info.height = static_cast<int>(v.le(payload + 7, 3) + 1);
        if ((flags & 0x08) != 0) {  // EXIF chunk present
            std::size_t off = 12;
            while (true) {
                if (!v.has(off, 8) && v.complete()) {
                    break;  // announced but absent: no orientation
                }
                const std::size_t len = v.le(off + 4, 4);
                if (v.matches(off, "EXIF")) {
                    v.need(off + 8, len);
                    info.orientation = exif_orientation(v.data() + off + 8, len);
                    break;
                }
                off += 8 + len + (len & 1);
            }
        }
    } else {
        throw Error("unknown WebP chunk");
    }
    return info;
}

ImageHeaderInfo parse_header(const ByteView& v) {
    if (v.size() == 0) {
        throw Error("empty file");
    }
    if (v.matches(0, "\x89PNG\r\n\x1a\n")) {
        return parse_png(v);
    }
    if (v.matches(0, "\xFF\xD8\xFF")) {
        return parse_jpeg(v);
    }
    if (v.matches(0, "BM")) {
        return parse_bmp(v);
    }
    if (v.matches(0, "II*\0") || v.matches(0, "MM\0*") || v.matches(0, "II+\0") ||
        v.matches(0, "MM\0+")) {
        return parse_tiff(v);
    }
    if (v.matches(0, "RIFF") && v.matches(8, "WEBP")) {
        return parse_webp(v);
    }
    throw Error("unknown image format (not PNG, JPEG, BMP, TIFF or WebP)");
}

}  // namespace

const char* image_format_name(ImageFormat format) {
    switch (format) {
        case ImageFormat::Png:
            return "PNG";
        case ImageFormat::Jpeg:
            return "JPEG";
        case ImageFormat::Bmp:
            return "BMP";
        case ImageFormat::Tiff:
            return "TIFF";
        case ImageFormat::WebP:
            return "WebP";
    }
    return "unknown";
}

ImageHeaderInfo parse_image_header(const std::uint8_t* data, std::size_t size) {
    return parse_header(ByteView(data, size, true));
}

std::optional<std::pair<int, int>> read_image_size(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return std::nullopt;
    }
    const std::streamoff file_size = in.tellg();
    if (file_size <= 0) {
        return std::nullopt;
    }
    // Headers normally fit in the first 64 KiB; read the whole file only when they do not.
    constexpr std::streamoff kPrefix = 64 * 1024;
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::min(file_size, kPrefix)));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()))) {
        return std::nullopt;
    }
    try {
        ImageHeaderInfo info;
        try {
            info = parse_header(ByteView(buf.data(), buf.size(), file_size <= kPrefix));
        } catch (const NeedMoreData&) {
            buf.resize(static_cast<std::size_t>(file_size));
            in.seekg(0);
            if (!in.read(reinterpret_cast<char*>(buf.data()),
                         static_cast<std::streamsize>(buf.size()))) {
                return std::nullopt;
            }
            info = parse_header(ByteView(buf.data(), buf.size(), true));
        }
        return std::make_pair(info.oriented_width(), info.oriented_height());
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace segllm
