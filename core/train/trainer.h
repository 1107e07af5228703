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

#include "core/model/clip.h"
#include "core/model/config.h"
#include "core/model/hipie/hipie_model.h"
#include "core/model/llama.h"
#include "core/synth/conversation.h"
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
    // Training-only grounding probe (not part of the model, never in model.safetensors): the
    // mean of each half of the <seg> language tokens -> sigmoid box (cx, cy, w, h). Its L1 and
    // GIoU losses against the half's target give the LLM a direct signal to put the target's
    // place into the <seg> state; without it the tiny model trained from scratch collapsed to
    // one <seg> state for every prompt (the classifier then could not tell the objects apart).
    torch::nn::Linear grounding_probe{nullptr};
    // Training-only query probe (never in model.safetensors): the decoder output of the query
    // matched to a target -> colour and kind logits of that object. HIPIE's detection losses are
    // class-agnostic, so without it nothing asks the query features to carry the attributes the
    // <seg> tokens name, and VL_Align has nothing to match them with.
    torch::nn::Linear query_probe{nullptr};
    // Training-only size probe (with size_probe_weight > 0; never in model.safetensors): the
    // decoder output of the query matched to a target -> log2 of its object's box area over
    // 1/25 of the frame. "The large blue diamond" names the larger of two objects of one colour
    // and kind: the shipped model picked the right one in 0.56 of such rounds (chance 0.50)
    // while it picked "the blue diamond" in 0.94, because nothing asked the query features to
    // carry how large their object is, and VL_Align can only score what they carry.
    torch::nn::Linear size_probe{nullptr};
    // Its twin on the other side of VL_Align (created with it): each half of the <seg>
    // language tokens -> the same target for the object the half names, so that the tokens of
    // "the large ..." and "the small ..." differ where the queries' sizes do.
    torch::nn::Linear seg_size_probe{nullptr};
    double size_probe_weight = 0.0;
    // Training-only word probe (with word_probe_weight > 0; never in model.safetensors): the
    // LLM's state before each <seg> -> the form of the round's expression (16 classes), and for
    // "the large / small ..." and "the leftmost ..." rounds the size word and the extreme.
    // probe-position found none of the words that choose among candidates in that state
    // (large/small, nearest/farthest, left/right/above/below: R^2 about 0): the decoder and
    // the LLM's own look were asked to pick by words the state did not carry.
    torch::nn::Linear word_probe{nullptr};
    double word_probe_weight = 0.0;
    // Side G of the position grid both probes also classify (0: none): the frame is cut into
    // G x G cells and each probe names the cell of the object's box centre. The query probe then
    // asks the decoder's query features to carry where their object lies, and the grounding probe
    // asks the <seg> tokens to say where the named object lies, so that VL_Align can match the
    // two by place as well as by colour and kind ("the leftmost ...", "the shape left of [k]").
    int probe_cells = 0;
    // Training-only patch probe (with probe_cells > 0; never in model.safetensors): each image
    // row the LLM reads (mm_projector of a CLIP patch) -> the patch centre (x, y) and its cell.
    // The frozen CLIP tower's patch features say where the patch is (a linear read-out gets
    // R^2 0.92-0.94), but nothing asked the projector to pass that on, and behind the trained
    // projector it was gone (R^2 0.07): the LLM could not tell where anything lies.
    torch::nn::Linear patch_probe{nullptr};
    // The patch probe also asks for x^2 and y^2 of the centre (4 + G*G outputs instead of
    // 2 + G*G): with them in the image rows, one attention head can score every row by minus its
    // squared distance to a point the query names (q . k = 2 c.p - |p|^2 + const), a bump
    // round "the nearest shape left of [k]" that a read-out linear in x and y cannot form.
    bool patch_squares = false;
    // Its weight relative to the grounding weight (the projector's other gradients, through the
    // LLM, are much larger and noisier).
    double patch_probe_weight = 1.0;
    // Training-only attention supervision (0: off): in decoder layer attend_layer, at the state
    // before each <seg>, head 0 is asked to put its attention on the image rows the answer
    // covers and head 1 on those of the instance [k] names (-log of the attention mass there).
    // probe-position showed that the <seg> state did not learn where its answer lies even from
    // a direct loss on it (round 1, R^2 x 0.08 -> 0.20 in 3000 steps): the LLM did not look it
    // up in the image rows, it read the colour and kind from the prompt's words.
    double attend_weight = 0.0;
    std::int64_t attend_layer = 0;
    // The layer of head 1's look at [k] (two hops: find [k] first, then the answer from it).
    std::int64_t attend_reference_layer = 0;
    // Training-only word look (0: off): in decoder layer attend_word_layer, at the state before
    // each <seg>, the last head is asked to put its attention on the expression's deciding word
    // (SegSample::word_position; -log of the attention there). probe-position showed that the
    // state carries the word just before "instance k" (above / below, nearest / farthest) but
    // not one two tokens earlier (left / right of, same colour / shape as), even with the word
    // probe: this gives the state a route to it.
    double attend_word_weight = 0.0;
    std::int64_t attend_word_layer = 0;
    // Where every parameter and buffer (root, segmentator, probe) lives; training_loss builds
    // its inputs there.
    at::Device device{at::kCPU};

    // Builds the tree with freshly initialised weights (LibTorch defaults, HIPIE's own
    // initialisation, drawn on the CPU after at::manual_seed(seed), so the weights do not depend
    // on the device) and moves it to `device`. Throws segllm::Error for an invalid config.
    // `probe_cells`: see above (0..kMaxProbeCells; throws segllm::Error otherwise);
    // `patch_squares` needs probe_cells > 0 (throws segllm::Error otherwise); `size_probe`
    // creates the two size probes (their weight is set by the caller).
    static TrainingModel create(const model::SegllmConfig& config, std::uint64_t seed,
                                const at::Device& device = at::Device(at::kCPU),
                                int probe_cells = 0, bool patch_squares = false,
                                bool size_probe = false, bool word_probe = false);
    // The training-only probes by name ("grounding_probe", "query_probe", "patch_probe" with a
    // position grid, "size_probe", "seg_size_probe" and "word_probe" when created): each is
    // saved as
    // <name>.safetensors beside the run and its optimizer state is keyed "<name>.<param>".
    std::vector<std::pair<std::string, torch::nn::Module*>> probes() const;
    // Parameters and buffers with their official names, sorted by name.
    std::vector<std::pair<std::string, at::Tensor>> named_tensors() const;
};

// Largest side of the probes' position grid.
constexpr int kMaxProbeCells = 8;
// Classes of the word probe: the expression forms (synth::Form), the size words, the extremes.
constexpr std::int64_t kWordForms = 16, kWordSizes = 2, kWordExtremes = 4;

// The cell (row-major, 0..G*G-1) of a normalised box centre (cx, cy) in a G x G grid of the
// frame; centres on the far edge belong to the last row or column. -1 when G is 0.
std::int64_t position_cell(float cx, float cy, int cells);

// The size probe's target for a normalised box (cx, cy, w, h): log2(w * h * 25), 0 for a box of
// a fifth of the frame's side each way (the world's objects span about -1..1.2, dots about
// -4.5..-2); a degenerate box counts as one pixel of a 4096-pixel side.
float size_probe_target(const std::array<float, 4>& box);

// The centres (x, y), normalised to 0..1 of the CLIP crop, of a square grid of `patches`
// patches in row-major order: [x0, y0, x1, y1, ...]. Throws segllm::Error when `patches` is not
// a square number.
std::vector<float> patch_centres(std::int64_t patches);

// The image rows (row-major patches of the CLIP crop, `grid` x `grid`) that an instance covers,
// from its mask in the model frame: frame pixels are mapped back to the original image and into
// CLIP's shortest-side resize and centre crop of side `clip_size`. A patch counts when it holds
// at least a tenth of the pixels of the instance's fullest patch. Empty when the instance lies
// outside the crop. Throws segllm::Error when the mask is not the frame's size.
std::vector<std::int64_t> covered_patches(const Mask& frame_mask, const ModelFrame& frame,
                                          int clip_size, int grid);

// Attention targets of one instance: 1 at the positions (in a sequence of `tokens`) of the image
// rows that `mask`, in the sample's model frame, covers (covered_patches on the configuration's
// CLIP grid), 0 elsewhere; empty when it covers none.
std::vector<float> covered_image_rows(const TrainingSample& sample, const Mask& mask,
                                      const model::SegllmConfig& config, std::int64_t tokens);

// The sample sizes of a model configuration (CLIP crop, image rows, HIPIE side, mask stride).
SampleOptions sample_options_for(const model::SegllmConfig& config, bool mask_memory,
                                 bool training);

// The training conversation of stream seed `seed`: a random size (sides 96..512) with
// probability `mixed_size_fraction`, else 128x128; a conversation whose answer vanishes in the
// model frame of side `hipie_side` (a tiny dot in a large image) is replaced by one drawn from a
// derived seed. Throws segllm::Error when 64 draws in a row lose an answer.
synth::Conversation draw_conversation(std::uint64_t seed, double mixed_size_fraction,
                                      const synth::ConversationOptions& options, int hipie_side);

// The device named by a trainer option: "cpu", "cuda" or "cuda:N". Throws segllm::Error naming
// the value when it is none of these, or when CUDA is asked for and not available (a LibTorch
// without CUDA support or no CUDA device).
at::Device training_device(const std::string& name);

// Per-term losses of one forward (plain numbers, for the log).
struct LossBreakdown {
    double total = 0, lm = 0, cls = 0, l1 = 0, giou = 0, mask = 0, dice = 0, iou = 0, proposal = 0,
           seg_l2 = 0, grounding = 0, query_probe = 0, select = 0, select_pair = 0, patch_probe = 0,
           attend = 0, size_probe = 0, seg_size_probe = 0, word_probe = 0, select_rival = 0,
           attend_word = 0;
    // Mean attention mass that the supervised heads put on their object's image rows (0 when
    // attention supervision is off).
    double attend_mass = 0;
    // Mean attention mass of the word-look head on the deciding word (0 when it is off).
    double attend_word_mass = 0;
    // Grounding-probe accuracies over the probed halves (colour and kind of the named object;
    // halves whose attribute is unknown are not counted); 0 when the probe is off.
    double probe_colour_accuracy = 0, probe_kind_accuracy = 0;
    int targets = 0;  // HIPIE targets in the batch (the normaliser)
};

// The teacher-forced forward of a batch (autograd as the caller sets it): the samples right-
// padded to `tokens` with id 0, CLIP on the images and mask-encode crops, the image rows and the
// mask/box-encode rows added at their <video> positions, then the LLM.
struct BatchForward {
    std::int64_t tokens = 0;         // T, the longest sample
    at::Tensor labels;               // [B, T], kIgnoreLabel where there is no loss
    model::ClipVisionOutput vision;  // the images first (B), then the crops
    at::Tensor image_rows;           // [B * patches, hidden]: mm_projector of the image patches
    model::LlamaOutput out;          // hidden states [B, T, hidden] (and logits when asked)
    // [B, heads, T, T]: attention probabilities of decoder layers m.attend_layer and
    // m.attend_reference_layer, when m.attend_weight > 0 (else undefined).
    at::Tensor attention;
    at::Tensor reference_attention;
    // The same of decoder layer m.attend_word_layer, when m.attend_word_weight > 0.
    at::Tensor word_attention;
};
// Throws segllm::Error for an empty batch or a sample that does not fit the model.
BatchForward forward_batch(TrainingModel& m, const std::vector<TrainingSample>& batch,
                           bool with_logits);

// The full training loss of a batch of samples (autograd on). `breakdown` may be null.
// `grounding_weight` scales the grounding-probe loss (0: off); `detach_seg_for_hipie` stops the
// HIPIE losses' gradient at the <seg> language tokens (the LLM then learns from the LM and
// grounding losses only); `with_hipie` false skips the HIPIE decoder altogether (LM and probe
// only: the cheap grounding stage). Safe to call from several threads at once on disjoint
// batches (the data-parallel step). Throws segllm::Error when a sample does not fit the model
// (positions, sizes).
at::Tensor training_loss(TrainingModel& model, const std::vector<TrainingSample>& batch,
                         const HipieLossWeights& weights, LossBreakdown* breakdown,
                         double grounding_weight = 1.0, bool detach_seg_for_hipie = false,
                         bool with_hipie = true);

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
    int max_rounds = 8;
    // Fraction of the conversations drawn at a random size (each side 96..512) instead of
    // 128x128, as the mixed-size benchmarks are.
    double mixed_size_fraction = 0.0;
    int tokenizer_vocab = 512;      // BPE pieces when the run folder has no tokenizer
    double grounding_weight = 1.0;  // weight of the grounding-probe loss (0: off)
    // Weight of the selection term (HipieLossWeights::loss_select; 0: off, as the reference).
    double select_weight = 0.0;
    // Weight of the pair term (HipieLossWeights::loss_select_pair; 0: off): on a <seg> with a
    // reference, the query of the instance [k] names must score below the answer's query on the
    // target's tokens (and the other way round on the reference's tokens).
    double select_pair_weight = 0.0;
    // Weight of the rival term (HipieLossWeights::loss_select_rival; 0: off): the answer's
    // matched query must outscore every other instance of the scene that queries sit on
    // (SegSample::rivals), as a cross-entropy over objects. Kept on resume.
    double select_rival_weight = 0.0;
    // Probability that a conversation's mask-supervised rounds are taken from its positional,
    // interactional and attribute rounds first (SampleOptions::hard_rounds; 0: all rounds
    // alike). Kept on resume.
    double hard_rounds = 0.0;
    // Forms whose rounds are supervised before the other hard rounds when hard_rounds draws
    // true (SampleOptions::first_forms; empty: none). Kept on resume.
    std::vector<synth::Form> first_forms;
    // Probability that each mask-encode and box-encode feature is kept whole in a training step
    // (SampleOptions::keep_probability; 0.5 as the reference, else dropped to zero). Kept on
    // resume.
    double encode_keep = 0.5;
    // Mask-supervised <seg> per conversation (SampleOptions::max_mask_rounds; 2 as hipie.yaml).
    // Kept on resume.
    int mask_rounds = 2;
    // Side of the probes' position grid (TrainingModel::probe_cells; 0: off). A run keeps it on
    // resume; the probes of a run are sized by it.
    int probe_cells = 0;
    // Weight of the patch probe relative to grounding_weight (TrainingModel::patch_probe_weight).
    double patch_probe_weight = 1.0;
    bool patch_squares = false;  // TrainingModel::patch_squares; kept on resume
    // Weight of the size probe (TrainingModel::size_probe_weight; 0: off, no probe). Kept on
    // resume.
    double size_probe_weight = 0.0;
    // Weight of the word probe (TrainingModel::word_probe_weight; 0: off, no probe). Kept on
    // resume.
    double word_probe_weight = 0.0;
    // Attention supervision (TrainingModel::attend_weight, 0: off) and its decoder layer
    // (-1: the middle one, num_hidden_layers / 2). Kept on resume.
    double attend_weight = 0.0;
    int attend_layer = -1;
    int attend_reference_layer = -1;  // -1: attend_layer
    // Word look (TrainingModel::attend_word_weight, 0: off) and its decoder layer (-1: the
    // middle one). Kept on resume.
    double attend_word_weight = 0.0;
    int attend_word_layer = -1;
    // Fraction of the steps (from the start) in which the HIPIE losses do not reach the LLM
    // through the <seg> tokens: the LLM learns to ground from the probe first, and HIPIE learns
    // to read the tokens, before the end-to-end phase.
    double seg_detach_fraction = 0.0;
    // Attribute pretraining of the CLIP tower (clip_pretrain.h) before step 1, after which the
    // tower is frozen; 0: none (the tower is trained jointly).
    std::int64_t clip_pretrain_steps = 0;
    int clip_pretrain_batch = 16;
    // Grounding stage: the first probe_only_steps steps train the LLM, projectors and probe
    // without the HIPIE decoder (about 4x cheaper steps); HIPIE is trained after it.
    std::int64_t probe_only_steps = 0;
    // Data-parallel worker threads per step: the batch is split into this many slices, whose
    // forward and backward run concurrently and accumulate into the same gradients.
    int workers = 1;
    std::string device = "cpu";  // "cpu", "cuda" or "cuda:N" (see training_device)
    // A new run starting from a model folder's weights, configuration and tokenizer instead of
    // a fresh initialisation (ignored on resume).
    std::string init_model_dir;
    // Freeze the CLIP tower from step 1 (with init_model_dir: keep a tower pretrained there).
    bool freeze_clip = false;
    // Decoder layers of the LLM; 0 keeps the preset's (or init_model_dir's). With
    // init_model_dir, more layers than the init model has stacks the new ones on top of the
    // loaded ones, their output projections (o_proj, down_proj) zero, so that the grown model
    // computes the init model's function at step 0; fewer is an error. Ignored on resume (the
    // run's config.json holds the count).
    int llm_layers = 0;
    // Attention heads of the LLM (query and key/value alike; 0 keeps the preset's or the init
    // model's): with init_model_dir the same weights are read as this many heads. Ignored on
    // resume.
    int llm_heads = 0;
    // RoPE base of the LLM (0 keeps the preset's or the init model's). Ignored on resume.
    double rope_theta = 0;
};

// One optimisation step's report.
struct StepReport {
    std::int64_t step = 0;  // 1-based number of the finished step
    LossBreakdown loss;
    double lr = 0;  // peak-LR factor times lr_heads
    double grad_norm = 0;
    double seconds = 0;
};

// Splits a batch of n samples into `slices` groups, one per worker thread: group j holds
// (j + 1) * n / slices - j * n / slices samples (as contiguous slices would), placed largest
// first into the least loaded group so that the groups' costs (rounds plus encoded masks of
// each sample) are as even as that allows. Each group lists its batch indices in ascending
// order; the result depends on the samples' sizes only. slices is clamped to 1..n; an empty
// batch gives no groups.
std::vector<std::vector<size_t>> balanced_slices(const std::vector<TrainingSample>& batch,
                                                 std::int64_t slices);

class Trainer {
public:
    // Creates the run folder (tokenizer trained when model/tokenizer.model is missing, vocab
    // size taken from it) or, with options.resume, loads the model, optimizer and step from
    // it. The model and the optimizer state live on options.device; checkpoints are written
    // from CPU copies. Throws segllm::Error naming the folder or file on any problem, or the
    // device (before anything is written) when it is unknown or unavailable.
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
    void freeze_clip();
    bool clip_frozen_ = false;

    TrainerOptions options_;
    TrainingModel model_;
    std::unique_ptr<text::Tokenizer> tokenizer_;
    std::unique_ptr<AdamW> optimizer_;
    std::vector<at::Tensor> params_;
    HipieLossWeights weights_;
};

// Copies the tensors of a safetensors file into the model's parameters and buffers by name
// (onto the model's device).
// Throws segllm::Error naming the file and the tensor for a missing name or a shape mismatch.
void load_model_weights(TrainingModel& model, const std::string& safetensors_path);
// The same for a model with more LLM decoder layers than the file: layers from
// `loaded_layers` on are not read but start as identity (o_proj and down_proj zero). Throws as
// load_model_weights for every other tensor.
void load_model_weights_grown(TrainingModel& model, const std::string& safetensors_path,
                              std::int64_t loaded_layers);

}  // namespace segllm::train
