#include "core/export/png_maps.h"

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/categories.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace segllm {

namespace {

void write_bytes(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes,
                 PngExportSummary& summary) {
    write_file_atomic(file, std::string(bytes.begin(), bytes.end()));
    summary.files.push_back(file);
}

void make_folder(const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec || !std::filesystem::is_directory(folder)) {
        throw Error("cannot create folder '" + folder.string() +
                    "': " + (ec ? ec.message() : std::string("a file of that name exists")));
    }
}

void require_mask_sizes(const ProjectImage& image) {
    for (const ProjectInstance& instance : image.instances) {
        if (instance.mask.width != image.width || instance.mask.height != image.height) {
            throw Error("image '" + image.path.string() + "': instance " +
                        std::to_string(instance.id) + " has a " +
                        std::to_string(instance.mask.width) + "x" +
                        std::to_string(instance.mask.height) + " mask, the image is " +
                        std::to_string(image.width) + "x" + std::to_string(image.height));
        }
    }
}

}  // namespace

Rgb voc_color(int index) {
    Rgb rgb{0, 0, 0};
    int c = index;
    for (int j = 0; j < 8; ++j) {
        rgb[0] = static_cast<std::uint8_t>(rgb[0] | (((c >> 0) & 1) << (7 - j)));
        rgb[1] = static_cast<std::uint8_t>(rgb[1] | (((c >> 1) & 1) << (7 - j)));
        rgb[2] = static_cast<std::uint8_t>(rgb[2] | (((c >> 2) & 1) << (7 - j)));
        c >>= 3;
    }
    return rgb;
}

std::vector<std::size_t> paint_order(const ProjectImage& image) {
    std::vector<std::int64_t> areas;
    for (const ProjectInstance& instance : image.instances) {
        areas.push_back(mask_area(instance.mask));
    }
    std::vector<std::size_t> order(image.instances.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return areas[a] > areas[b]; });
    return order;
}

std::vector<std::uint16_t> instance_map(const ProjectImage& image) {
    require_mask_sizes(image);
    if (image.instances.size() > 65535) {
        throw Error("image '" + image.path.string() + "' has more than 65535 instances");
    }
    std::vector<std::uint16_t> map(static_cast<std::size_t>(image.width) * image.height, 0);
    for (std::size_t k : paint_order(image)) {
        const Mask& mask = image.instances[k].mask;
        for (std::size_t p = 0; p < map.size(); ++p) {
            if (mask.data[p] != 0) {
                map[p] = static_cast<std::uint16_t>(k + 1);
            }
        }
    }
    return map;
}

std::vector<std::string> png_export_names(const Project& project) {
    std::map<std::string, int> uses;
    for (const ProjectImage& image : project.images) {
        ++uses[image.path.stem().string()];
    }
    std::vector<std::string> names;
    std::set<std::string> taken;
    for (std::size_t i = 0; i < project.images.size(); ++i) {
        std::string name = project.images[i].path.stem().string();
        if (name.empty()) {
            name = "image";
        }
        if (uses[name] > 1 || taken.count(name) != 0) {
            name += "_" + std::to_string(i + 1);
        }
        while (taken.count(name) != 0) {
            name += "_";
        }
        taken.insert(name);
        names.push_back(name);
    }
    return names;
}

PngExportSummary write_png_maps(const Project& project, const std::filesystem::path& folder,
                                const PngExportOptions& options) {
    const Categories categories = collect_categories(project, options.default_label);
    if (categories.names.size() > 255) {
        throw Error("the class map holds at most 255 classes, the project has " +
                    std::to_string(categories.names.size()));
    }
    PngExportSummary summary;
    summary.classes = static_cast<int>(categories.names.size());
    make_folder(folder / "SegmentationClass");
    make_folder(folder / "SegmentationObject");
    make_folder(folder / "ImageSets" / "Segmentation");

    std::vector<Rgb> palette;
    std::string labelmap = "# label:color_rgb:parts:actions\nbackground:0,0,0::\n";
    palette.push_back(voc_color(0));
    for (std::size_t k = 0; k < categories.names.size(); ++k) {
        if (categories.names[k].find_first_of(":\r\n") != std::string::npos) {
            throw Error("label '" + categories.names[k] +
                        "' contains ':' or a line break, which labelmap.txt cannot hold");
        }
        const Rgb c = voc_color(static_cast<int>(k) + 1);
        palette.push_back(c);
        labelmap += categories.names[k] + ":" + std::to_string(c[0]) + "," + std::to_string(c[1]) +
                    "," + std::to_string(c[2]) + "::\n";
    }
    write_file_atomic(folder / "labelmap.txt", labelmap);
    summary.files.push_back(folder / "labelmap.txt");

    const std::vector<std::string> names = png_export_names(project);
    std::string image_list;
    for (std::size_t i = 0; i < project.images.size(); ++i) {
        const ProjectImage& image = project.images[i];
        const std::vector<std::uint16_t> instances = instance_map(image);
        std::vector<std::uint8_t> classes(instances.size(), 0);
        std::vector<std::uint8_t> class_of(image.instances.size() + 1, 0);
        for (std::size_t k = 0; k < image.instances.size(); ++k) {
            class_of[k + 1] =
                static_cast<std::uint8_t>(categories.index_of(image.instances[k].label));
        }
        for (std::size_t p = 0; p < instances.size(); ++p) {
            classes[p] = class_of[instances[p]];
        }
        const std::string file = names[i] + ".png";
        write_bytes(folder / "SegmentationClass" / file,
                    png_encode_palette(classes, image.width, image.height, palette), summary);
        if (image.instances.size() > 255) {
            write_bytes(folder / "SegmentationObject" / file,
                        png_encode_gray16(instances, image.width, image.height), summary);
        } else {
            write_bytes(
                folder / "SegmentationObject" / file,
                png_encode_gray8(std::vector<std::uint8_t>(instances.begin(), instances.end()),
                                 image.width, image.height),
                summary);
        }
        if (options.per_instance && !image.instances.empty()) {
            const std::filesystem::path sub = folder / "Instances" / names[i];
            make_folder(sub);
            for (std::size_t k = 0; k < image.instances.size(); ++k) {
                const Mask& mask = image.instances[k].mask;
                std::vector<std::uint8_t> binary(mask.data.size());
                for (std::size_t p = 0; p < binary.size(); ++p) {
                    binary[p] = mask.data[p] != 0 ? 255 : 0;
                }
                write_bytes(sub / (std::to_string(k + 1) + ".png"),
                            png_encode_gray8(binary, image.width, image.height), summary);
                ++summary.instance_files;
            }
        }
        image_list += names[i] + "\n";
        ++summary.images;
    }
    write_file_atomic(folder / "ImageSets" / "Segmentation" / "default.txt", image_list);
    summary.files.push_back(folder / "ImageSets" / "Segmentation" / "default.txt");
    return summary;
}

}  // namespace segllm
