#include "core/export/rle.h"

#include "core/common/error.h"

#include <limits>

namespace segllm {

Rle rle_encode(const Mask& mask) {
    Rle rle;
    rle.height = mask.height;
    rle.width = mask.width;
    if (mask.empty()) {
        return rle;
    }
    bool current = false;
    std::uint32_t run = 0;
    for (int x = 0; x < mask.width; ++x) {
        for (int y = 0; y < mask.height; ++y) {
            const bool v = mask.at(x, y) != 0;
            if (v != current) {
                rle.counts.push_back(run);
                run = 0;
                current = v;
            }
            ++run;
        }
    }
    rle.counts.push_back(run);
    return rle;
}

Mask rle_decode(const Rle& rle) {
    if (rle.height < 0 || rle.width < 0) {
        throw Error("RLE has a negative size " + std::to_string(rle.height) + "x" +
                    std::to_string(rle.width));
    }
    const std::uint64_t total = static_cast<std::uint64_t>(rle.height) * rle.width;
    std::uint64_t sum = 0;
    for (std::uint32_t c : rle.counts) {
        sum += c;
    }
    if (sum != total) {
        throw Error("RLE counts sum to " + std::to_string(sum) + ", expected " +
                    std::to_string(total) + " (height " + std::to_string(rle.height) + " x width " +
                    std::to_string(rle.width) + ")");
    }
    Mask mask(rle.width, rle.height);
    std::uint64_t pos = 0;  // column-major position
    bool value = false;
    for (std::uint32_t c : rle.counts) {
        if (value) {
            for (std::uint64_t i = pos; i < pos + c; ++i) {
                const int x = static_cast<int>(i / static_cast<std::uint64_t>(rle.height));
                const int y = static_cast<int>(i % static_cast<std::uint64_t>(rle.height));
                mask.at(x, y) = 1;
            }
        }
        pos += c;
        value = !value;
    }
    return mask;
}

std::int64_t rle_area(const Rle& rle) {
    std::int64_t area = 0;
    for (std::size_t i = 1; i < rle.counts.size(); i += 2) {
        area += rle.counts[i];
    }
    return area;
}

std::string rle_counts_to_string(const std::vector<std::uint32_t>& counts) {
    std::string out;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        std::int64_t x = counts[i];
        if (i > 2) {
            x -= static_cast<std::int64_t>(counts[i - 2]);
        }
        bool more = true;
        while (more) {
            int c = static_cast<int>(x & 0x1f);
            x >>= 5;  // arithmetic shift: negative values keep their sign
            more = (c & 0x10) != 0 ? x != -1 : x != 0;
            if (more) {
                c |= 0x20;
            }
            out.push_back(static_cast<char>(c + 48));
        }
    }
    return out;
}

std::vector<std::uint32_t> rle_counts_from_string(const std::string& text) {
    std::vector<std::uint32_t> counts;
    std::size_t p = 0;
    while (p < text.size()) {
        const std::size_t start = p;
        std::int64_t x = 0;
        int k = 0;
        bool more = true;
        while (more) {
            if (p >= text.size()) {
                throw Error("RLE counts string ends inside the number that starts at offset " +
                            std::to_string(start));
            }
            const int c = static_cast<unsigned char>(text[p]) - 48;
            if (c < 0 || c > 63) {
                throw Error("RLE counts string has character '" + std::string(1, text[p]) +
                            "' at offset " + std::to_string(p) + " (allowed: ASCII 48..111)");
            }
            if (k >= 7) {
                throw Error("RLE counts string has a number longer than 7 characters at offset " +
                            std::to_string(start));
            }
            x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
            more = (c & 0x20) != 0;
            ++p;
            ++k;
            if (!more && (c & 0x10) != 0) {
                x |= static_cast<std::int64_t>(-1) * (std::int64_t{1} << (5 * k));  // sign-extend
            }
        }
        if (counts.size() > 2) {
            x += counts[counts.size() - 2];
        }
        if (x < 0 || x > std::numeric_limits<std::uint32_t>::max()) {
            throw Error("RLE counts string decodes to the invalid count " + std::to_string(x) +
                        " (number " + std::to_string(counts.size()) + ", offset " +
                        std::to_string(start) + ")");
        }
        counts.push_back(static_cast<std::uint32_t>(x));
    }
    return counts;
}

}  // namespace segllm
