#pragma once
// The project file (JSON, see the README section "Project file"):
//   {"format": "segllm-studio-project", "version": 1, "labels": [...], "images": [
//     {"path": "<relative to the project file's folder>", "width": W, "height": H,
//      "rounds": [{"prompt": "...", "references": [ids], "instance": id or 0, "time_ms": t}],
//      "instances": [{"id": 1, "label": "...", "score": s, "round": r, "edited": false,
//                     "visible": true, "box": [x0, y0, x1, y1],
//                     "mask": {"size": [H, W], "counts": "<COCO compressed RLE>"}}]}]}

#include "core/export/project.h"

#include <filesystem>
#include <string>

namespace segllm {

inline constexpr const char* kProjectFormat = "segllm-studio-project";
inline constexpr int kProjectVersion = 1;

// Checks what the file format requires (ids >= 1 and unique per image, mask sizes equal to
// image sizes, rounds in range, finite numbers); throws Error naming the image and instance.
void validate_project(const Project& project);

// The JSON text; image paths are written relative to `project_folder`.
// Throws Error (from validate_project) for a project that cannot be stored.
std::string project_to_string(const Project& project, const std::filesystem::path& project_folder);

// Parses and validates project JSON read from `file` (named in errors); image paths are
// resolved against the file's folder. Throws Error "<file>: <JSON path>: <what>" for bad
// JSON, another format or version, missing keys, wrong types, RLE counts that do not sum to
// h * w, mask sizes that differ from the image size, duplicate instance ids.
Project project_from_string(const std::string& text, const std::filesystem::path& file);

// Saves atomically (temporary file in the same folder, fsync, rename). On failure the
// previous file is untouched and Error says why.
void save_project(const Project& project, const std::filesystem::path& file);

// Loads and validates; never writes to the file. Throws Error naming the file.
Project load_project(const std::filesystem::path& file);

}  // namespace segllm
