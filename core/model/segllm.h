#pragma once
// The whole mask-aware SegLLM (segllm-reference.md sections 0-5): LLaVA-style LLaMA with the
// CLIP tower, the three projectors and the HIPIE segmentator, loaded from a model folder
// (config.json + safetensors + tokenizer.model [+ tokenizer.json]) or built with random
// weights from a preset. Immutable after load: a session (core/engine) owns the per-conversation
// state (KV cache, instances) and calls these steps. All methods run under at::NoGradGuard
// internally and accept/return tensors on the model's device and in its dtype unless noted.
//
// Round data flow (section 5), as the engine drives it:
//   enc = model.encode_image(image)                       once per image (cached by the engine)
//   rows = model.embed(ids) + image_rows / mask_box_rows  at the <video> positions
//   out = model.forward(rows, &cache)                     only the new tokens of the round
//   seg = model.decode_seg(enc, out.hidden_states[0][p-1]) for the <seg> at position p

#include "core/image/frame.h"
#include "core/image/mask.h"
#include "core/image/rgb_image.h"
#include "core/model/config.h"
#include "core/model/hipie/hipie_model.h"
#include "core/model/kv_cache.h"
#include "core/model/llama.h"
#include "core/text/tokenizer.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace segllm::model {

// How to load: device "cpu", "cuda" or "auto" (cuda when available; "cuda" without a usable
// CUDA device falls back to the CPU and says why in LoadReport::device_note); dtype "f32",
// "bf16" or "f16". The dtype applies to the LLM, the CLIP tower and the three projectors; the
// whole HIPIE segmentator (backbone, transformer, heads, mask branch) is always kept and run in
// f32, as the original forces its transformer and heads (its backbone is small next to the LLM).
// The SEG tokens are cast to f32 before HIPIE, its outputs are f32.
struct LoadOptions {
    std::string device = "auto";
    std::string dtype = "f32";
    bool strict = false;  // unexpected (unknown, not explicitly skipped) tensors are fatal
    // true: the folder must hold a tokenizer (tokenizer.model [+ tokenizer.json]); false: a
    // folder without tokenizer.model loads with tokenizer() == nullptr.
    bool require_tokenizer = true;
    // > 0: replaces the config's mm_encode_scale (the factor of mask/box-encode features at
    // inference), for comparing scales on one model; must then lie in (0, 4].
    double encode_scale = 0.0;
    // Called with (fraction 0..1, stage); returning false cancels the load (throws Error).
    std::function<bool(double, const std::string&)> progress;
};

// Thrown by a model step stopped through RunControl::cancel (a segllm::Error; the engine turns
// it into engine::Cancelled).
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

// Optional control of a long model step (LLM forward, image encoding): the step checks `cancel`
// when it starts and after every layer of its layer stacks (LLM decoder layers, CLIP encoder
// layers) and between its stages (HIPIE encoder, CLIP tower), and throws model::Cancelled once it
// is set; `on_layer` is called after every layer, before that check, with (stack, layers done,
// layers of the stack), stack "llm" or "clip".
struct RunControl {
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(const std::string& stack, std::int64_t done, std::int64_t total)> on_layer;
};

// What loading found; also printed by `segllm check-model`.
struct LoadReport {
    std::vector<std::string> missing;     // parameters/buffers of the module not in the files
    std::vector<std::string> unexpected;  // checkpoint keys neither used nor on the skip list
    std::vector<std::string> skipped;     // keys on the explicit skip list (BERT, criterion...)
    std::vector<std::string> misshaped;   // "name: expected [a, b], got [c, d]"
    // Per component ("llm", "vision_tower", "projectors", "segmentator"); filled once the model
    // was built, so non-empty means the tensor lists above are complete.
    std::map<std::string, std::int64_t> parameter_counts;
    std::string device_used;         // "cpu" / "cuda:0"
    std::string device_note;         // why CUDA was not used when it was not
    std::vector<std::string> files;  // the safetensors files read
    std::string tokenizer_path;      // tokenizer.model read ("" when none)
};

// Per-image encodings, computed once and reused by every round and every <seg> of that image.
struct ImageEncoding {
    ModelFrame frame;                 // original image <-> padded HIPIE frame
    RgbImage padded;                  // the uint8 image in the padded frame (section 3.1 "R")
    at::Tensor image_rows;            // [num_patches, hidden]: mm_projector(CLIP patches), not yet
                                      // added to the <video> embedding
    hipie::HipieImageFeatures hipie;  // backbone + input_proj features
};

// A decoder query's mask in the padded frame (side x side, sigmoid > mask_threshold) and at
// the original size (mask_from_frame_logits of the same logits).
struct CandidateMasks {
    Mask frame;
    Mask image;
};

// One decoded <seg>.
struct SegDecode {
    Mask mask_frame;     // side x side mask of the chosen query in the padded frame
    Mask mask;           // its mask at the original size (mask_from_frame_logits of its logits)
    BoxF box_frame;      // its xyxy box in the padded frame (pixels)
    float score = 0.0F;  // selection score of the chosen query
    std::vector<hipie::HipieCandidate> candidates;  // ranked target candidates, best first
    hipie::HipieDecodeOutput decode;                // raw output, to compute other masks
};

class SegllmModel {
public:
    // Loads dir (see weights::Checkpoint::open for the accepted layouts; pickles are refused).
    // Every parameter and buffer of root() must be in the checkpoint with its shape (HIPIE head
    // aliases are matched, see weight_loading.h); the tokenizer is read from dir and its
    // vocab_size must equal config.json's. Throws segllm::Error naming the file and tensor(s)
    // on any problem (*report, when given, is filled as far as loading got); with
    // options.strict == false, unexpected tensors are only reported in *report.
    static std::shared_ptr<SegllmModel> load(const std::string& dir, const LoadOptions& options,
                                             LoadReport* report = nullptr);
    // A model with freshly initialised weights (seeded: the same seed gives the same weights),
    // for tests and benchmarks, on options.device in options.dtype. Except for float32 on the
    // CPU (LibTorch's constructors, as before), the decoder's large tensors are created and
    // initialised directly on the device in the dtype (LlmInit::direct): a 7B bf16 model needs
    // no float32 host copy, and on a GPU their random numbers come from the GPU's generator (so
    // the values depend on the device). The tokenizer is optional
    // (nullptr: callers pass token ids themselves, and the 11 SegLLM tokens are taken to be the
    // last ids of the vocabulary). Throws segllm::Error for an invalid configuration or a
    // tokenizer whose vocab_size differs from the configuration's.
    static std::shared_ptr<SegllmModel> random(const SegllmConfig& config, std::uint64_t seed,
                                               std::shared_ptr<const text::Tokenizer> tokenizer,
                                               const LoadOptions& options = {});

    const SegllmConfig& config() const;
    // nullptr when built without a tokenizer.
    const text::Tokenizer* tokenizer() const;
    at::Device device() const;
    at::ScalarType dtype() const;

    // CLIP (image_size crop) + HIPIE (side) preprocessing and encoders of one image. With a
    // `control`, throws model::Cancelled when its flag is seen set (see RunControl).
    ImageEncoding encode_image(const RgbImage& image, const RunControl* control = nullptr) const;
    // The two input rows of an earlier instance (section 3): [2, hidden] =
    // [embed(<video>) + 0.5 * mm_projector(CLIP CLS of the masked, cropped, top-left padded
    //  instance), embed(<video>) + 0.5 * mask_enc_head((top, left, bottom, right) / side)].
    // mask_frame is side x side; box_frame is the xyxy box in the padded frame.
    at::Tensor mask_box_rows(const ImageEncoding& image, const Mask& mask_frame,
                             const BoxF& box_frame) const;
    // Token embeddings [T, hidden].
    at::Tensor embed(const std::vector<int>& ids) const;
    // LLM forward of new rows [T, hidden] (or [1, T, hidden]) continuing `cache` (may be null:
    // a fresh sequence). Returns the post-final-norm hidden states (and logits if asked). With a
    // `control`, throws model::Cancelled when its flag is seen set (before the first layer or
    // after any decoder layer); the cache is then as it was at entry (every layer truncated
    // back), as after any other exception.
    LlamaOutput forward(const at::Tensor& rows, KvCache* cache, bool with_logits = false,
                        const RunControl* control = nullptr) const;
    // A fresh cache sized for this model.
    KvCache make_cache() const;
    // segmentator_predictor(h) -> 8 language tokens -> HIPIE decode + selection (section 4).
    // `hidden` is the [hidden] state at the position before <seg>.
    SegDecode decode_seg(const ImageEncoding& image, const at::Tensor& hidden) const;
    // Masks of any ranked candidate of a decode, from one computation of its logits: in the
    // padded frame and at the original size of `frame` (the decoded image's
    // ImageEncoding::frame), as decode_seg makes them for the chosen query.
    CandidateMasks candidate_masks(const SegDecode& seg, std::size_t rank,
                                   const ModelFrame& frame) const;

    // The module tree whose named_parameters() are the official checkpoint keys
    // ("model.embed_tokens.weight", ..., "lm_head.weight"); for saving and training.
    torch::nn::Module& root();
    const torch::nn::Module& root() const;

    struct Impl;
    ~SegllmModel();

private:
    explicit SegllmModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Saves the model's weights and config as a model folder (config.json, model.safetensors, and
// the tokenizer files when present); the official key names are used.
void save_model_folder(const SegllmModel& model, const std::string& dir);

}  // namespace segllm::model
