#include "core/engine/bench.h"

#include "core/common/error.h"
#include "core/engine/engine.h"
#include "core/image/mask.h"
#include "core/model/config.h"
#include "core/model/segllm.h"
#include "core/synth/conversation.h"
#include "core/synth/world_text.h"
#include "core/text/bpe_trainer.h"
#include "core/text/conversation.h"
#include "core/text/tokenizer.h"
#ifdef SEGLLM_HAVE_IMAGE_DECODE
#include "core/image/decode.h"
#endif

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <nlohmann/json.hpp>

// Defined by core/engine/CMakeLists.txt when LibTorch links c10_cuda (CPU-only LibTorch ships
// the header but not the library).
#ifdef SEGLLM_BENCH_CUDA_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <ftw.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

namespace segllm::engine {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    if (v.empty()) {
        return 0.0;
    }
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void say(const BenchOptions& options, const std::string& line) {
    if (options.log) {
        options.log(line);
    }
}

// Removes a folder and everything in it (symbolic links are removed, not followed); best
// effort. POSIX nftw rather than std::filesystem::remove_all: the libtorch.so of the PyTorch
// wheels exports its own copy of std::filesystem, whose remove_all of a non-empty folder jumps
// to address 0 when the program binds to it (seen on the GPU machines at the end of every
// `segllm bench` with random weights).
int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
    (void)::remove(path);
    return 0;
}

void remove_tree(const std::filesystem::path& path) {
    (void)::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

// A temporary folder removed when the object goes away.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               ("segllm-bench-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() { remove(); }
    void remove() {
        if (!path.empty()) {
            remove_tree(path);
            path.clear();
        }
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Trains a small BPE tokenizer on shapes-world text (see bench.h for why).
std::shared_ptr<const text::Tokenizer> train_tokenizer(const std::string& dir, std::uint64_t seed) {
    const std::string corpus = dir + "/corpus.txt";
    {
        std::ofstream out(corpus, std::ios::binary);
        out << text::vicuna_system_prompt() << "\nUSER: ASSISTANT:\n";
        for (const std::string& s : synth::world_coverage_sentences()) {
            out << s << "\n";
        }
        for (const std::string& s : synth::world_sentences(seed, 600)) {
            out << s << "\n";
        }
        if (!out) {
            throw Error("bench: cannot write the tokenizer corpus " + corpus);
        }
    }
    text::BpeTrainOptions options;
    options.vocab_size = 512;
    options.hard_vocab_limit = false;
    text::train_bpe(corpus, dir + "/tokenizer", options);
    return std::make_shared<const text::Tokenizer>(text::Tokenizer::load(dir));
}

// Nearest-neighbour enlargement (pixel replication) of a scene to the requested size.
RgbImage enlarge(const RgbImage& src, int width, int height) {
    if (src.width == width && src.height == height) {
        return src;
    }
    RgbImage out(width, height);
    for (int y = 0; y < height; ++y) {
        const int sy = static_cast<int>(static_cast<std::int64_t>(y) * src.height / height);
        for (int x = 0; x < width; ++x) {
            const int sx = static_cast<int>(static_cast<std::int64_t>(x) * src.width / width);
            const std::uint8_t* s = src.pixel(sx, sy);
            std::uint8_t* d = out.pixel(x, y);
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
    }
    return out;
}

// A conversation of exactly `rounds` rounds over a scene of at most 512 px a side whose size is
// width x height divided by a whole factor (enlarged to width x height by the callers).
synth::Conversation bench_conversation(std::uint64_t seed, int rounds, int width, int height) {
    const int factor =
        std::max(1, static_cast<int>(std::ceil(std::max(width, height) /
                                               static_cast<double>(synth::kMaxImageSide))));
    synth::SceneOptions scene_options;
    scene_options.width = std::max(synth::kMinImageSide, width / factor);
    scene_options.height = std::max(synth::kMinImageSide, height / factor);
    synth::ConversationOptions conv_options;
    conv_options.min_rounds = rounds;
    conv_options.max_rounds = rounds;
    return synth::generate_conversation(seed, scene_options, conv_options);
}

// Forces the device's queued work to finish (item() synchronises on CUDA).
void sync(const at::Tensor& t) {
    (void)t.flatten()[0].item<double>();
}

// Copy bandwidth of the device in GB/s (bytes read + written over the best time of 5 copies of
// a 256 MiB buffer).
double measure_bandwidth(const at::Device& device) {
    const std::int64_t n = 64LL * 1024 * 1024;  // f32 elements = 256 MiB
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
    at::Tensor src = at::ones({n}, opts);
    at::Tensor dst = at::empty({n}, opts);
    dst.copy_(src);
    sync(dst);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        dst.copy_(src);
        sync(dst);
        best = std::min(best, ms_since(start));
    }
    const double bytes = 2.0 * static_cast<double>(n) * 4.0;
    return bytes / (best * 1e-3) / 1e9;
}

// Matmul throughput in TFLOP/s in `dtype` (best of 3 square products).
double measure_matmul(const at::Device& device, at::ScalarType dtype) {
    const std::int64_t n = device.is_cuda() ? 8192 : 1024;
    const auto opts = at::TensorOptions().dtype(dtype).device(device);
    at::Tensor a = at::randn({n, n}, opts.dtype(at::kFloat)).to(dtype);
    at::Tensor b = at::randn({n, n}, opts.dtype(at::kFloat)).to(dtype);
    at::Tensor c = at::matmul(a, b);
    sync(c);
    double best = 1e30;
    for (int i = 0; i < 3; ++i) {
        const auto start = Clock::now();
        c = at::matmul(a, b);
        sync(c);
        best = std::min(best, ms_since(start));
    }
    const double flops = 2.0 * static_cast<double>(n) * n * n;
    return flops / (best * 1e-3) / 1e12;
}

void reset_gpu_peak(const at::Device& device) {
#ifdef SEGLLM_BENCH_CUDA_STATS
    if (device.is_cuda()) {
        c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
    }
#else
    (void)device;
#endif
}

double gpu_peak_mb(const at::Device& device) {
#ifdef SEGLLM_BENCH_CUDA_STATS
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(
            device.index() < 0 ? 0 : device.index());
        return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
    }
#else
    (void)device;
#endif
    return -1.0;
}

struct ModeRun {
    std::vector<std::vector<double>> total;  // [round][repeat]
    std::vector<std::vector<double>> llm;
    std::vector<std::vector<double>> prompt;
    std::vector<std::vector<double>> references;
    std::vector<std::vector<double>> decode;
    std::vector<std::vector<double>> mask;
    std::vector<std::int64_t> tokens;
    std::vector<std::int64_t> context;
    std::vector<std::int64_t> mask_area;
    std::vector<std::uint64_t> mask_hash;
};

std::uint64_t mask_fnv1a(const Mask& mask) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const std::uint8_t v : mask.data) {
        h = (h ^ (v != 0 ? 1U : 0U)) * 1099511628211ULL;
    }
    return h;
}

// Runs the prompts `repeats` times in one mode on an open session.
ModeRun run_mode(Session& session, const std::vector<synth::Round>& rounds, int repeats,
                 bool incremental, const BenchOptions& options) {
    SessionOptions so = session.options();
    so.incremental = incremental;
    session.set_options(so);
    ModeRun run;
    run.total.assign(rounds.size(), {});
    run.llm.assign(rounds.size(), {});
    run.prompt.assign(rounds.size(), {});
    run.references.assign(rounds.size(), {});
    run.decode.assign(rounds.size(), {});
    run.mask.assign(rounds.size(), {});
    run.tokens.assign(rounds.size(), 0);
    run.context.assign(rounds.size(), 0);
    run.mask_area.assign(rounds.size(), 0);
    run.mask_hash.assign(rounds.size(), 0);
    for (int r = 0; r < repeats; ++r) {
        session.clear();
        for (std::size_t k = 0; k < rounds.size(); ++k) {
            const auto start = Clock::now();
            const RoundResult result = session.ask(rounds[k].prompt);
            run.total[k].push_back(ms_since(start));
            run.llm[k].push_back(result.timings.llm_ms);
            run.prompt[k].push_back(result.timings.prompt_ms);
            run.references[k].push_back(result.timings.references_ms);
            run.decode[k].push_back(result.timings.decode_ms);
            run.mask[k].push_back(result.timings.mask_ms);
            run.tokens[k] = result.timings.tokens_run;
            run.context[k] = static_cast<std::int64_t>(session.conversation_tokens().size());
            run.mask_area[k] = mask_area(result.mask);
            run.mask_hash[k] = mask_fnv1a(result.mask);
        }
        say(options, std::string(incremental ? "incremental" : "recompute") + " repeat " +
                         std::to_string(r + 1) + "/" + std::to_string(repeats) + " done");
    }
    return run;
}

// Operator observer: counts every LibTorch operator and times the outermost ones (depth 0 on
// their thread) by name. Installed only while an OpProfile object lives.
class OpProfile {
public:
    OpProfile() {
        std::lock_guard<std::mutex> lock(mutex());
        data() = Data{};
        handle_ =
            at::addGlobalCallback(at::RecordFunctionCallback(&OpProfile::start, &OpProfile::end)
                                      .scopes({at::RecordScope::FUNCTION}));
    }
    ~OpProfile() { at::removeCallback(handle_); }
    OpProfile(const OpProfile&) = delete;
    OpProfile& operator=(const OpProfile&) = delete;

    // Operators run (any depth, outermost) since the last call.
    std::pair<std::int64_t, std::int64_t> take_counts() {
        std::lock_guard<std::mutex> lock(mutex());
        const std::pair<std::int64_t, std::int64_t> out{data().all, data().outer};
        data().all = 0;
        data().outer = 0;
        return out;
    }
    std::vector<BenchOpStat> stats() {
        std::lock_guard<std::mutex> lock(mutex());
        std::vector<BenchOpStat> out;
        for (const auto& [name, stat] : data().by_name) {
            out.push_back(stat);
            out.back().name = name;
        }
        std::sort(out.begin(), out.end(), [](const BenchOpStat& a, const BenchOpStat& b) {
            return a.outer_ms > b.outer_ms;
        });
        return out;
    }

private:
    struct Data {
        std::int64_t all = 0;
        std::int64_t outer = 0;
        std::map<std::string, BenchOpStat> by_name;
    };
    struct Context : at::ObserverContext {
        Clock::time_point start;
        bool outer = false;
    };
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static Data& data() {
        static Data d;
        return d;
    }
    static int& depth() {
        thread_local int d = 0;
        return d;
    }
    static std::unique_ptr<at::ObserverContext> start(const at::RecordFunction& fn) {
        auto context = std::make_unique<Context>();
        context->outer = depth()++ == 0;
        {
            std::lock_guard<std::mutex> lock(mutex());
            BenchOpStat& stat = data().by_name[fn.name()];
            ++stat.all_calls;
            ++data().all;
            if (context->outer) {
                ++stat.outer_calls;
                ++data().outer;
            }
        }
        context->start = Clock::now();
        return context;
    }
    static void end(const at::RecordFunction& fn, at::ObserverContext* base) {
        --depth();
        auto* context = static_cast<Context*>(base);
        if (context == nullptr || !context->outer) {
            return;
        }
        const double ms = ms_since(context->start);
        std::lock_guard<std::mutex> lock(mutex());
        data().by_name[fn.name()].outer_ms += ms;
    }

    at::CallbackHandle handle_ = 0;
};

}  // namespace

BenchScene make_bench_scene(std::uint64_t seed, int rounds, int width, int height) {
    if (rounds < 1 || rounds > synth::kMaxRounds) {
        throw Error("bench scene: rounds must lie in 1..8, got " + std::to_string(rounds));
    }
    if (width < synth::kMinImageSide || width > 4096 || height < synth::kMinImageSide ||
        height > 4096) {
        throw Error("bench scene: image size must lie in 96..4096, got " + std::to_string(width) +
                    "x" + std::to_string(height));
    }
    const synth::Conversation conversation = bench_conversation(seed, rounds, width, height);
    BenchScene scene;
    scene.image = enlarge(conversation.scene.image, width, height);
    for (const synth::Round& round : conversation.rounds) {
        scene.prompts.push_back(round.prompt);
    }
    return scene;
}

void write_random_model_folder(const std::string& preset, std::uint64_t seed,
                               const std::string& dir) {
    model::SegllmConfig config = model::segllm_preset(preset);
    TempDir tokenizer_dir;
    auto tokenizer = train_tokenizer(tokenizer_dir.path.string(), seed);
    config.llm.vocab_size = tokenizer->vocab_size();
    model::LoadOptions load;
    load.device = "cpu";
    const auto model = model::SegllmModel::random(config, seed, tokenizer, load);
    model::save_model_folder(*model, dir);
}

double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            double kb = 0.0;
            if (fields >> kb) {
                return kb / 1024.0;
            }
        }
    }
    return -1.0;
}

BenchReport run_bench(const BenchOptions& options) {
    if (options.rounds < 1 || options.rounds > synth::kMaxRounds) {
        throw Error("bench: rounds must lie in 1..8, got " + std::to_string(options.rounds));
    }
    if (options.repeats < 1) {
        throw Error("bench: repeats must be at least 1, got " + std::to_string(options.repeats));
    }
    if (options.image_file.empty() &&
        (options.width < synth::kMinImageSide || options.width > 4096 ||
         options.height < synth::kMinImageSide || options.height > 4096)) {
        throw Error("bench: image size must lie in 96..4096, got " + std::to_string(options.width) +
                    "x" + std::to_string(options.height));
    }
    if (options.model_dir.empty() && options.config.empty()) {
        throw Error("bench: give a model folder or a preset with random weights");
    }

    // The model.
    EngineOptions engine_options;
    engine_options.device = options.device;
    engine_options.dtype = options.dtype;
    engine_options.image_cache_size = 1;  // every timed open is a cache miss (unique keys)
    BenchReport report;
    TempDir tokenizer_dir;
    std::optional<Engine> engine;
    if (!options.model_dir.empty()) {
        say(options, "loading " + options.model_dir);
        engine = Engine::load(options.model_dir, engine_options);
        report.model = options.model_dir;
    } else {
        model::SegllmConfig config = model::segllm_preset(options.config);
        say(options, "training a small tokenizer for the random model");
        auto tokenizer = train_tokenizer(tokenizer_dir.path.string(), options.seed);
        config.llm.vocab_size = tokenizer->vocab_size();
        model::LoadOptions load;
        load.device = options.device;
        load.dtype = options.dtype;
        say(options, "building " + options.config + " with random weights (" + options.dtype +
                         ", vocab " + std::to_string(config.llm.vocab_size) + ")");
        const auto start = Clock::now();
        auto model = model::SegllmModel::random(config, options.seed, tokenizer, load);
        say(options, "model built in " + std::to_string(static_cast<int>(ms_since(start))) + " ms");
        engine = Engine::from_model(std::move(model), engine_options, "random " + options.config);
        report.model = "random " + options.config;
    }
    const model::SegllmModel& model = engine->model();
    const at::Device device = model.device();
    report.device = engine->info().device;
    report.dtype = options.dtype;
    report.repeats = options.repeats;
    report.threads = at::get_num_threads();

    // The image and the prompts: a conversation of exactly `rounds` rounds over a scene of at
    // most 512 px a side, enlarged to the requested size (the prompts only name shapes).
    const synth::Conversation conversation =
        bench_conversation(options.seed, options.rounds, options.width, options.height);
    RgbImage image;
    if (!options.image_file.empty()) {
#ifdef SEGLLM_HAVE_IMAGE_DECODE
        std::vector<double> decodes;
        for (int i = 0; i < std::max(options.repeats, 3); ++i) {
            const auto start = Clock::now();
            image = decode_image(options.image_file);
            decodes.push_back(ms_since(start));
        }
        report.decode_ms = median(decodes);
#else
        throw Error("bench: --image-file needs a build with image decoding (OpenCV)");
#endif
    } else {
        image = enlarge(conversation.scene.image, options.width, options.height);
    }
    report.image_width = image.width;
    report.image_height = image.height;

    reset_gpu_peak(device);
    std::optional<Session> open_session;
    open_session.emplace(*engine);
    Session& session = *open_session;
    // Warm-up: one open and one round in each mode.
    say(options, "warm-up");
    session.open_image(image, "bench-warmup");
    session.ask(conversation.rounds.front().prompt);
    {
        SessionOptions so = session.options();
        so.incremental = false;
        session.set_options(so);
        session.clear();
        session.ask(conversation.rounds.front().prompt);
    }

    // Image open: decode-free, both encoders and the caches; unique keys miss the cache.
    std::vector<double> opens;
    const int open_runs = std::max(options.repeats, 3);
    for (int i = 0; i < open_runs; ++i) {
        const auto start = Clock::now();
        session.open_image(image, "bench-open-" + std::to_string(i));
        opens.push_back(ms_since(start));
    }
    report.open_ms = median(opens);
    say(options, "image open: " + std::to_string(report.open_ms) + " ms (median of " +
                     std::to_string(open_runs) + ")");

    const ModeRun inc = run_mode(session, conversation.rounds, options.repeats, true, options);
    const ModeRun rec = run_mode(session, conversation.rounds, options.repeats, false, options);
    for (std::size_t k = 0; k < conversation.rounds.size(); ++k) {
        BenchRound round;
        round.round = static_cast<int>(k) + 1;
        round.references = static_cast<int>(conversation.rounds[k].references.size());
        round.incremental_ms = median(inc.total[k]);
        round.recompute_ms = median(rec.total[k]);
        round.incremental_llm_ms = median(inc.llm[k]);
        round.incremental_prompt_ms = median(inc.prompt[k]);
        round.incremental_references_ms = median(inc.references[k]);
        round.incremental_decode_ms = median(inc.decode[k]);
        round.incremental_mask_ms = median(inc.mask[k]);
        round.incremental_tokens = inc.tokens[k];
        round.recompute_tokens = rec.tokens[k];
        round.context_tokens = inc.context[k];
        round.mask_area = inc.mask_area[k];
        round.mask_hash = inc.mask_hash[k];
        report.rounds.push_back(round);
    }
    if (options.op_profile) {
        SessionOptions so = session.options();
        so.incremental = true;
        session.set_options(so);
        session.clear();
        OpProfile profile;
        for (const synth::Round& round : conversation.rounds) {
            (void)profile.take_counts();
            session.ask(round.prompt);
            const auto [all, outer] = profile.take_counts();
            report.round_ops.push_back(all);
            report.round_outer_ops.push_back(outer);
        }
        report.ops = profile.stats();
        report.has_op_profile = true;
        say(options, "operator profile done");
    }
    report.peak_rss_mb = peak_rss_mb();
    report.peak_gpu_mb = gpu_peak_mb(device);

    if (options.floor) {
        // The LLM decoder layers (+ final norm) are read once per round; the embedding table
        // is only gathered and lm_head is not applied, so both are left out.
        const model::LlamaConfig& llm = model.config().llm;
        const double layer_params =
            static_cast<double>(model::llama_parameter_count(llm)) -
            2.0 * static_cast<double>(llm.vocab_size) * static_cast<double>(llm.hidden_size);
        const double element = static_cast<double>(c10::elementSize(model.dtype()));
        say(options, "measuring bandwidth and matmul throughput");
        report.has_floor = true;
        report.weight_bytes = layer_params * element;
        report.bandwidth_gb_s = measure_bandwidth(device);
        say(options, "bandwidth: " + std::to_string(report.bandwidth_gb_s) + " GB/s");
        report.matmul_tflops = measure_matmul(device, model.dtype());
        say(options, "matmul: " + std::to_string(report.matmul_tflops) + " TFLOP/s");
        for (BenchRound& round : report.rounds) {
            // 2 FLOPs per weight per token, plus attention scores and weighted sum:
            // 4 * hidden per (query, key) pair per layer.
            const double t = static_cast<double>(round.incremental_tokens);
            const double ctx = static_cast<double>(round.context_tokens);
            const double prior = ctx - t;
            const double pairs = t * prior + t * (t + 1.0) / 2.0;
            round.floor_flops =
                2.0 * layer_params * t + 4.0 * static_cast<double>(llm.hidden_size) *
                                             static_cast<double>(llm.num_hidden_layers) * pairs;
            const double memory_ms = report.weight_bytes / (report.bandwidth_gb_s * 1e9) * 1e3;
            const double compute_ms = round.floor_flops / (report.matmul_tflops * 1e12) * 1e3;
            round.floor_ms = std::max(memory_ms, compute_ms);
        }
    }
    if (options.on_report) {
        options.on_report(report);
    }

    // Teardown, step by step in the log (a crash here is then placed exactly).
    open_session.reset();
    say(options, "session closed");
    engine.reset();
    say(options, "model released");
    tokenizer_dir.remove();
    say(options, "temporary files removed");
    return report;
}

std::string bench_report_json(const BenchReport& report) {
    nlohmann::json j;
    j["device"] = report.device;
    j["dtype"] = report.dtype;
    j["model"] = report.model;
    j["image"] = {report.image_width, report.image_height};
    j["repeats"] = report.repeats;
    j["threads"] = report.threads;
    j["open_ms"] = report.open_ms;
    j["decode_ms"] =
        report.decode_ms < 0.0 ? nlohmann::json(nullptr) : nlohmann::json(report.decode_ms);
    nlohmann::json rounds = nlohmann::json::array();
    for (const BenchRound& r : report.rounds) {
        nlohmann::json o;
        o["round"] = r.round;
        o["references"] = r.references;
        o["incremental_ms"] = r.incremental_ms;
        o["recompute_ms"] = r.recompute_ms;
        o["ratio"] = r.incremental_ms > 0.0 ? r.recompute_ms / r.incremental_ms : 0.0;
        o["incremental_llm_ms"] = r.incremental_llm_ms;
        o["incremental_stages_ms"] = {{"prompt", r.incremental_prompt_ms},
                                      {"references", r.incremental_references_ms},
                                      {"llm", r.incremental_llm_ms},
                                      {"decode", r.incremental_decode_ms},
                                      {"mask", r.incremental_mask_ms}};
        o["incremental_tokens"] = r.incremental_tokens;
        o["recompute_tokens"] = r.recompute_tokens;
        o["context_tokens"] = r.context_tokens;
        o["mask_area"] = r.mask_area;
        char hash[17];
        std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(r.mask_hash));
        o["mask_hash"] = hash;
        if (report.has_floor) {
            o["floor_ms"] = r.floor_ms;
            o["floor_flops"] = r.floor_flops;
            o["measured_over_floor"] = r.floor_ms > 0.0 ? r.incremental_ms / r.floor_ms : 0.0;
        }
        rounds.push_back(o);
    }
    j["rounds"] = rounds;
    if (report.has_op_profile) {
        nlohmann::json ops = nlohmann::json::array();
        for (const BenchOpStat& op : report.ops) {
            ops.push_back({{"name", op.name},
                           {"outer_calls", op.outer_calls},
                           {"outer_ms", op.outer_ms},
                           {"all_calls", op.all_calls}});
        }
        j["op_profile"] = {{"round_ops", report.round_ops},
                           {"round_outer_ops", report.round_outer_ops},
                           {"ops", ops}};
    }
    j["peak_rss_mb"] = report.peak_rss_mb;
    j["peak_gpu_mb"] =
        report.peak_gpu_mb < 0.0 ? nlohmann::json(nullptr) : nlohmann::json(report.peak_gpu_mb);
    if (report.has_floor) {
        j["weight_bytes"] = report.weight_bytes;
        j["bandwidth_gb_s"] = report.bandwidth_gb_s;
        j["matmul_tflops"] = report.matmul_tflops;
    }
    return j.dump(2) + "\n";
}

std::string bench_report_text(const BenchReport& report) {
    std::ostringstream out;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "model %s on %s (%s), image %dx%d, %d repeat(s), %d intra-op thread(s)\n",
                  report.model.c_str(), report.device.c_str(), report.dtype.c_str(),
                  report.image_width, report.image_height, report.repeats, report.threads);
    out << buf;
    std::snprintf(buf, sizeof buf, "image open (both encoders + caches): %.1f ms (median)\n",
                  report.open_ms);
    out << buf;
    if (report.decode_ms >= 0.0) {
        std::snprintf(buf, sizeof buf,
                      "image file decode: %.1f ms (median; open with decode: %.1f ms)\n",
                      report.decode_ms, report.decode_ms + report.open_ms);
        out << buf;
    }
    out << "round refs  tokens(inc/rec)  incremental_ms  recompute_ms  rec/inc";
    out << (report.has_floor ? "  floor_ms  measured/floor\n" : "\n");
    for (const BenchRound& r : report.rounds) {
        std::snprintf(buf, sizeof buf, "%5d %4d  %6lld/%-6lld  %14.1f  %12.1f  %7.2f", r.round,
                      r.references, static_cast<long long>(r.incremental_tokens),
                      static_cast<long long>(r.recompute_tokens), r.incremental_ms, r.recompute_ms,
                      r.incremental_ms > 0.0 ? r.recompute_ms / r.incremental_ms : 0.0);
        out << buf;
        if (report.has_floor) {
            std::snprintf(buf, sizeof buf, "  %8.1f  %14.1f", r.floor_ms,
                          r.floor_ms > 0.0 ? r.incremental_ms / r.floor_ms : 0.0);
            out << buf;
        }
        out << "\n";
    }
    out << "incremental stages (median ms): round  prompt  refs     llm  decode    mask\n";
    for (const BenchRound& r : report.rounds) {
        std::snprintf(buf, sizeof buf, "%36d %7.1f %5.1f %7.1f %7.1f %7.1f\n", r.round,
                      r.incremental_prompt_ms, r.incremental_references_ms, r.incremental_llm_ms,
                      r.incremental_decode_ms, r.incremental_mask_ms);
        out << buf;
    }
    out << "masks (incremental, area:fnv1a):";
    for (const BenchRound& r : report.rounds) {
        std::snprintf(buf, sizeof buf, " %lld:%016llx", static_cast<long long>(r.mask_area),
                      static_cast<unsigned long long>(r.mask_hash));
        out << buf;
    }
    out << "\n";
    if (report.has_op_profile) {
        out << "operator profile (one incremental conversation):\n  operators per round (all / "
               "outermost):";
        for (std::size_t i = 0; i < report.round_ops.size(); ++i) {
            std::snprintf(buf, sizeof buf, " %lld/%lld",
                          static_cast<long long>(report.round_ops[i]),
                          static_cast<long long>(report.round_outer_ops[i]));
            out << buf;
        }
        out << "\n  outermost operators by time:      name  calls      ms  (calls at any depth)\n";
        for (std::size_t i = 0; i < report.ops.size() && i < 25; ++i) {
            const BenchOpStat& op = report.ops[i];
            std::snprintf(buf, sizeof buf, "%40s %6lld %7.1f  (%lld)\n", op.name.c_str(),
                          static_cast<long long>(op.outer_calls), op.outer_ms,
                          static_cast<long long>(op.all_calls));
            out << buf;
        }
    }
    std::snprintf(buf, sizeof buf, "peak resident memory: %.0f MiB\n", report.peak_rss_mb);
    out << buf;
    if (report.peak_gpu_mb < 0.0) {
        out << "peak GPU memory: n/a\n";
    } else {
        std::snprintf(buf, sizeof buf, "peak GPU memory: %.0f MiB\n", report.peak_gpu_mb);
        out << buf;
    }
    if (report.has_floor) {
        std::snprintf(buf, sizeof buf,
                      "floor: %.2f GB of LLM weights per round, bandwidth %.1f GB/s, matmul "
                      "%.3f TFLOP/s\n",
                      report.weight_bytes / 1e9, report.bandwidth_gb_s, report.matmul_tflops);
        out << buf;
    }
    return out.str();
}

}  // namespace segllm::engine
