#pragma once
// COCO RLE objects in JSON, {"size": [h, w], "counts": "<compressed string>"}, for the COCO
// export/import and the project file.

#include "core/export/json_reader.h"
#include "core/image/mask.h"

#include <nlohmann/json.hpp>

namespace segllm {

// The compressed RLE object of a mask.
nlohmann::ordered_json mask_to_rle_json(const Mask& mask);

// Reads a compressed ("counts" string) or uncompressed ("counts" list of integers) RLE
// object; throws Error naming the file and JSON path when it is malformed, its counts do not
// sum to h * w, or its size differs from width x height.
Mask mask_from_rle_json(const json_reader::Node& node, int width, int height);

}  // namespace segllm
