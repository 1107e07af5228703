#include "core/export/png_codec.h"

#include "core/common/error.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <string>

namespace segllm {

namespace {

const std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

struct Chunk {
    std::string type;
    std::vector<std::uint8_t> data;
};

std::uint32_t read_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

void write_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

std::vector<Chunk> split_chunks(const std::vector<std::uint8_t>& png) {
    if (png.size() < 8 || std::memcmp(png.data(), kSignature, 8) != 0) {
        throw Error("not a PNG (bad signature)");
    }
    std::vector<Chunk> chunks;
    std::size_t p = 8;
    while (p + 12 <= png.size()) {
        const std::uint32_t length = read_be32(&png[p]);
        if (length > png.size() - p - 12) {
            throw Error("PNG chunk at offset " + std::to_string(p) + " runs past the end");
        }
        Chunk c;
        c.type.assign(reinterpret_cast<const char*>(&png[p + 4]), 4);
        c.data.assign(png.begin() + static_cast<std::ptrdiff_t>(p + 8),
                      png.begin() + static_cast<std::ptrdiff_t>(p + 8 + length));
        const std::uint32_t crc = read_be32(&png[p + 8 + length]);
        if (crc != png_crc32(&png[p + 4], length + 4)) {
            throw Error("PNG chunk '" + c.type + "' has a bad CRC");
        }
        chunks.push_back(std::move(c));
        p += 12 + length;
        if (chunks.back().type == "IEND")
            break;
    }
    if (chunks.empty() || chunks.front().type != "IHDR" || chunks.front().data.size() != 13) {
        throw Error("PNG does not start with a valid IHDR chunk");
    }
    return chunks;
}

std::vector<std::uint8_t> join_chunks(const std::vector<Chunk>& chunks) {
    std::vector<std::uint8_t> out(kSignature, kSignature + 8);
    for (const Chunk& c : chunks) {
        write_be32(out, static_cast<std::uint32_t>(c.data.size()));
        const std::size_t start = out.size();
        out.insert(out.end(), c.type.begin(), c.type.end());
        out.insert(out.end(), c.data.begin(), c.data.end());
        write_be32(out, png_crc32(&out[start], out.size() - start));
    }
    return out;
}

std::vector<std::uint8_t> encode(const cv::Mat& image) {
    std::vector<std::uint8_t> out;
    if (!cv::imencode(".png", image, out)) {
        throw Error("OpenCV could not encode a PNG");
    }
    return out;
}

void check_size(std::size_t n, int width, int height) {
    if (width <= 0 || height <= 0 || n != static_cast<std::size_t>(width) * height) {
        throw Error("PNG encode: " + std::to_string(n) + " pixels do not match " +
                    std::to_string(width) + "x" + std::to_string(height));
    }
}

}  // namespace

std::uint32_t png_crc32(const std::uint8_t* data, std::size_t size) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }
            t[n] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < size; ++i) {
        c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
    }
    return c ^ 0xffffffffu;
}

std::vector<std::uint8_t> png_encode_gray8(const std::vector<std::uint8_t>& pixels, int width,
                                           int height) {
    check_size(pixels.size(), width, height);
    const cv::Mat image(height, width, CV_8UC1, const_cast<std::uint8_t*>(pixels.data()));
    return encode(image);
}

std::vector<std::uint8_t> png_encode_gray16(const std::vector<std::uint16_t>& pixels, int width,
                                            int height) {
    check_size(pixels.size(), width, height);
    const cv::Mat image(height, width, CV_16UC1, const_cast<std::uint16_t*>(pixels.data()));
    return encode(image);
}

std::vector<std::uint8_t> png_encode_palette(const std::vector<std::uint8_t>& indices, int width,
                                             int height, const std::vector<Rgb>& palette) {
    if (palette.empty() || palette.size() > 256) {
        throw Error("PNG palette must have 1..256 entries, got " + std::to_string(palette.size()));
    }
    for (std::uint8_t v : indices) {
        if (v >= palette.size()) {
            throw Error("palette PNG: index " + std::to_string(v) + " has no palette entry (" +
                        std::to_string(palette.size()) + " entries)");
        }
    }
    std::vector<Chunk> gray = split_chunks(png_encode_gray8(indices, width, height));
    std::vector<Chunk> chunks;
    for (Chunk& c : gray) {
        if (c.type == "IHDR") {
            c.data[9] = 3;  // colour type: palette (bit depth stays 8)
            chunks.push_back(std::move(c));
            Chunk plte{"PLTE", {}};
            for (const Rgb& rgb : palette) {
                plte.data.insert(plte.data.end(), rgb.begin(), rgb.end());
            }
            chunks.push_back(std::move(plte));
        } else if (c.type == "IDAT" || c.type == "IEND") {
            chunks.push_back(std::move(c));
        }
    }
    return join_chunks(chunks);
}

PngPixels png_decode(const std::vector<std::uint8_t>& bytes) {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    cv::Mat image = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    if (image.empty()) {
        throw Error("cannot decode PNG data (" + std::to_string(bytes.size()) + " bytes)");
    }
    PngPixels out;
    out.width = image.cols;
    out.height = image.rows;
    out.channels = image.channels();
    out.bit_depth = image.depth() == CV_16U ? 16 : 8;
    if (image.depth() != CV_8U && image.depth() != CV_16U) {
        throw Error("PNG decoded to an unexpected sample type");
    }
    if (out.channels == 3) {
        cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    } else if (out.channels == 4) {
        cv::cvtColor(image, image, cv::COLOR_BGRA2RGBA);
    }
    cv::Mat wide;
    image.convertTo(wide, CV_16U);
    out.samples.resize(static_cast<std::size_t>(out.width) * out.height * out.channels);
    for (int y = 0; y < out.height; ++y) {
        const std::uint16_t* row = wide.ptr<std::uint16_t>(y);
        std::copy(row, row + static_cast<std::size_t>(out.width) * out.channels,
                  out.samples.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(y) *
                                                                    out.width * out.channels));
    }
    return out;
}

PngPixels png_decode_palette(const std::vector<std::uint8_t>& bytes, std::vector<Rgb>* palette) {
    std::vector<Chunk> chunks = split_chunks(bytes);
    if (chunks.front().data[9] != 3 || chunks.front().data[8] != 8) {
        throw Error("PNG is not an 8-bit palette image (colour type " +
                    std::to_string(chunks.front().data[9]) + ", bit depth " +
                    std::to_string(chunks.front().data[8]) + ")");
    }
    std::vector<Chunk> gray;
    for (Chunk& c : chunks) {
        if (c.type == "PLTE") {
            if (palette != nullptr) {
                palette->clear();
                for (std::size_t i = 0; i + 2 < c.data.size(); i += 3) {
                    palette->push_back({c.data[i], c.data[i + 1], c.data[i + 2]});
                }
            }
            continue;
        }
        if (c.type == "IHDR") {
            c.data[9] = 0;  // read the indices as 8-bit gray
        }
        if (c.type == "IHDR" || c.type == "IDAT" || c.type == "IEND") {
            gray.push_back(std::move(c));
        }
    }
    return png_decode(join_chunks(gray));
}

}  // namespace segllm
