#pragma once
// labelme JSON, one file per image, with one "mask" shape per instance: points = the two
// corners [[x_min, y_min], [x_max, y_max]] of the mask's inclusive pixel box, "mask" = base64
// PNG (8-bit gray, 0/1, as labelme writes it) of the mask cropped to that box. imagePath is
// relative to the JSON file's folder, imageData null; labelme >= 5.3 and converters that read
// its format open these files.

#include "core/export/project.h"

#include <filesystem>
#include <string>
#include <vector>

namespace segllm {

struct LabelmeExportOptions {
    std::string default_label = "object";  // label of instances without one
};

struct LabelmeExportSummary {
    int files = 0;
    int shapes = 0;
    int skipped_empty = 0;  // instances with no pixels (labelme has no empty mask shape)
    std::vector<std::filesystem::path> written;
};

// The labelme JSON text for one image whose JSON file will be in `json_folder`.
std::string labelme_to_string(const ProjectImage& image, const std::filesystem::path& json_folder,
                              const LabelmeExportOptions& options, int* skipped_empty = nullptr);

// Writes <folder>/<name>.json for every image (names as png_export_names), atomically.
LabelmeExportSummary write_labelme(const Project& project, const std::filesystem::path& folder,
                                   const LabelmeExportOptions& options);

// One shape of a labelme file read back as a full-image mask.
struct LabelmeMask {
    std::string label;
    Mask mask;
};

// Reads the "mask" shapes of a labelme file (other shape types are skipped); throws Error
// naming the file and JSON path when a shape is malformed or its crop does not match its box.
std::vector<LabelmeMask> read_labelme_masks(const std::filesystem::path& file);

}  // namespace segllm
