#pragma once
// Short attribute pretraining of the CLIP tower before the SegLLM training (segllm-reference.md
// section 10, "CLIP-like ViT (frozen after a short pretrain)"). On generated scenes:
//  - every patch token of the penultimate layer predicts the colour and the kind (background,
//    each shape, dot) of the scene pixel under the patch centre (cross-entropy);
//  - the class token of the whole image predicts which colours and shapes are present
//    (multi-label, binary cross-entropy);
//  - the class token of a mask-encode crop of one instance (the masked, cropped, top-left padded
//    crop the model sees for a referenced instance) predicts that instance's colour and kind.
// The heads are training-only and discarded. Afterwards the trainer freezes the tower.

#include "core/train/trainer.h"

#include <cstdint>
#include <functional>

namespace segllm::train {

struct ClipPretrainOptions {
    std::int64_t steps = 600;
    int batch = 16;  // scenes per step
    double lr = 1e-3;
    std::uint64_t seed = 0;
};

struct ClipPretrainReport {
    std::int64_t step = 0;        // 1-based
    double loss = 0.0;            // total of the step
    double patch_accuracy = 0.0;  // colour and kind both right, fraction of the step's patches
    double seconds = 0.0;         // of the step
};

// Trains model.root->model->vision_tower in place (AdamW, cosine schedule with 3% warm-up).
// `report` (may be empty) is called after every step. Returns the last step's report. Throws
// segllm::Error when the configuration cannot be trained (e.g. image size not a multiple of the
// patch size).
ClipPretrainReport pretrain_clip(TrainingModel& model, const ClipPretrainOptions& options,
                                 const std::function<void(const ClipPretrainReport&)>& report);

// Per-patch labels of a scene for a CLIP input of `size` px with `patch` px patches, row-major
// (size/patch)^2 entries: colour (0 background, 1 + Colour) and kind (0 background, 1 + Shape
// for objects, 1 + number of shapes for dots) of the pixel under each patch centre, mapped back
// through the CLIP resize and centre crop. Exposed for the tests.
struct PatchLabels {
    std::vector<std::int64_t> colour;
    std::vector<std::int64_t> kind;
};
PatchLabels clip_patch_labels(const synth::Scene& scene, int size, int patch);

}  // namespace segllm::train
