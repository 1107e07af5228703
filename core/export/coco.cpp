#include "core/export/coco.h"

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/categories.h"
#include "core/export/json_reader.h"
#include "core/export/polygons.h"
#include "core/export/rle_json.h"
#include "segllm/version.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>

namespace segllm {

namespace {

using json_reader::Node;

std::string file_name_of(const std::filesystem::path& image, const std::filesystem::path& root) {
    if (root.empty()) {
        return image.generic_string();
    }
    const std::filesystem::path absolute_image =
        std::filesystem::absolute(image).lexically_normal();
    const std::filesystem::path absolute_root = std::filesystem::absolute(root).lexically_normal();
    const std::filesystem::path relative = absolute_image.lexically_relative(absolute_root);
    return relative.empty() ? absolute_image.generic_string() : relative.generic_string();
}

nlohmann::ordered_json info_block() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[32];
    std::strftime(date, sizeof(date), "%Y/%m/%d", &utc);
    return nlohmann::ordered_json{{"description", std::string(kProjectName) + " export"},
                                  {"url", ""},
                                  {"version", kVersion},
                                  {"year", utc.tm_year + 1900},
                                  {"contributor", ""},
                                  {"date_created", date}};
}

void require_mask_size(const ProjectImage& image, const ProjectInstance& instance) {
    if (instance.mask.width != image.width || instance.mask.height != image.height) {
        throw Error("image '" + image.path.string() + "': instance " + std::to_string(instance.id) +
                    " has a " + std::to_string(instance.mask.width) + "x" +
                    std::to_string(instance.mask.height) + " mask, the image is " +
                    std::to_string(image.width) + "x" + std::to_string(image.height));
    }
}

// Polygons of a mask if they are exact and valid for pycocotools (>= 3 points each, never a
// first polygon of 4 numbers, which pycocotools reads as a box); empty otherwise.
std::vector<Polygon> exact_polygons(const Mask& mask) {
    std::vector<Polygon> polygons = mask_to_polygons(mask);
    for (const Polygon& p : polygons) {
        if (p.size() < 6) {
            return {};
        }
    }
    return polygons;
}

}  // namespace

std::string coco_to_string(const Project& project, const CocoExportOptions& options,
                           CocoExportSummary* summary) {
    const Categories categories = collect_categories(project, options.default_label);
    CocoExportSummary s;
    nlohmann::ordered_json images = nlohmann::ordered_json::array();
    nlohmann::ordered_json annotations = nlohmann::ordered_json::array();
    int annotation_id = 0;
    for (std::size_t i = 0; i < project.images.size(); ++i) {
        const ProjectImage& image = project.images[i];
        const int image_id = static_cast<int>(i) + 1;
        images.push_back({{"id", image_id},
                          {"file_name", file_name_of(image.path, options.image_root)},
                          {"width", image.width},
                          {"height", image.height},
                          {"license", 0}});
        for (const ProjectInstance& instance : image.instances) {
            require_mask_size(image, instance);
            const auto box = mask_box(instance.mask);
            if (!box) {
                ++s.skipped_empty;
                continue;
            }
            nlohmann::ordered_json segmentation;
            std::vector<Polygon> polygons;
            if (options.polygons) {
                polygons = exact_polygons(instance.mask);
            }
            if (!polygons.empty()) {
                segmentation = nlohmann::ordered_json::array();
                for (const Polygon& p : polygons) {
                    nlohmann::ordered_json flat = nlohmann::ordered_json::array();
                    for (double v : p) {
                        flat.push_back(static_cast<long long>(std::llround(v)));
                    }
                    segmentation.push_back(std::move(flat));
                }
                ++s.polygon_annotations;
            } else {
                segmentation = mask_to_rle_json(instance.mask);
            }
            annotations.push_back({{"id", ++annotation_id},
                                   {"image_id", image_id},
                                   {"category_id", categories.index_of(instance.label)},
                                   {"segmentation", std::move(segmentation)},
                                   {"area", mask_area(instance.mask)},
                                   {"bbox", {box->x0, box->y0, box->width(), box->height()}},
                                   {"iscrowd", 0}});
        }
    }
    nlohmann::ordered_json cats = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < categories.names.size(); ++k) {
        cats.push_back({{"id", static_cast<int>(k) + 1},
                        {"name", categories.names[k]},
                        {"supercategory", ""}});
    }
    s.images = static_cast<int>(images.size());
    s.annotations = static_cast<int>(annotations.size());
    s.categories = static_cast<int>(cats.size());
    if (summary != nullptr) {
        *summary = s;
    }
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    root["info"] = info_block();
    root["licenses"] = nlohmann::ordered_json::array();
    root["images"] = std::move(images);
    root["annotations"] = std::move(annotations);
    root["categories"] = std::move(cats);
    return root.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

CocoExportSummary write_coco(const Project& project, const std::filesystem::path& file,
                             const CocoExportOptions& options) {
    CocoExportSummary summary;
    const std::string text = coco_to_string(project, options, &summary);
    write_file_atomic(file, text);
    return summary;
}

Project read_coco(const std::filesystem::path& file, const std::filesystem::path& image_root) {
    const nlohmann::json doc = json_reader::parse(read_file(file), file);
    const Node root(doc, file, "");
    const std::filesystem::path root_folder = image_root.empty() ? file.parent_path() : image_root;
    constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

    Project project;
    std::map<std::int64_t, std::string> category_names;
    const Node categories = root.at("categories");
    for (std::size_t i = 0; i < categories.size(); ++i) {
        const Node c = categories.at(i);
        const std::int64_t id =
            c.at("id").integer(std::numeric_limits<std::int64_t>::min(), kMaxId);
        if (!category_names.emplace(id, c.at("name").string()).second) {
            c.at("id").fail("duplicate category id " + std::to_string(id));
        }
    }
    for (const auto& [id, name] : category_names) {
        if (std::find(project.labels.begin(), project.labels.end(), name) == project.labels.end()) {
            project.labels.push_back(name);
        }
    }

    std::map<std::int64_t, std::size_t> image_index;
    const Node images = root.at("images");
    for (std::size_t i = 0; i < images.size(); ++i) {
        const Node im = images.at(i);
        const std::int64_t id =
            im.at("id").integer(std::numeric_limits<std::int64_t>::min(), kMaxId);
        if (!image_index.emplace(id, project.images.size()).second) {
            im.at("id").fail("duplicate image id " + std::to_string(id));
        }
        ProjectImage image;
        image.path = (root_folder / im.at("file_name").string()).lexically_normal();
        image.width = static_cast<int>(im.at("width").integer(1, 1 << 20));
        image.height = static_cast<int>(im.at("height").integer(1, 1 << 20));
        project.images.push_back(std::move(image));
    }

    const Node annotations = root.at("annotations");
    for (std::size_t i = 0; i < annotations.size(); ++i) {
        const Node a = annotations.at(i);
        const Node image_id = a.at("image_id");
        const auto im =
            image_index.find(image_id.integer(std::numeric_limits<std::int64_t>::min(), kMaxId));
        if (im == image_index.end()) {
            image_id.fail("no image has this id");
        }
        const Node category_id = a.at("category_id");
        const auto cat = category_names.find(
            category_id.integer(std::numeric_limits<std::int64_t>::min(), kMaxId));
        if (cat == category_names.end()) {
            category_id.fail("no category has this id");
        }
        ProjectImage& image = project.images[im->second];
        ProjectInstance instance;
        instance.id = static_cast<int>(image.instances.size()) + 1;
        instance.label = cat->second;
        instance.score = a.has("score") ? static_cast<float>(a.at("score").number()) : 1.0f;
        const Node seg = a.at("segmentation");
        if (seg.json().is_object()) {
            instance.mask = mask_from_rle_json(seg, image.width, image.height);
        } else if (seg.json().is_array() && seg.size() > 0) {
            std::vector<Polygon> polygons;
            for (std::size_t p = 0; p < seg.size(); ++p) {
                const Node poly = seg.at(p);
                Polygon values;
                for (std::size_t v = 0; v < poly.size(); ++v) {
                    values.push_back(poly.at(v).number());
                }
                if (values.size() % 2 != 0 || values.size() < 6) {
                    poly.fail(
                        "a polygon needs an even number of values and at least 3 points, got " +
                        std::to_string(values.size()) + " values" +
                        (values.size() == 4 ? " (pycocotools reads 4 numbers as a box)" : ""));
                }
                polygons.push_back(std::move(values));
            }
            instance.mask = polygons_to_mask(polygons, image.width, image.height);
        } else if (seg.json().is_array()) {
            const Node bbox = a.at("bbox");
            if (bbox.size() != 4) {
                bbox.fail("expected [x, y, w, h]");
            }
            const double x = bbox.at(std::size_t{0}).number();
            const double y = bbox.at(std::size_t{1}).number();
            const double w = bbox.at(std::size_t{2}).number();
            const double h = bbox.at(std::size_t{3}).number();
            if (w <= 0 || h <= 0) {
                bbox.fail("empty box and empty segmentation");
            }
            instance.mask = polygons_to_mask({{x, y, x + w, y, x + w, y + h, x, y + h}},
                                             image.width, image.height);
        } else {
            seg.fail("expected polygons (a list) or an RLE object, got " +
                     json_reader::type_name(seg.json()));
        }
        const auto box = mask_box(instance.mask);
        if (box) {
            instance.box = *box;
        }
        image.instances.push_back(std::move(instance));
    }
    return project;
}

}  // namespace segllm
