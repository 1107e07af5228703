#include "core/export/project_file.h"

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/json_reader.h"
#include "core/export/rle_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <set>

namespace segllm {

namespace {

using json_reader::Node;

constexpr std::int64_t kMaxSide = 1 << 20;
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();

std::filesystem::path folder_of(const std::filesystem::path& file) {
    const std::filesystem::path absolute = std::filesystem::absolute(file).lexically_normal();
    return absolute.parent_path();
}

std::string stored_path(const std::filesystem::path& image, const std::filesystem::path& folder) {
    const auto a = std::filesystem::absolute(image).lexically_normal();
    const auto b = std::filesystem::absolute(folder).lexically_normal();
    const auto rel = a.lexically_relative(b);
    return rel.empty() ? a.generic_string() : rel.generic_string();
}

std::string where(const ProjectImage& image) {
    return "image '" + image.path.string() + "'";
}

}  // namespace

void validate_project(const Project& project) {
    if (project.version != kProjectVersion) {
        throw Error("project format version " + std::to_string(project.version) +
                    " cannot be saved (this build writes version " +
                    std::to_string(kProjectVersion) + ")");
    }
    for (const ProjectImage& image : project.images) {
        if (image.width <= 0 || image.height <= 0 || image.width > kMaxSide ||
            image.height > kMaxSide) {
            throw Error(where(image) + " has the invalid size " + std::to_string(image.width) +
                        "x" + std::to_string(image.height));
        }
        std::set<int> ids;
        for (const ProjectInstance& instance : image.instances) {
            const std::string what = where(image) + ", instance " + std::to_string(instance.id);
            if (instance.id < 1) {
                throw Error(what + ": instance ids start at 1");
            }
            if (!ids.insert(instance.id).second) {
                throw Error(what + ": duplicate instance id");
            }
            if (instance.mask.width != image.width || instance.mask.height != image.height ||
                instance.mask.data.size() != static_cast<std::size_t>(image.width) * image.height) {
                throw Error(what + ": mask is " + std::to_string(instance.mask.width) + "x" +
                            std::to_string(instance.mask.height) + ", the image is " +
                            std::to_string(image.width) + "x" + std::to_string(image.height));
            }
            if (instance.round < 0 || instance.round > static_cast<int>(image.rounds.size())) {
                throw Error(what + ": round " + std::to_string(instance.round) +
                            " does not exist (the image has " +
                            std::to_string(image.rounds.size()) + " rounds)");
            }
            if (!std::isfinite(instance.score)) {
                throw Error(what + ": score is not a finite number");
            }
        }
        for (std::size_t r = 0; r < image.rounds.size(); ++r) {
            const ProjectRound& round = image.rounds[r];
            const std::string what = where(image) + ", round " + std::to_string(r + 1);
            if (!std::isfinite(round.time_ms) || round.produced_instance < 0) {
                throw Error(what + ": invalid time or produced instance id");
            }
            for (int ref : round.references) {
                if (ref < 1) {
                    throw Error(what + ": referenced instance id " + std::to_string(ref) +
                                " (ids start at 1)");
                }
            }
        }
    }
}

std::string project_to_string(const Project& project, const std::filesystem::path& project_folder) {
    validate_project(project);
    nlohmann::ordered_json images = nlohmann::ordered_json::array();
    for (const ProjectImage& image : project.images) {
        nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
        for (const ProjectRound& round : image.rounds) {
            rounds.push_back({{"prompt", round.prompt},
                              {"references", round.references},
                              {"instance", round.produced_instance},
                              {"time_ms", round.time_ms}});
        }
        nlohmann::ordered_json instances = nlohmann::ordered_json::array();
        for (const ProjectInstance& instance : image.instances) {
            instances.push_back(
                {{"id", instance.id},
                 {"label", instance.label},
                 {"score", instance.score},
                 {"round", instance.round},
                 {"edited", instance.edited},
                 {"visible", instance.visible},
                 {"box", {instance.box.x0, instance.box.y0, instance.box.x1, instance.box.y1}},
                 {"mask", mask_to_rle_json(instance.mask)}});
        }
        images.push_back({{"path", stored_path(image.path, project_folder)},
                          {"width", image.width},
                          {"height", image.height},
                          {"rounds", std::move(rounds)},
                          {"instances", std::move(instances)}});
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    doc["format"] = kProjectFormat;
    doc["version"] = kProjectVersion;
    doc["labels"] = project.labels;
    doc["images"] = std::move(images);
    return doc.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Project project_from_string(const std::string& text, const std::filesystem::path& file) {
    const nlohmann::json doc = json_reader::parse(text, file);
    const Node root(doc, file, "");
    if (!doc.is_object()) {
        root.fail("expected a JSON object, got " + json_reader::type_name(doc));
    }
    const Node format = root.at("format");
    if (format.string() != kProjectFormat) {
        format.fail("not a project file (format '" + format.string() + "', expected '" +
                    kProjectFormat + "')");
    }
    Project project;
    const Node version = root.at("version");
    project.version = static_cast<int>(version.integer(0, kMaxInt));
    if (project.version != kProjectVersion) {
        version.fail("unknown version " + std::to_string(project.version) +
                     " (this build reads version " + std::to_string(kProjectVersion) + ")");
    }
    const Node labels = root.at("labels");
    for (std::size_t i = 0; i < labels.size(); ++i) {
        project.labels.push_back(labels.at(i).string());
    }
    const std::filesystem::path folder = folder_of(file);
    const Node images = root.at("images");
    for (std::size_t i = 0; i < images.size(); ++i) {
        const Node im = images.at(i);
        ProjectImage image;
        const Node path = im.at("path");
        const std::string stored = path.string();
        if (stored.empty()) {
            path.fail("empty image path");
        }
        image.path = (folder / std::filesystem::path(stored)).lexically_normal();
        image.width = static_cast<int>(im.at("width").integer(1, kMaxSide));
        image.height = static_cast<int>(im.at("height").integer(1, kMaxSide));
        const Node rounds = im.at("rounds");
        for (std::size_t r = 0; r < rounds.size(); ++r) {
            const Node rn = rounds.at(r);
            ProjectRound round;
            round.prompt = rn.at("prompt").string();
            const Node refs = rn.at("references");
            for (std::size_t k = 0; k < refs.size(); ++k) {
                round.references.push_back(static_cast<int>(refs.at(k).integer(1, kMaxInt)));
            }
            round.produced_instance = static_cast<int>(rn.at("instance").integer(0, kMaxInt));
            round.time_ms = rn.at("time_ms").number();
            image.rounds.push_back(std::move(round));
        }
        const Node instances = im.at("instances");
        std::set<int> ids;
        for (std::size_t k = 0; k < instances.size(); ++k) {
            const Node in = instances.at(k);
            ProjectInstance instance;
            const Node id = in.at("id");
            instance.id = static_cast<int>(id.integer(1, kMaxInt));
            if (!ids.insert(instance.id).second) {
                id.fail("duplicate instance id " + std::to_string(instance.id));
            }
            instance.label = in.at("label").string();
            instance.score = static_cast<float>(in.at("score").number());
            const Node round = in.at("round");
            instance.round = static_cast<int>(round.integer(0, kMaxInt));
            if (instance.round > static_cast<int>(image.rounds.size())) {
                round.fail("round " + std::to_string(instance.round) + " does not exist (" +
                           std::to_string(image.rounds.size()) + " rounds)");
            }
            instance.edited = in.at("edited").boolean();
            instance.visible = in.at("visible").boolean();
            const Node box = in.at("box");
            if (box.size() != 4) {
                box.fail("expected [x0, y0, x1, y1], got " + std::to_string(box.size()) +
                         " values");
            }
            instance.box.x0 = static_cast<int>(box.at(std::size_t{0}).integer(-kMaxSide, kMaxSide));
            instance.box.y0 = static_cast<int>(box.at(std::size_t{1}).integer(-kMaxSide, kMaxSide));
            instance.box.x1 = static_cast<int>(box.at(std::size_t{2}).integer(-kMaxSide, kMaxSide));
            instance.box.y1 = static_cast<int>(box.at(std::size_t{3}).integer(-kMaxSide, kMaxSide));
            instance.mask = mask_from_rle_json(in.at("mask"), image.width, image.height);
            image.instances.push_back(std::move(instance));
        }
        project.images.push_back(std::move(image));
    }
    return project;
}

void save_project(const Project& project, const std::filesystem::path& file) {
    const std::string text = project_to_string(project, folder_of(file));
    write_file_atomic(file, text);
}

Project load_project(const std::filesystem::path& file) {
    return project_from_string(read_file(file), file);
}

}  // namespace segllm
