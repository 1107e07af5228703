#pragma once
// Training SegLLM from scratch on the shapes world (segllm-reference.md 8.1, 10).
//
// The module tree is the official one: LlavaLlamaForCausalLM (with the CLIP tower and the three
// projectors) and the HIPIE segmentator registered as "segmentator" under "model", so that
// named_parameters() / named_buffers() are the checkpoint keys
// (model.segmentator.hipie.detr.detr.backbone.0.backbone.stem.conv1.weight, ...).
//
// Choices (documented deviations of the tiny recipe): the CLIP tower is trained jointly with
// everything else (the short attribute pretraining is skipped, which section 10 allows); token
// embeddings and lm_head are trained (from scratch); FrozenBN buffers stay at identity.
//
// Loss per batch = CE on the assistant <seg>/</s> labels + HIPIE loss (every decoder layer and
// the encoder proposals, divided by the number of targets of the batch) + 1e-3 mean(e^2) of the
// SEG embeddings. Run folder: model/ (config.json, model.safetensors, tokenizer.model),
// optimizer.safetensors (AdamW moments), trainer_state.json (step and options), loss_log.csv.

#include "core/model/config.h"
#include "core/model/hipie/hipie_model.h"
#include "core/model/llama.h"
#include "core/text/tokenizer.h"
#include "core/train/hipie_loss.h"
#include "core/train/optimizer.h"
#include "core/train/sample.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace segllm::train {

// The trainable network and its configuration.
struct TrainingModel {
    model::SegllmConfig config;
    model::LlavaLlamaForCausalLM root{nullptr};    // named_parameters(): official keys
    hipie::HipieSegmentator segmentator{nullptr};  // registered as model.segmentator

    // Builds the tree with freshly initialised weights (LibTorch defaults, HIPIE's own
    // initialisation) after at::manual_seed(seed). Throws segllm::Error for an invalid config.
    static TrainingModel create(const model::SegllmConfig& config, std::uint64_t seed);
    // Parameters and buffers with their official names, sorted by name.
    std::vector<std::pair<std::string, at::Tensor>> named_tensors() const;
};

// Per-term losses of one forward (plain numbers, for the log).
struct LossBreakdown {
    double total = 0, lm = 0, cls = 0, l1 = 0, giou = 0, mask = 0, dice = 0, iou = 0, proposal = 0,
           seg_l2 = 0;
    int targets = 0;  // HIPIE targets in the batch (the normaliser)
};

// The full training loss of a batch of samples (autograd on). `breakdown` may be null. Throws
// segllm::Error when a sample does not fit the model (positions, sizes).
at::Tensor training_loss(TrainingModel& model, const std::vector<TrainingSample>& batch,
                         const HipieLossWeights& weights, LossBreakdown* breakdown);

struct TrainerOptions {
    std::string run_dir;
    std::string config_name = "segllm-tiny";
    std::int64_t steps = 3000;
    int batch = 8;
    std::uint64_t seed = 0;
    bool mask_memory = true;  // false: the no-mask-memory (LISA-style) ablation
    bool resume = false;      // continue from run_dir's checkpoint
    double lr_heads = 1e-3;   // segmentator, projectors, vision tower
    double lr_llm = 5e-4;     // embeddings, decoder layers, norm, lm_head
    double warmup_fraction = 0.03;
    double grad_clip = 5.0;
    std::int64_t save_every = 250;  // checkpoint interval in steps (0: only at the end)
    int min_rounds = 1;
    int max_rounds = 4;
    int tokenizer_vocab = 512;  // BPE pieces when the run folder has no tokenizer
};

// One optimisation step's report.
struct StepReport {
    std::int64_t step = 0;  // 1-based number of the finished step
    LossBreakdown loss;
    double lr = 0;  // peak-LR factor times lr_heads
    double grad_norm = 0;
    double seconds = 0;
};

class Trainer {
public:
    // Creates the run folder (tokenizer trained when model/tokenizer.model is missing, vocab
    // size taken from it) or, with options.resume, loads the model, optimizer and step from
    // it. Throws segllm::Error naming the folder or file on any problem.
    explicit Trainer(const TrainerOptions& options);

    // The samples of step `step` (0-based): conversations drawn from the seed stream
    // mix_seed(seed, step * batch + i), so a resumed run sees the same data.
    std::vector<TrainingSample> make_batch(std::int64_t step) const;
    // One step on the next generated batch (appends to loss_log.csv).
    StepReport step();
    // One optimisation step on a given batch at the schedule position of the current step.
    StepReport step_on(const std::vector<TrainingSample>& batch);
    // Steps until options.steps, checkpointing every save_every steps and at the end;
    // `report` (may be empty) is called after every step.
    void run(const std::function<void(const StepReport&)>& report);
    // Writes model/, optimizer.safetensors and trainer_state.json (each file atomically).
    void save() const;

    std::int64_t step_count() const { return optimizer_->steps(); }
    TrainingModel& model() { return model_; }
    const text::Tokenizer& tokenizer() const { return *tokenizer_; }
    const AdamW& optimizer() const { return *optimizer_; }
    const TrainerOptions& options() const { return options_; }
    SampleOptions sample_options() const;

private:
    void append_log(const StepReport& report) const;

    TrainerOptions options_;
    TrainingModel model_;
    std::unique_ptr<text::Tokenizer> tokenizer_;
    std::unique_ptr<AdamW> optimizer_;
    std::vector<at::Tensor> params_;
    HipieLossWeights weights_;
};

// Copies the tensors of a safetensors file into the model's parameters and buffers by name.
// Throws segllm::Error naming the file and the tensor for a missing name or a shape mismatch.
void load_model_weights(TrainingModel& model, const std::string& safetensors_path);

}  // namespace segllm::train
