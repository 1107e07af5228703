#pragma once
// PNG masks per image in the layout of CVAT's "Segmentation mask 1.1" (VOC-like):
//   DIR/labelmap.txt                        "# label:color_rgb:parts:actions", then
//                                           "background:0,0,0::" and "<name>:r,g,b::" per
//                                           category, line k = class index k
//   DIR/ImageSets/Segmentation/default.txt  one image name per line
//   DIR/SegmentationClass/<name>.png        8-bit palette PNG, index = class (0 background),
//                                           palette = the labelmap colours (VOC colour map)
//   DIR/SegmentationObject/<name>.png       instance map: 0 background, k = k-th instance of
//                                           the image; 8-bit gray, 16-bit when > 255 instances
//   DIR/Instances/<name>/<k>.png            optional, one binary 0/255 PNG per instance
// Overlaps: instances are painted largest area first, so a smaller one (a part inside its
// whole) is painted last and stays visible; equal areas keep the project order (later wins).

#include "core/export/png_codec.h"
#include "core/export/project.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace segllm {

struct PngExportOptions {
    bool per_instance = false;             // also write Instances/<name>/<k>.png
    std::string default_label = "object";  // class of instances without a label
};

struct PngExportSummary {
    int images = 0;
    int classes = 0;  // categories, background excluded
    int instance_files = 0;
    std::vector<std::filesystem::path> files;  // every file written
};

// The VOC colour map entry of a class index (0 -> black, 1 -> (128,0,0), 2 -> (0,128,0) ...).
Rgb voc_color(int index);

// Instance map of one image: values 0..n, painting order as described above.
// Throws Error when a mask does not match the image size.
std::vector<std::uint16_t> instance_map(const ProjectImage& image);
// Order in which the instances are painted (indices into image.instances).
std::vector<std::size_t> paint_order(const ProjectImage& image);

// File names (without extension) for the images: the file stem, made unique with a suffix
// "_<image number>" when two images share a stem.
std::vector<std::string> png_export_names(const Project& project);

// Writes the whole layout into `folder` (created if missing). Throws Error naming the file
// that could not be written, or when there are more than 255 categories.
PngExportSummary write_png_maps(const Project& project, const std::filesystem::path& folder,
                                const PngExportOptions& options);

}  // namespace segllm
