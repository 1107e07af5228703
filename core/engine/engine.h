#pragma once
// The session engine: the one API that the GUI and the command line use to chat with an image
// (segllm-reference.md 5). No LibTorch and no Qt types here: the model lives behind pimpl.
//
//   Engine engine = Engine::load("resources/models/segllm-tiny", {});   // once
//   Session session(engine);
//   session.open_image("photo.jpg");            // decode + encode once (LRU-cached per engine)
//   RoundResult r1 = session.ask("Segment the red circle.");
//   RoundResult r2 = session.ask("Find the shape left of [1].");
//
// Numbering: instance k is the output of round k, always (1-based). Ids never shift: deleting
// instance k keeps round k in the conversation (its placeholders and <seg> stay in the model's
// context) and only makes [k] unavailable to later prompts; undo removes the last round with
// its instance, so the next round gets that number again; clear() starts again from 1.
//
// Errors: every call that fails throws segllm::Error (prefixed with the stage) and leaves the
// session exactly as it was. A cancelled ask() throws engine::Cancelled, likewise.
// A Session is not thread-safe (use it from one worker thread); an Engine handle may be shared
// by sessions on several threads (its image cache is locked).

#include "core/common/error.h"
#include "core/export/project.h"
#include "core/image/mask.h"
#include "core/image/rgb_image.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace segllm::model {
class SegllmModel;
}

namespace segllm::engine {

// Thrown by a cancelled call (a subclass of segllm::Error).
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

// (stage, fraction of the call done 0..1), called on the calling thread. Stages of ask():
// "image" (also after every CLIP encoder layer), "prompt", "references", "llm" (once when the
// stage starts, then after every decoder layer of every forward it runs), "decode", "mask";
// of Engine::load: see LoadControl.
using ProgressCallback = std::function<void(const std::string& stage, double fraction)>;

struct EngineOptions {
    std::string device = "auto";  // "auto", "cpu" or "cuda"
    std::string dtype = "f32";    // "f32", "bf16", "f16"
    int image_cache_size = 4;     // encoded images kept (LRU); at least 1
    double encode_scale = 0.0;    // > 0: replaces the model's mm_encode_scale (in (0, 4])
};

// Facts about the loaded model.
struct ModelInfo {
    std::string device;       // "cpu" / "cuda:0"
    int image_rows = 0;       // <video> rows of the image (CLIP patch count)
    int context_length = 0;   // max_position_embeddings: the longest conversation in tokens
    int vocab_size = 0;       // LLM vocabulary
    int decoder_side = 0;     // HIPIE's padded square side
    std::string source;       // the model folder (or the name given to from_model)
    std::string device_note;  // why CUDA was not used when it was asked for ("" otherwise)
};

// Progress reporting and cancellation of Engine::load (for loading in the background).
// `progress` gets (stage, fraction of the whole load), fractions non-decreasing, in this stage
// order: "reading config" (config.json, the checkpoint's index), "building model",
// "reading tokenizer", "loading weights" (many calls, the fraction grows with the bytes read),
// "moving to device", "warm-up" (only with warm_up), and last ("ready", 1.0) only when the load
// succeeded. Called on the thread that runs load() (a GUI forwards it to its own thread).
struct LoadControl {
    ProgressCallback progress;  // optional
    // Checked between stages, after every tensor read and (warm-up) after every layer: once set,
    // load() throws engine::Cancelled and frees what it had loaded.
    const std::atomic<bool>* cancel = nullptr;
    // Runs one short pass (image encoding, a few LLM tokens, a <seg> decode) after loading, so
    // the first real round does not pay for kernel and allocator start-up.
    bool warm_up = false;
};

// The model folder to load: `requested` when not empty, else the shipped model
// (resources/models/segllm-tiny, see core/common/paths.h). Throws segllm::Error when the folder
// does not exist; for the shipped model the message names where it was looked for.
std::string resolve_model_dir(const std::string& requested);

// Shared handle to a loaded model and the per-engine cache of encoded images. Cheap to copy.
class Engine {
public:
    // Loads a model folder (config.json, safetensors, tokenizer.model [+ tokenizer.json]).
    // Throws segllm::Error naming the folder; a folder without a tokenizer is refused. With a
    // `control`: reports progress and throws engine::Cancelled when cancelled (see LoadControl).
    static Engine load(const std::string& model_dir, const EngineOptions& options = {},
                       const LoadControl& control = {});
    // Wraps a model built elsewhere (tests, tools); it must have a tokenizer.
    static Engine from_model(std::shared_ptr<const model::SegllmModel> model,
                             const EngineOptions& options = {}, const std::string& source = "");

    ModelInfo info() const;
    const model::SegllmModel& model() const;
    // Encoded images currently cached, and how many lookups hit the cache so far.
    int cached_images() const;
    std::int64_t cache_hits() const;

    // Internal to core/engine (Impl is defined only there).
    struct Impl;
    const std::shared_ptr<Impl>& impl() const { return impl_; }

private:
    explicit Engine(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// How the conversation is run.
struct SessionOptions {
    // true: the conversation's KV cache is kept and a round runs only its new tokens.
    // false: every round runs the whole conversation again, as the reference demo does.
    bool incremental = true;
    // false: no mask-encode / box-encode rows for references (the LISA-style ablation); [k]
    // is still rendered as "instance k" in the text.
    bool mask_memory = true;
};

struct AskOptions {
    std::uint64_t request_id = 0;  // repeated in the result
    ProgressCallback progress;     // optional
    // Checked between stages and LLM rounds, after every LLM decoder layer and every CLIP
    // encoder layer: a long prefill stops within about one layer.
    const std::atomic<bool>* cancel = nullptr;
};

// Wall-clock time per stage of a round, milliseconds.
struct RoundTimings {
    double prompt_ms = 0.0;      // template + tokenizer
    double references_ms = 0.0;  // mask-encode / box-encode rows
    double llm_ms = 0.0;         // LLM forward (all tokens run this round)
    double decode_ms = 0.0;      // SEG projector + HIPIE decode + selection
    double mask_ms = 0.0;        // mask back to the original resolution
    double total_ms = 0.0;
    std::int64_t tokens_run = 0;  // LLM positions computed this round
};

// A ranked candidate of a <seg> decode (rank 0 is the best; the chosen one is among them).
struct Candidate {
    std::size_t rank = 0;
    float score = 0.0F;
    PixelBox box;  // at the original resolution (inclusive pixels)
};

// One segmented object of the conversation.
struct Instance {
    int id = 0;    // == the round that made it
    Mask mask;     // original image size, 0/1
    PixelBox box;  // tight box of the mask (x1 = -1 when the mask is empty)
    float score = 0.0F;
    bool edited = false;  // replaced by hand or by choosing another candidate
    bool deleted = false;
};

// What ask() returns.
struct RoundResult {
    std::uint64_t request_id = 0;
    int round = 0;                // 1-based
    int instance_id = 0;          // == round
    std::string prompt;           // as the user wrote it
    std::string model_text;       // the text the model read ([k] rendered)
    std::vector<int> references;  // the instances whose rows were added, in order
    Mask mask;                    // original image size, 0/1
    PixelBox box;                 // tight box of the mask (x1 = -1 when empty)
    float score = 0.0F;
    std::vector<Candidate> alternatives;  // ranked candidates (masks: Session::candidate_mask)
    RoundTimings timings;
};

// One round of the conversation as kept by the session.
struct RoundInfo {
    int round = 0;
    std::string prompt;
    std::vector<int> references;
    double time_ms = 0.0;
};

// The inputs an instance gives to later rounds that reference it (segllm-reference.md 3):
// the mask and box in the padded decoder frame, and the box vector (top, left, bottom, right)
// / side that the box-encode row sees.
struct EncodeInput {
    Mask mask_frame;
    double box_frame[4] = {0, 0, 0, 0};  // x0, y0, x1, y1 in the padded frame
    float box_vector[4] = {0, 0, 0, 0};
};

// One image's conversation.
class Session {
public:
    explicit Session(Engine engine, const SessionOptions& options = {});
    ~Session();
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;

    // Decodes the file and encodes it (unless the engine's cache holds it: keyed by path, size
    // and modification time), then starts an empty conversation. Throws segllm::Error naming
    // the file for an unreadable image (the session is unchanged then).
    void open_image(const std::string& path, const AskOptions& options = {});
    // Same for an image in memory; `key` identifies it in the cache (empty: a hash of pixels).
    void open_image(const RgbImage& image, const std::string& key = "",
                    const AskOptions& options = {});
    bool has_image() const;
    int image_width() const;
    int image_height() const;
    // Time of the last open_image's encoding (0 when it came from the cache).
    double image_encode_ms() const;

    // Runs one round. The references are the [k] of the prompt, then `explicit_refs` (e.g. from
    // clicks) not named in the text; each adds the mask-encode and box-encode rows of that
    // instance in front of the text (unless mask memory is off). Throws segllm::Error, leaving
    // the session unchanged, for: no image, an empty prompt, a special token in the prompt,
    // [0], an unknown, future or deleted instance, a prompt beyond the model's context length.
    RoundResult ask(const std::string& prompt, const std::vector<int>& explicit_refs = {},
                    const AskOptions& options = {});

    // The instances in id order (deleted ones included, flagged).
    std::vector<Instance> instances() const;
    // Instance `id`; throws segllm::Error for an unknown id. The reference is valid until the
    // next call that changes the session.
    const Instance& instance(int id) const;
    std::vector<RoundInfo> rounds() const;
    int round_count() const;

    // Ranked candidates of an instance's decode (empty for an instance without one).
    std::vector<Candidate> candidates(int id) const;
    // Mask (original size) of a candidate of an instance, computed on request. Throws
    // segllm::Error for an unknown id or rank.
    Mask candidate_mask(int id, std::size_t rank) const;
    // The best-ranked candidate of instance `id` whose mask contains pixel (x, y) of the
    // original image; nullopt when none does. Throws for an unknown id.
    std::optional<std::size_t> candidate_at(int id, int x, int y) const;

    // Corrections. Later rounds encode the corrected mask and box: the cached keys/values from
    // the first later round that references `id` are recomputed at the next ask.
    // Replaces the instance's mask (original size; throws for another size or unknown id).
    void correct_mask(int id, const Mask& mask);
    // Makes candidate `rank` the instance's result (mask, box, score).
    void choose_candidate(int id, std::size_t rank);

    // Removes the last round and its instance (truncating the KV cache). Throws if there is no
    // round.
    void undo();
    // Marks an instance deleted (see the numbering note above). Throws for an unknown id.
    void delete_instance(int id);
    // Forgets every round and instance; the image stays open.
    void clear();

    const SessionOptions& options() const;
    // Changes the mode; the cache is rebuilt at the next ask (results do not change for
    // `incremental`; mask_memory changes what later rounds read).
    void set_options(const SessionOptions& options);

    // Token ids of the whole conversation so far (what recompute mode runs), and its text.
    std::vector<int> conversation_tokens() const;
    std::string conversation_text() const;
    // Positions held in the session's KV cache (0 in recompute mode).
    std::int64_t cached_positions() const;
    // What instance `id` gives later rounds (see EncodeInput).
    EncodeInput encode_input(int id) const;

    // The conversation as project structs (rounds and instances; path left empty; deleted
    // instances are left out and their rounds have produced_instance 0).
    ProjectImage to_project_image() const;
    // Replaces the conversation by a saved one (the image must be open and of the saved size):
    // round k must have produced instance k or none (0); instances keep their saved masks,
    // scores and edited flags (they have no candidates) and are encoded for later rounds from
    // their mask and its tight box, as a hand correction is (the model's own box is not
    // saved, so later rounds can differ slightly from the original session); a round whose
    // instance is missing gets a deleted instance with an empty mask. The model's context is
    // rebuilt at the next ask. Throws segllm::Error (session
    // unchanged) for an inconsistent project, a reference to a later round, a wrong mask size.
    void restore(const ProjectImage& saved);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace segllm::engine
