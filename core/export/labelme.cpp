#include "core/export/labelme.h"

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/base64.h"
#include "core/export/json_reader.h"
#include "core/export/png_codec.h"
#include "core/export/png_maps.h"

#include <nlohmann/json.hpp>

namespace segllm {

namespace {

using json_reader::Node;

constexpr const char* kLabelmeVersion = "5.5.0";

std::string relative_image_path(const std::filesystem::path& image,
                                const std::filesystem::path& folder) {
    const auto a = std::filesystem::absolute(image).lexically_normal();
    const auto b = std::filesystem::absolute(folder).lexically_normal();
    const auto rel = a.lexically_relative(b);
    return rel.empty() ? a.generic_string() : rel.generic_string();
}

}  // namespace

std::string labelme_to_string(const ProjectImage& image, const std::filesystem::path& json_folder,
                              const LabelmeExportOptions& options, int* skipped_empty) {
    nlohmann::ordered_json shapes = nlohmann::ordered_json::array();
    int skipped = 0;
    for (const ProjectInstance& instance : image.instances) {
        if (instance.mask.width != image.width || instance.mask.height != image.height) {
            throw Error("image '" + image.path.string() + "': instance " +
                        std::to_string(instance.id) + " mask size differs from the image size");
        }
        const auto box = mask_box(instance.mask);
        if (!box) {
            ++skipped;
            continue;
        }
        std::vector<std::uint8_t> crop;
        crop.reserve(static_cast<std::size_t>(box->width()) * box->height());
        for (int y = box->y0; y <= box->y1; ++y) {
            for (int x = box->x0; x <= box->x1; ++x) {
                crop.push_back(instance.mask.at(x, y) != 0 ? 1 : 0);
            }
        }
        const std::vector<std::uint8_t> png = png_encode_gray8(crop, box->width(), box->height());
        shapes.push_back(
            {{"label", instance.label.empty() ? options.default_label : instance.label},
             {"points", {{box->x0, box->y0}, {box->x1, box->y1}}},
             {"group_id", nullptr},
             {"description", ""},
             {"shape_type", "mask"},
             {"flags", nlohmann::ordered_json::object()},
             {"mask", base64_encode(png)}});
    }
    if (skipped_empty != nullptr) {
        *skipped_empty = skipped;
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    doc["version"] = kLabelmeVersion;
    doc["flags"] = nlohmann::ordered_json::object();
    doc["shapes"] = std::move(shapes);
    doc["imagePath"] = relative_image_path(image.path, json_folder);
    doc["imageData"] = nullptr;
    doc["imageHeight"] = image.height;
    doc["imageWidth"] = image.width;
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

LabelmeExportSummary write_labelme(const Project& project, const std::filesystem::path& folder,
                                   const LabelmeExportOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec || !std::filesystem::is_directory(folder)) {
        throw Error("cannot create folder '" + folder.string() + "'" +
                    (ec ? ": " + ec.message() : std::string()));
    }
    LabelmeExportSummary summary;
    const std::vector<std::string> names = png_export_names(project);
    for (std::size_t i = 0; i < project.images.size(); ++i) {
        int skipped = 0;
        const std::string text = labelme_to_string(project.images[i], folder, options, &skipped);
        const std::filesystem::path file = folder / (names[i] + ".json");
        write_file_atomic(file, text);
        summary.written.push_back(file);
        ++summary.files;
        summary.skipped_empty += skipped;
        summary.shapes += static_cast<int>(project.images[i].instances.size()) - skipped;
    }
    return summary;
}

std::vector<LabelmeMask> read_labelme_masks(const std::filesystem::path& file) {
    const nlohmann::json doc = json_reader::parse(read_file(file), file);
    const Node root(doc, file, "");
    const int width = static_cast<int>(root.at("imageWidth").integer(1, 1 << 20));
    const int height = static_cast<int>(root.at("imageHeight").integer(1, 1 << 20));
    std::vector<LabelmeMask> result;
    const Node shapes = root.at("shapes");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const Node shape = shapes.at(i);
        if (shape.at("shape_type").string() != "mask") {
            continue;
        }
        const Node points = shape.at("points");
        if (points.size() != 2) {
            points.fail("a mask shape needs 2 points, got " + std::to_string(points.size()));
        }
        const int x0 =
            static_cast<int>(points.at(std::size_t{0}).at(std::size_t{0}).integer(0, width - 1));
        const int y0 =
            static_cast<int>(points.at(std::size_t{0}).at(std::size_t{1}).integer(0, height - 1));
        const Node mask_node = shape.at("mask");
        PngPixels crop;
        try {
            crop = png_decode(base64_decode(mask_node.string()));
        } catch (const Error& e) {
            mask_node.fail(e.what());
        }
        if (crop.channels != 1) {
            mask_node.fail("expected a one-channel PNG, got " + std::to_string(crop.channels) +
                           " channels");
        }
        const int x1 =
            static_cast<int>(points.at(std::size_t{1}).at(std::size_t{0}).integer(x0, width - 1));
        const int y1 =
            static_cast<int>(points.at(std::size_t{1}).at(std::size_t{1}).integer(y0, height - 1));
        if (crop.width != x1 - x0 + 1 || crop.height != y1 - y0 + 1) {
            mask_node.fail("crop is " + std::to_string(crop.width) + "x" +
                           std::to_string(crop.height) + ", the box is " +
                           std::to_string(x1 - x0 + 1) + "x" + std::to_string(y1 - y0 + 1));
        }
        LabelmeMask m;
        m.label = shape.at("label").string();
        m.mask = Mask(width, height);
        for (int y = 0; y < crop.height; ++y) {
            for (int x = 0; x < crop.width; ++x) {
                if (crop.samples[static_cast<std::size_t>(y) * crop.width + x] != 0) {
                    m.mask.at(x0 + x, y0 + y) = 1;
                }
            }
        }
        result.push_back(std::move(m));
    }
    return result;
}

}  // namespace segllm
