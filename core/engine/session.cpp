#include "core/common/error.h"
#include "core/engine/engine_impl.h"
#include "core/image/frame.h"
#include "core/model/mask_encode.h"
#include "core/text/conversation.h"
#include "core/text/references.h"

#ifdef SEGLLM_HAVE_IMAGE_DECODE
#include "core/image/decode.h"
#endif

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <utility>

namespace segllm::engine {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// What one instance keeps besides its public state.
struct InstanceState {
    Instance pub;
    Mask mask_frame;  // in the padded decoder frame: what mask-encode sees
    BoxF box_frame;   // in the padded decoder frame: what box-encode sees
    at::Tensor rows;  // [2, hidden] mask-encode and box-encode rows
    std::shared_ptr<const model::SegDecode> seg;  // null for restored instances
    std::vector<Candidate> candidates;
};

struct RoundState {
    int number = 0;
    std::string prompt;
    std::string model_text;
    std::vector<int> references;
    text::RoundTokens tokens;
    double time_ms = 0.0;
};

bool is_blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    });
}

// Frame box (continuous) -> inclusive pixel box at the original size, clipped to the image.
PixelBox pixel_box_from_frame(const ModelFrame& frame, const std::array<float, 4>& xyxy) {
    const BoxF b = box_from_frame(frame, BoxF{xyxy[0], xyxy[1], xyxy[2], xyxy[3]});
    PixelBox p;
    p.x0 = std::clamp(static_cast<int>(std::floor(b.x0)), 0, frame.orig_w - 1);
    p.y0 = std::clamp(static_cast<int>(std::floor(b.y0)), 0, frame.orig_h - 1);
    p.x1 = std::clamp(static_cast<int>(std::ceil(b.x1)) - 1, p.x0, frame.orig_w - 1);
    p.y1 = std::clamp(static_cast<int>(std::ceil(b.y1)) - 1, p.y0, frame.orig_h - 1);
    return p;
}

PixelBox tight_box(const Mask& mask) {
    const auto b = mask_box(mask);
    return b ? *b : PixelBox{};
}

// The tight box of a mask at the original size, as a continuous box in the padded frame.
BoxF frame_box_of(const ModelFrame& frame, const Mask& orig) {
    const auto b = mask_box(orig);
    if (!b) {
        return BoxF{};
    }
    return box_to_frame(frame,
                        BoxF{static_cast<double>(b->x0), static_cast<double>(b->y0),
                             static_cast<double>(b->x1 + 1), static_cast<double>(b->y1 + 1)});
}

std::string pixel_hash_key(const RgbImage& image) {
    std::uint64_t h = 1469598103934665603ULL;
    for (std::uint8_t v : image.data) {
        h = (h ^ v) * 1099511628211ULL;
    }
    return "pixels:" + std::to_string(image.width) + "x" + std::to_string(image.height) + ":" +
           std::to_string(h);
}

}  // namespace

struct Session::Impl {
    Engine engine;
    SessionOptions options;
    std::shared_ptr<const model::ImageEncoding> image;
    double encode_ms = 0.0;
    std::vector<RoundState> rounds;
    std::vector<InstanceState> instances;   // instances[k - 1] is instance k
    std::unique_ptr<model::KvCache> cache;  // incremental mode
    std::size_t valid_rounds = 0;           // rounds whose keys/values are in `cache`

    explicit Impl(Engine e) : engine(std::move(e)) {}

    const model::SegllmModel& model() const { return *engine.impl()->model; }
    const text::Tokenizer& tokenizer() const { return *model().tokenizer(); }

    std::int64_t round_start(std::size_t r) const {
        std::int64_t start = 0;
        for (std::size_t i = 0; i < r && i < rounds.size(); ++i) {
            start += static_cast<std::int64_t>(rounds[i].tokens.ids.size());
        }
        return start;
    }

    void require_image() const {
        if (!image) {
            throw Error("no image is open");
        }
    }

    InstanceState& state(int id) {
        if (id < 1 || id > static_cast<int>(instances.size())) {
            throw Error("there is no instance " + std::to_string(id) +
                        " (instances: " + std::to_string(instances.size()) + ")");
        }
        return instances[static_cast<std::size_t>(id - 1)];
    }
    const InstanceState& state(int id) const { return const_cast<Impl*>(this)->state(id); }

    // Drops cached keys/values from round index r on.
    void invalidate_from(std::size_t r) {
        if (r < valid_rounds) {
            valid_rounds = r;
            if (cache) {
                cache->truncate(round_start(r));
            }
        }
    }

    // After instance `id` changed: later rounds that reference it must read its new rows.
    void invalidate_after_change(int id) {
        if (!options.mask_memory) {
            return;
        }
        for (std::size_t r = static_cast<std::size_t>(id); r < rounds.size(); ++r) {
            const auto& refs = rounds[r].references;
            if (std::find(refs.begin(), refs.end(), id) != refs.end()) {
                invalidate_from(r);
                return;
            }
        }
    }

    // The rounds' template (the count of references depends on mask memory).
    text::RoundTemplate round_template(std::size_t index, const std::string& model_text,
                                       std::size_t references) const {
        text::RoundTemplate t;
        t.first = index == 0;
        t.image_rows = t.first ? static_cast<int>(image->image_rows.size(0)) : 0;
        t.reference_count = options.mask_memory ? static_cast<int>(references) : 0;
        t.text = model_text;
        return t;
    }

    // Input rows [T, hidden] of a round.
    at::Tensor round_rows(const RoundState& r) const {
        at::Tensor rows = model().embed(r.tokens.ids);
        if (!r.tokens.image_positions.empty()) {
            rows.narrow(0, r.tokens.image_positions.front(),
                        static_cast<std::int64_t>(r.tokens.image_positions.size()))
                .add_(image->image_rows.to(rows.scalar_type()));
        }
        for (std::size_t i = 0; i < r.tokens.reference_positions.size() / 2; ++i) {
            const at::Tensor& ref = state(r.references[i]).rows;
            rows.narrow(0, r.tokens.reference_positions[2 * i], 1).copy_(ref.narrow(0, 0, 1));
            rows.narrow(0, r.tokens.reference_positions[2 * i + 1], 1).copy_(ref.narrow(0, 1, 1));
        }
        return rows;
    }

    at::Tensor instance_rows(const Mask& mask_frame, const BoxF& box_frame) const {
        return model().mask_box_rows(*image, mask_frame, box_frame);
    }

    void reset_conversation() {
        rounds.clear();
        instances.clear();
        valid_rounds = 0;
        if (cache) {
            cache->clear();
        }
    }

    void open_encoding(std::shared_ptr<const model::ImageEncoding> enc, double ms) {
        image = std::move(enc);
        encode_ms = ms;
        reset_conversation();
    }

    std::shared_ptr<const model::ImageEncoding> encode(const RgbImage& rgb, const std::string& key,
                                                       const AskOptions& options, double* ms) {
        if (auto hit = engine.impl()->find(key)) {
            *ms = 0.0;
            return hit;
        }
        if (options.cancel != nullptr && options.cancel->load()) {
            throw Cancelled();
        }
        if (options.progress) {
            options.progress("image", 0.0);
        }
        const auto start = Clock::now();
        at::NoGradGuard no_grad;
        model::RunControl control;
        control.cancel = options.cancel;
        if (options.progress) {
            control.on_layer = [&](const std::string&, std::int64_t done, std::int64_t total) {
                options.progress("image", 0.2 + 0.75 * static_cast<double>(done) / total);
            };
        }
        std::shared_ptr<const model::ImageEncoding> enc;
        try {
            enc = std::make_shared<const model::ImageEncoding>(model().encode_image(rgb, &control));
        } catch (const model::Cancelled&) {
            throw Cancelled();
        }
        *ms = ms_since(start);
        if (options.cancel != nullptr && options.cancel->load()) {
            throw Cancelled();
        }
        engine.impl()->put(key, enc);
        if (options.progress) {
            options.progress("image", 1.0);
        }
        return enc;
    }

    RoundResult ask(const std::string& prompt, const std::vector<int>& explicit_refs,
                    const AskOptions& options);
};

Session::Session(Engine engine, const SessionOptions& options)
    : impl_(std::make_unique<Impl>(std::move(engine))) {
    impl_->options = options;
    if (options.incremental) {
        impl_->cache = std::make_unique<model::KvCache>(impl_->model().make_cache());
    }
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::open_image(const std::string& path, const AskOptions& options) {
#ifdef SEGLLM_HAVE_IMAGE_DECODE
    try {
        std::error_code ec;
        const auto canonical = std::filesystem::weakly_canonical(path, ec);
        const auto size = std::filesystem::file_size(path, ec);
        const auto time = std::filesystem::last_write_time(path, ec);
        std::string key;
        if (!ec) {
            key = "file:" + (canonical.empty() ? path : canonical.string()) + "|" +
                  std::to_string(size) + "|" + std::to_string(time.time_since_epoch().count());
        }
        std::shared_ptr<const model::ImageEncoding> enc;
        double ms = 0.0;
        if (!key.empty()) {
            enc = impl_->engine.impl()->find(key);
        }
        if (!enc) {
            const RgbImage rgb = decode_image(path);
            enc = impl_->encode(rgb, key.empty() ? pixel_hash_key(rgb) : key, options, &ms);
        }
        impl_->open_encoding(std::move(enc), ms);
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("open image: ") + e.what());
    }
#else
    (void)options;
    throw Error("open image " + path + ": this build has no image decoding (OpenCV)");
#endif
}

void Session::open_image(const RgbImage& image, const std::string& key, const AskOptions& options) {
    try {
        if (image.empty()) {
            throw Error("the image is empty");
        }
        double ms = 0.0;
        auto enc =
            impl_->encode(image, key.empty() ? pixel_hash_key(image) : "key:" + key, options, &ms);
        impl_->open_encoding(std::move(enc), ms);
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("open image: ") + e.what());
    }
}

bool Session::has_image() const {
    return impl_->image != nullptr;
}
int Session::image_width() const {
    return impl_->image ? impl_->image->frame.orig_w : 0;
}
int Session::image_height() const {
    return impl_->image ? impl_->image->frame.orig_h : 0;
}
double Session::image_encode_ms() const {
    return impl_->encode_ms;
}

RoundResult Session::ask(const std::string& prompt, const std::vector<int>& explicit_refs,
                         const AskOptions& options) {
    return impl_->ask(prompt, explicit_refs, options);
}

RoundResult Session::Impl::ask(const std::string& prompt, const std::vector<int>& explicit_refs,
                               const AskOptions& options) {
    const auto t_start = Clock::now();
    std::string stage = "prompt";
    const std::int64_t entry_length = cache ? cache->length() : 0;
    const std::size_t entry_valid = valid_rounds;
    auto progress = [&](const std::string& s, double f) {
        if (options.progress) {
            options.progress(s, f);
        }
    };
    auto check_cancel = [&] {
        if (options.cancel != nullptr && options.cancel->load()) {
            throw Cancelled();
        }
    };
    try {
        require_image();
        if (is_blank(prompt)) {
            throw Error("the prompt is empty");
        }
        const int round_number = static_cast<int>(rounds.size()) + 1;
        // References: [k] of the text, then the explicit ones.
        std::vector<int> refs = text::merge_references(text::reference_ids(prompt), explicit_refs);
        for (int id : refs) {
            if (id < 1) {
                throw Error("[" + std::to_string(id) +
                            "] names no instance: instances are numbered from 1");
            }
            if (id >= round_number) {
                throw Error("[" + std::to_string(id) + "] names no earlier round (this is round " +
                            std::to_string(round_number) + ")");
            }
            if (state(id).pub.deleted) {
                throw Error("instance " + std::to_string(id) + " was deleted");
            }
        }
        check_cancel();
        progress("prompt", 0.0);
        RoundState round;
        round.number = round_number;
        round.prompt = prompt;
        round.model_text = text::render_references(prompt);
        round.references = refs;
        const auto t_prompt = Clock::now();
        round.tokens = text::tokenize_round(
            tokenizer(), round_template(rounds.size(), round.model_text, refs.size()));
        const std::int64_t total =
            round_start(rounds.size()) + static_cast<std::int64_t>(round.tokens.ids.size());
        const std::int64_t limit = model().config().llm.max_position_embeddings;
        if (total > limit) {
            throw Error("the conversation would be " + std::to_string(total) +
                        " tokens long, beyond the model's context length of " +
                        std::to_string(limit) + " tokens");
        }
        RoundTimings timings;
        timings.prompt_ms = ms_since(t_prompt);
        check_cancel();

        at::NoGradGuard no_grad;
        stage = "references";
        progress("references", 0.05);
        const auto t_refs = Clock::now();
        // The rounds to run: stale ones (incremental) or all (recompute), then the new one.
        const std::size_t first = cache ? valid_rounds : 0;
        std::vector<const RoundState*> to_run;
        for (std::size_t r = first; r < rounds.size(); ++r) {
            to_run.push_back(&rounds[r]);
        }
        to_run.push_back(&round);
        std::vector<at::Tensor> rows;
        for (const RoundState* r : to_run) {
            rows.push_back(round_rows(*r));
        }
        timings.references_ms = ms_since(t_refs);
        check_cancel();

        stage = "llm";
        progress("llm", 0.1);
        const auto t_llm = Clock::now();
        at::Tensor hidden;  // [hidden] at the position before the new <seg>
        // Cancellation is also checked after every decoder layer (model::Cancelled, turned into
        // Cancelled below; the cache is truncated back to its length at entry).
        std::size_t running = 0;  // index of the forward in progress
        const std::size_t forwards = cache ? rows.size() : 1;
        model::RunControl control;
        control.cancel = options.cancel;
        if (options.progress) {
            control.on_layer = [&](const std::string&, std::int64_t layers_done,
                                   std::int64_t layers) {
                const double part =
                    (static_cast<double>(running) +
                     static_cast<double>(layers_done) / static_cast<double>(layers)) /
                    static_cast<double>(forwards);
                progress("llm", 0.1 + 0.6 * part);
            };
        }
        if (cache) {
            for (std::size_t i = 0; i < rows.size(); ++i) {
                running = i;
                const model::LlamaOutput out =
                    model().forward(rows[i], cache.get(), false, &control);
                timings.tokens_run += rows[i].size(0);
                if (i + 1 == rows.size()) {
                    hidden = out.hidden_states.reshape({-1, out.hidden_states.size(-1)})
                                 .select(0, round.tokens.seg_position - 1);
                }
                check_cancel();
            }
        } else {
            const at::Tensor all = at::cat(rows, 0);
            const model::LlamaOutput out = model().forward(all, nullptr, false, &control);
            timings.tokens_run = all.size(0);
            const std::int64_t offset = all.size(0) - rows.back().size(0);
            hidden = out.hidden_states.reshape({-1, out.hidden_states.size(-1)})
                         .select(0, offset + round.tokens.seg_position - 1);
            check_cancel();
        }
        timings.llm_ms = ms_since(t_llm);

        stage = "decode";
        const auto t_decode = Clock::now();
        auto seg = std::make_shared<const model::SegDecode>(model().decode_seg(*image, hidden));
        timings.decode_ms = ms_since(t_decode);
        progress("decode", 0.9);
        check_cancel();

        stage = "mask";
        const auto t_mask = Clock::now();
        InstanceState inst;
        inst.pub.id = round_number;
        inst.pub.mask = seg->mask;
        inst.pub.box = tight_box(inst.pub.mask);
        inst.pub.score = seg->score;
        inst.mask_frame = seg->mask_frame;
        inst.box_frame = seg->box_frame;
        inst.rows = instance_rows(inst.mask_frame, inst.box_frame);
        for (std::size_t i = 0; i < seg->candidates.size(); ++i) {
            inst.candidates.push_back({i, seg->candidates[i].score,
                                       pixel_box_from_frame(image->frame, seg->candidates[i].box)});
        }
        inst.seg = seg;
        timings.mask_ms = ms_since(t_mask);
        timings.total_ms = ms_since(t_start);
        check_cancel();

        RoundResult result;
        result.request_id = options.request_id;
        result.round = round_number;
        result.instance_id = round_number;
        result.prompt = prompt;
        result.model_text = round.model_text;
        result.references = refs;
        result.mask = inst.pub.mask;
        result.box = inst.pub.box;
        result.score = inst.pub.score;
        result.alternatives = inst.candidates;
        result.timings = timings;

        // Commit.
        round.time_ms = timings.total_ms;
        rounds.push_back(std::move(round));
        instances.push_back(std::move(inst));
        valid_rounds = cache ? rounds.size() : 0;
        progress("mask", 1.0);
        return result;
    } catch (...) {
        if (cache && cache->length() > entry_length) {
            cache->truncate(entry_length);
        }
        valid_rounds = entry_valid;
        try {
            throw;
        } catch (const Cancelled&) {
            throw;
        } catch (const model::Cancelled&) {
            throw Cancelled();
        } catch (const std::exception& e) {
            throw Error("round " + std::to_string(rounds.size() + 1) + ": " + stage + ": " +
                        e.what());
        }
    }
}

std::vector<Instance> Session::instances() const {
    std::vector<Instance> out;
    for (const InstanceState& s : impl_->instances) {
        out.push_back(s.pub);
    }
    return out;
}

const Instance& Session::instance(int id) const {
    return impl_->state(id).pub;
}

std::vector<RoundInfo> Session::rounds() const {
    std::vector<RoundInfo> out;
    for (const RoundState& r : impl_->rounds) {
        out.push_back({r.number, r.prompt, r.references, r.time_ms});
    }
    return out;
}

int Session::round_count() const {
    return static_cast<int>(impl_->rounds.size());
}

std::vector<Candidate> Session::candidates(int id) const {
    return impl_->state(id).candidates;
}

Mask Session::candidate_mask(int id, std::size_t rank) const {
    const InstanceState& s = impl_->state(id);
    if (!s.seg || rank >= s.candidates.size()) {
        throw Error("instance " + std::to_string(id) + " has no candidate " + std::to_string(rank) +
                    " (candidates: " + std::to_string(s.candidates.size()) + ")");
    }
    at::NoGradGuard no_grad;
    return impl_->model().candidate_masks(*s.seg, rank, impl_->image->frame).image;
}

std::optional<std::size_t> Session::candidate_at(int id, int x, int y) const {
    const InstanceState& s = impl_->state(id);
    for (const Candidate& c : s.candidates) {
        if (x < c.box.x0 || x > c.box.x1 || y < c.box.y0 || y > c.box.y1) {
            continue;  // a mask is (nearly) inside its box: cheap test first
        }
        const Mask m = candidate_mask(id, c.rank);
        if (x >= 0 && y >= 0 && x < m.width && y < m.height && m.at(x, y) != 0) {
            return c.rank;
        }
    }
    // Masks may reach a pixel beyond their rounded box: check the rest too.
    for (const Candidate& c : s.candidates) {
        if (!(x < c.box.x0 || x > c.box.x1 || y < c.box.y0 || y > c.box.y1)) {
            continue;
        }
        const Mask m = candidate_mask(id, c.rank);
        if (x >= 0 && y >= 0 && x < m.width && y < m.height && m.at(x, y) != 0) {
            return c.rank;
        }
    }
    return std::nullopt;
}

void Session::correct_mask(int id, const Mask& mask) {
    try {
        InstanceState& s = impl_->state(id);
        const ModelFrame& frame = impl_->image->frame;
        if (mask.width != frame.orig_w || mask.height != frame.orig_h) {
            throw Error("the mask is " + std::to_string(mask.width) + "x" +
                        std::to_string(mask.height) + " but the image is " +
                        std::to_string(frame.orig_w) + "x" + std::to_string(frame.orig_h));
        }
        Mask orig(mask.width, mask.height);
        for (std::size_t i = 0; i < mask.data.size(); ++i) {
            orig.data[i] = mask.data[i] != 0 ? 1 : 0;
        }
        Mask mask_frame = mask_to_frame(orig, frame);
        const BoxF box_frame = frame_box_of(frame, orig);
        at::NoGradGuard no_grad;
        at::Tensor rows = impl_->instance_rows(mask_frame, box_frame);
        // Commit.
        s.pub.box = tight_box(orig);
        s.pub.mask = std::move(orig);
        s.pub.edited = true;
        s.mask_frame = std::move(mask_frame);
        s.box_frame = box_frame;
        s.rows = rows;
    } catch (const std::exception& e) {
        throw Error("correct instance " + std::to_string(id) + ": " + e.what());
    }
    impl_->invalidate_after_change(id);
}

void Session::choose_candidate(int id, std::size_t rank) {
    try {
        InstanceState& s = impl_->state(id);
        if (!s.seg || rank >= s.candidates.size()) {
            throw Error("no candidate " + std::to_string(rank) +
                        " (candidates: " + std::to_string(s.candidates.size()) + ")");
        }
        at::NoGradGuard no_grad;
        model::CandidateMasks masks =
            impl_->model().candidate_masks(*s.seg, rank, impl_->image->frame);
        Mask mask_frame = std::move(masks.frame);
        const auto& box = s.seg->candidates[rank].box;
        const BoxF box_frame{box[0], box[1], box[2], box[3]};
        Mask orig = std::move(masks.image);
        at::Tensor rows = impl_->instance_rows(mask_frame, box_frame);
        s.pub.box = tight_box(orig);
        s.pub.mask = std::move(orig);
        s.pub.score = s.candidates[rank].score;
        s.pub.edited = true;
        s.mask_frame = std::move(mask_frame);
        s.box_frame = box_frame;
        s.rows = rows;
    } catch (const std::exception& e) {
        throw Error("choose candidate of instance " + std::to_string(id) + ": " + e.what());
    }
    impl_->invalidate_after_change(id);
}

void Session::undo() {
    if (impl_->rounds.empty()) {
        throw Error("undo: there is no round to undo");
    }
    impl_->invalidate_from(impl_->rounds.size() - 1);
    impl_->rounds.pop_back();
    impl_->instances.pop_back();
}

void Session::delete_instance(int id) {
    try {
        impl_->state(id).pub.deleted = true;
    } catch (const std::exception& e) {
        throw Error(std::string("delete instance: ") + e.what());
    }
}

void Session::clear() {
    impl_->reset_conversation();
}

const SessionOptions& Session::options() const {
    return impl_->options;
}

void Session::set_options(const SessionOptions& options) {
    Impl& d = *impl_;
    if (options.mask_memory != d.options.mask_memory) {
        // The placeholders of every round change: tokenize again (cannot fail: these prompts
        // were accepted before, and only the placeholder count differs).
        std::vector<text::RoundTokens> tokens;
        SessionOptions saved = d.options;
        d.options.mask_memory = options.mask_memory;
        try {
            for (std::size_t r = 0; r < d.rounds.size(); ++r) {
                tokens.push_back(text::tokenize_round(
                    d.tokenizer(),
                    d.round_template(r, d.rounds[r].model_text, d.rounds[r].references.size())));
            }
        } catch (...) {
            d.options = saved;
            throw;
        }
        d.invalidate_from(0);
        for (std::size_t r = 0; r < d.rounds.size(); ++r) {
            d.rounds[r].tokens = std::move(tokens[r]);
        }
    }
    if (options.incremental != d.options.incremental) {
        d.invalidate_from(0);
        d.cache = options.incremental ? std::make_unique<model::KvCache>(d.model().make_cache())
                                      : nullptr;
    }
    d.options = options;
}

std::vector<int> Session::conversation_tokens() const {
    std::vector<int> out;
    for (const RoundState& r : impl_->rounds) {
        out.insert(out.end(), r.tokens.ids.begin(), r.tokens.ids.end());
    }
    return out;
}

std::string Session::conversation_text() const {
    std::string out;
    for (std::size_t r = 0; r < impl_->rounds.size(); ++r) {
        out += text::round_text(impl_->round_template(r, impl_->rounds[r].model_text,
                                                      impl_->rounds[r].references.size()));
    }
    return out;
}

std::int64_t Session::cached_positions() const {
    return impl_->cache ? impl_->cache->length() : 0;
}

EncodeInput Session::encode_input(int id) const {
    const InstanceState& s = impl_->state(id);
    EncodeInput in;
    in.mask_frame = s.mask_frame;
    in.box_frame[0] = s.box_frame.x0;
    in.box_frame[1] = s.box_frame.y0;
    in.box_frame[2] = s.box_frame.x1;
    in.box_frame[3] = s.box_frame.y1;
    const int side = impl_->image->frame.side;
    const auto v = model::box_encode_vector(
        model::encode_box_from_prediction(s.box_frame.x0, s.box_frame.y0, s.box_frame.x1,
                                          s.box_frame.y1, side),
        side);
    for (int i = 0; i < 4; ++i) {
        in.box_vector[i] = v[static_cast<std::size_t>(i)];
    }
    return in;
}

ProjectImage Session::to_project_image() const {
    ProjectImage out;
    out.width = image_width();
    out.height = image_height();
    for (const RoundState& r : impl_->rounds) {
        ProjectRound pr;
        pr.prompt = r.prompt;
        pr.references = r.references;
        pr.produced_instance = impl_->state(r.number).pub.deleted ? 0 : r.number;
        pr.time_ms = r.time_ms;
        out.rounds.push_back(std::move(pr));
    }
    for (const InstanceState& s : impl_->instances) {
        if (s.pub.deleted) {
            continue;
        }
        ProjectInstance pi;
        pi.id = s.pub.id;
        pi.mask = s.pub.mask;
        pi.box = s.pub.box;
        pi.score = s.pub.score;
        pi.round = s.pub.id;
        pi.edited = s.pub.edited;
        out.instances.push_back(std::move(pi));
    }
    return out;
}

}  // namespace segllm::engine

namespace segllm::engine {

void Session::restore(const ProjectImage& saved) {
    Impl& d = *impl_;
    try {
        d.require_image();
        const ModelFrame& frame = d.image->frame;
        if (saved.width != frame.orig_w || saved.height != frame.orig_h) {
            throw Error("the saved conversation is for a " + std::to_string(saved.width) + "x" +
                        std::to_string(saved.height) + " image, the open image is " +
                        std::to_string(frame.orig_w) + "x" + std::to_string(frame.orig_h));
        }
        const int n = static_cast<int>(saved.rounds.size());
        std::vector<RoundState> rounds;
        std::vector<InstanceState> instances(static_cast<std::size_t>(n));
        std::vector<bool> found(static_cast<std::size_t>(n), false);
        for (const ProjectInstance& pi : saved.instances) {
            if (pi.id < 1 || pi.id > n || found[static_cast<std::size_t>(pi.id - 1)]) {
                throw Error("instance " + std::to_string(pi.id) +
                            " is not the output of a saved round (rounds: " + std::to_string(n) +
                            ")");
            }
            if (pi.mask.width != frame.orig_w || pi.mask.height != frame.orig_h) {
                throw Error("the mask of instance " + std::to_string(pi.id) + " is " +
                            std::to_string(pi.mask.width) + "x" + std::to_string(pi.mask.height));
            }
            found[static_cast<std::size_t>(pi.id - 1)] = true;
            InstanceState& s = instances[static_cast<std::size_t>(pi.id - 1)];
            s.pub.mask = Mask(pi.mask.width, pi.mask.height);
            for (std::size_t i = 0; i < pi.mask.data.size(); ++i) {
                s.pub.mask.data[i] = pi.mask.data[i] != 0 ? 1 : 0;
            }
            s.pub.box = tight_box(s.pub.mask);
            s.pub.score = pi.score;
            s.pub.edited = pi.edited;
        }
        at::NoGradGuard no_grad;
        for (int k = 1; k <= n; ++k) {
            const ProjectRound& pr = saved.rounds[static_cast<std::size_t>(k - 1)];
            if (pr.produced_instance != 0 && pr.produced_instance != k) {
                throw Error("round " + std::to_string(k) + " produced instance " +
                            std::to_string(pr.produced_instance) + " (expected " +
                            std::to_string(k) + " or 0)");
            }
            for (int id : pr.references) {
                if (id < 1 || id >= k) {
                    throw Error("round " + std::to_string(k) + " references instance " +
                                std::to_string(id));
                }
            }
            InstanceState& s = instances[static_cast<std::size_t>(k - 1)];
            s.pub.id = k;
            if (!found[static_cast<std::size_t>(k - 1)]) {
                s.pub.mask = Mask(frame.orig_w, frame.orig_h);
                s.pub.box = PixelBox{};
                s.pub.deleted = true;
            }
            s.mask_frame = mask_to_frame(s.pub.mask, frame);
            s.box_frame = frame_box_of(frame, s.pub.mask);
            s.rows = d.instance_rows(s.mask_frame, s.box_frame);
            RoundState r;
            r.number = k;
            r.prompt = pr.prompt;
            r.model_text = text::render_references(pr.prompt);
            r.references = pr.references;
            r.time_ms = pr.time_ms;
            r.tokens = text::tokenize_round(
                d.tokenizer(), d.round_template(static_cast<std::size_t>(k - 1), r.model_text,
                                                r.references.size()));
            rounds.push_back(std::move(r));
        }
        // Commit.
        d.reset_conversation();
        d.rounds = std::move(rounds);
        d.instances = std::move(instances);
    } catch (const std::exception& e) {
        throw Error(std::string("restore conversation: ") + e.what());
    }
}

}  // namespace segllm::engine
