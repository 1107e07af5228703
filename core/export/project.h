#pragma once
// The project data model: plain structs that the engine and the GUI fill, that the project
// file stores and that every exporter reads. No behaviour here beyond small look-ups.

#include "core/image/mask.h"

#include <filesystem>
#include <string>
#include <vector>

namespace segllm {

// One chat turn: the prompt, the instances it referred to, what it produced.
struct ProjectRound {
    std::string prompt;
    std::vector<int> references;  // ids of instances of the same image the prompt referred to
    int produced_instance = 0;    // id of the instance this round made; 0 = none
    double time_ms = 0.0;         // model time of the round
};

// One segmented object of an image.
struct ProjectInstance {
    int id = 0;           // >= 1, unique within its image
    Mask mask;            // the image's size
    PixelBox box;         // box of the object (the mask's tight box unless set otherwise)
    std::string label;    // empty = unlabelled (exports use the default category)
    float score = 0.0f;   // model confidence; 1 for hand-made instances
    int round = 0;        // 1-based index of the round that made it; 0 = not made by a round
    bool edited = false;  // changed by hand after the model made it
    bool visible = true;  // shown on the canvas (exports include hidden instances too)
};

struct ProjectImage {
    // In memory: a path usable from the current directory (absolute after load_project);
    // in the file: relative to the project file's folder.
    std::filesystem::path path;
    int width = 0;
    int height = 0;
    std::vector<ProjectRound> rounds;
    std::vector<ProjectInstance> instances;
};

struct Project {
    int version = 1;  // project file format version
    std::vector<ProjectImage> images;
    std::vector<std::string> labels;  // the label list offered to the annotator, in order
};

}  // namespace segllm
