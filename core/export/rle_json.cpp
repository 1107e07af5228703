#include "core/export/rle_json.h"

#include "core/common/error.h"
#include "core/export/rle.h"

#include <limits>

namespace segllm {

nlohmann::ordered_json mask_to_rle_json(const Mask& mask) {
    const Rle rle = rle_encode(mask);
    return nlohmann::ordered_json{{"size", {rle.height, rle.width}},
                                  {"counts", rle_counts_to_string(rle.counts)}};
}

Mask mask_from_rle_json(const json_reader::Node& node, int width, int height) {
    const json_reader::Node size = node.at("size");
    if (size.size() != 2) {
        size.fail("expected [height, width], got " + std::to_string(size.size()) + " values");
    }
    Rle rle;
    rle.height = static_cast<int>(size.at(std::size_t{0}).integer(0, 1 << 20));
    rle.width = static_cast<int>(size.at(std::size_t{1}).integer(0, 1 << 20));
    if (rle.height != height || rle.width != width) {
        size.fail("mask size " + std::to_string(rle.height) + "x" + std::to_string(rle.width) +
                  " (h x w) differs from the image size " + std::to_string(height) + "x" +
                  std::to_string(width));
    }
    const json_reader::Node counts = node.at("counts");
    if (counts.json().is_string()) {
        try {
            rle.counts = rle_counts_from_string(counts.string());
        } catch (const Error& e) {
            counts.fail(e.what());
        }
    } else if (counts.json().is_array()) {
        for (std::size_t i = 0; i < counts.size(); ++i) {
            rle.counts.push_back(static_cast<std::uint32_t>(
                counts.at(i).integer(0, std::numeric_limits<std::uint32_t>::max())));
        }
    } else {
        counts.fail("expected a string or a list of integers, got " +
                    json_reader::type_name(counts.json()));
    }
    try {
        return rle_decode(rle);
    } catch (const Error& e) {
        counts.fail(e.what());
    }
}

}  // namespace segllm
