// segllm export: writes a project's annotations as COCO JSON, PNG maps and/or labelme JSON.

#include "app/segllm/args.h"
#include "core/common/error.h"
#include "core/export/coco.h"
#include "core/export/labelme.h"
#include "core/export/png_maps.h"
#include "core/export/project_file.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& export_options() {
    static const std::vector<OptionSpec> specs = {
        {"coco", "FILE", "write COCO instances JSON (RLE masks, ids from 1)", ""},
        {"png", "DIR", "write PNG class/instance maps + labelmap.txt (CVAT Segmentation mask 1.1)",
         ""},
        {"labelme", "DIR", "write one labelme JSON per image (mask shapes)", ""},
        {"polygons", "", "COCO: polygons where exact (masks with holes stay RLE)", ""},
        {"per-instance", "", "PNG: also one binary 0/255 PNG per instance", ""},
        {"default-label", "NAME", "category of instances without a label", "object"},
        {"help", "", "show this help", ""},
    };
    return specs;
}

}  // namespace

int run_export(const std::vector<std::string>& argv) {
    const Args args(export_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm export PROJECT [--coco FILE] [--png DIR] [--labelme DIR] [--polygons]\n"
            "                     [--per-instance] [--default-label NAME]\n\n"
            "Loads a project file and writes the exports given (at least one of --coco, --png,\n"
            "--labelme). Every file is written atomically.\n\n"
            "Options:\n%s",
            format_options(export_options()).c_str());
        return 0;
    }
    if (args.positional().size() != 1) {
        throw Error(args.positional().empty()
                        ? "missing PROJECT (see --help)"
                        : "expected one PROJECT, got " + std::to_string(args.positional().size()) +
                              " arguments (see --help)");
    }
    if (!args.has("coco") && !args.has("png") && !args.has("labelme")) {
        throw Error(
            "nothing to export: give at least one of --coco FILE, --png DIR, --labelme DIR");
    }
    if (args.flag("polygons") && !args.has("coco")) {
        throw Error("--polygons applies to the COCO export: add --coco FILE");
    }
    if (args.flag("per-instance") && !args.has("png")) {
        throw Error("--per-instance applies to the PNG export: add --png DIR");
    }
    const std::string default_label = args.value("default-label");
    if (default_label.empty()) {
        throw Error("option '--default-label' must not be empty");
    }
    const std::filesystem::path project_file = args.positional().front();
    const Project project = load_project(project_file);
    std::printf("loaded %s: %zu images\n", project_file.string().c_str(), project.images.size());

    if (args.has("coco")) {
        CocoExportOptions options;
        options.polygons = args.flag("polygons");
        options.default_label = default_label;
        options.image_root = std::filesystem::absolute(project_file).parent_path();
        const std::filesystem::path file = args.value("coco");
        if (file.has_parent_path()) {
            std::filesystem::create_directories(file.parent_path());
        }
        const CocoExportSummary s = write_coco(project, file, options);
        std::printf("wrote %s: %d images, %d annotations (%d as polygons), %d categories",
                    file.string().c_str(), s.images, s.annotations, s.polygon_annotations,
                    s.categories);
        if (s.skipped_empty > 0) {
            std::printf(", %d empty instances skipped", s.skipped_empty);
        }
        std::printf("\n");
    }
    if (args.has("png")) {
        PngExportOptions options;
        options.per_instance = args.flag("per-instance");
        options.default_label = default_label;
        const std::filesystem::path folder = args.value("png");
        const PngExportSummary s = write_png_maps(project, folder, options);
        std::printf("wrote %s: %d images, %d classes, %zu files (%d per-instance PNGs)\n",
                    folder.string().c_str(), s.images, s.classes, s.files.size(), s.instance_files);
    }
    if (args.has("labelme")) {
        LabelmeExportOptions options;
        options.default_label = default_label;
        const std::filesystem::path folder = args.value("labelme");
        const LabelmeExportSummary s = write_labelme(project, folder, options);
        std::printf("wrote %s: %d files, %d mask shapes", folder.string().c_str(), s.files,
                    s.shapes);
        if (s.skipped_empty > 0) {
            std::printf(", %d empty instances skipped", s.skipped_empty);
        }
        std::printf("\n");
    }
    return 0;
}

}  // namespace segllm::cli
