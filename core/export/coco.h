#pragma once
// COCO "instances" JSON that pycocotools, CVAT and detectron2 load: info, licenses, images,
// annotations and categories always present; image, annotation and category ids from 1;
// masks as compressed RLE (or polygons on request), iscrowd 0, area = pixel count,
// bbox = tight pixel box [x, y, w, h] with w = x_max - x_min + 1.

#include "core/export/project.h"

#include <filesystem>
#include <string>

namespace segllm {

struct CocoExportOptions {
    // Write polygons where they express the mask exactly (no holes); RLE otherwise.
    bool polygons = false;
    // Category of instances without a label.
    std::string default_label = "object";
    // file_name of each image = its path relative to this folder ('/' separators);
    // empty = the image paths as they are.
    std::filesystem::path image_root;
};

struct CocoExportSummary {
    int images = 0;
    int annotations = 0;
    int categories = 0;
    int polygon_annotations = 0;  // annotations written as polygons
    int skipped_empty = 0;        // instances with no pixels (not written)
};

// The COCO JSON text of a project (every image becomes one entry of one data set).
// Throws Error when an instance mask does not match its image size.
std::string coco_to_string(const Project& project, const CocoExportOptions& options,
                           CocoExportSummary* summary = nullptr);

// Writes coco_to_string atomically to `file`; throws Error (old file untouched) on failure.
CocoExportSummary write_coco(const Project& project, const std::filesystem::path& file,
                             const CocoExportOptions& options);

// Reads a COCO instances file into a project: one image per COCO image (path = image_root /
// file_name; image_root empty = the COCO file's folder), one instance per annotation (ids
// 1, 2, ... per image, label = category name, score = the annotation's "score" or 1, mask from
// RLE, polygons, or the bbox when segmentation is empty), labels = categories by id. Throws
// Error naming the file and the JSON path of the first bad value.
Project read_coco(const std::filesystem::path& file, const std::filesystem::path& image_root = {});

}  // namespace segllm
