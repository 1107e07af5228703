#include "core/model/segllm.h"

#include "core/common/error.h"
#include "core/image/preprocess.h"
#include "core/model/mask_encode.h"
#include "core/model/projector.h"
#include "core/model/weight_loading.h"
#include "core/text/special_tokens.h"
#include "core/weights/checkpoint.h"
#include "core/weights/safetensors_writer.h"

#include <ATen/ATen.h>
#include <c10/core/DefaultDtype.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <utility>

namespace segllm::model {

namespace fs = std::filesystem;

struct SegllmModel::Impl {
    SegllmConfig config;
    LlavaLlamaForCausalLM net{nullptr};
    hipie::HipieSegmentator segmentator{nullptr};  // registered as net.model.segmentator
    std::shared_ptr<const text::Tokenizer> tokenizer;
    at::Device device{at::kCPU};
    at::ScalarType dtype = at::kFloat;
    std::int64_t video_id = -1;
};

namespace {

const std::string kSegmentatorPrefix = "model.segmentator.";

struct DeviceChoice {
    at::Device device{at::kCPU};
    std::string note;
};

DeviceChoice resolve_device(const std::string& name) {
    if (name == "cpu") {
        return {};
    }
    if (name == "auto" || name == "cuda" || name.rfind("cuda:", 0) == 0) {
        if (at::hasCUDA()) {
            return {name == "auto" || name == "cuda" ? at::Device(at::kCUDA, 0) : at::Device(name),
                    ""};
        }
        DeviceChoice cpu;
        cpu.note = "CUDA " + std::string(name == "auto" ? "is" : "was requested but is") +
                   " not available (this LibTorch build has no CUDA support or no CUDA device "
                   "was found); using the CPU";
        return cpu;
    }
    throw Error("unknown device '" + name + "' (expected auto, cpu or cuda)");
}

at::ScalarType resolve_dtype(const std::string& name) {
    if (name == "f32" || name == "float32") {
        return at::kFloat;
    }
    if (name == "bf16" || name == "bfloat16") {
        return at::kBFloat16;
    }
    if (name == "f16" || name == "float16") {
        return at::kHalf;
    }
    throw Error("unknown dtype '" + name + "' (expected f32, bf16 or f16)");
}

bool is_segmentator_key(const std::string& key) {
    return key.compare(0, kSegmentatorPrefix.size(), kSegmentatorPrefix) == 0;
}

// The dtype a module tensor is kept in (see LoadOptions).
at::ScalarType dtype_of_key(const std::string& key, at::ScalarType load_dtype) {
    return is_segmentator_key(key) ? at::kFloat : load_dtype;
}

// Builds the LLaMA side with the default dtype set to `dtype` (its small modules: norms, vision
// tower, projectors, LibTorch's default initialisation), and its large tensors as `init` says,
// so that a bf16/f16 model never holds a float32 copy of its weights. The default dtype is
// process-wide: constructions are serialised and the previous value restored.
LlavaLlamaForCausalLM build_llm(const SegllmConfig& config, at::ScalarType dtype,
                                const LlmInit& init) {
    if (dtype == at::kFloat) {
        return LlavaLlamaForCausalLM(config, init);
    }
    static std::mutex mutex;
    const std::lock_guard<std::mutex> lock(mutex);
    const caffe2::TypeMeta previous = c10::get_default_dtype();
    struct Restore {
        caffe2::TypeMeta previous;
        ~Restore() { c10::set_default_dtype(previous); }
    } restore{previous};
    c10::set_default_dtype(caffe2::TypeMeta::fromScalarType(dtype));
    try {
        return LlavaLlamaForCausalLM(config, init);
    } catch (const std::exception&) {
        // An initialiser without a kernel for this dtype: build in float32 and convert later.
        c10::set_default_dtype(previous);
        return LlavaLlamaForCausalLM(config, init);
    }
}

// `construct`: the default dtype while the small modules are built; `init`: the large tensors.
std::unique_ptr<SegllmModel::Impl> build(const SegllmConfig& config, at::ScalarType construct,
                                         const LlmInit& init) {
    auto impl = std::make_unique<SegllmModel::Impl>();
    impl->config = config;
    impl->net = build_llm(config, construct, init);
    impl->segmentator = hipie::HipieSegmentator(config.hipie);
    impl->net->model->register_module("segmentator", impl->segmentator);
    return impl;
}

// Moves every tensor of the model to its device and dtype (segmentator: float32).
void place(SegllmModel::Impl& impl) {
    at::NoGradGuard no_grad;
    for (auto& [key, tensor] : module_tensors(*impl.net)) {
        const at::ScalarType want = dtype_of_key(key, impl.dtype);
        if (tensor.scalar_type() != want || tensor.device() != impl.device) {
            tensor.set_data(tensor.to(impl.device, want));
        }
    }
}

std::int64_t video_id_of(const SegllmConfig& config, const text::Tokenizer* tokenizer) {
    if (tokenizer != nullptr) {
        return tokenizer->video_id();
    }
    // Without a tokenizer the 11 added tokens are the last ids of the vocabulary.
    const auto& added = text::added_tokens();
    const auto it = std::find(added.begin(), added.end(), "<video>");
    const auto index = static_cast<std::int64_t>(it - added.begin());
    const std::int64_t id = config.llm.vocab_size - static_cast<std::int64_t>(added.size()) + index;
    if (id < 0) {
        throw Error("model configuration: vocab_size " + std::to_string(config.llm.vocab_size) +
                    " is too small to hold the " + std::to_string(added.size()) + " SegLLM tokens");
    }
    return id;
}

void check_tokenizer(const text::Tokenizer& tokenizer, const SegllmConfig& config,
                     const std::string& config_source) {
    if (tokenizer.vocab_size() != config.llm.vocab_size) {
        throw Error("tokenizer " + tokenizer.model_path() + " has " +
                    std::to_string(tokenizer.vocab_size()) + " ids but " + config_source +
                    " says vocab_size " + std::to_string(config.llm.vocab_size));
    }
}

void check_cancel(const RunControl* control) {
    if (control != nullptr && control->cancel != nullptr && control->cancel->load()) {
        throw Cancelled();
    }
}

// The per-layer hook of a RunControl for the layer stack `stack` (empty without a control).
LayerHook layer_hook(const RunControl* control, const std::string& stack) {
    if (control == nullptr || (control->cancel == nullptr && !control->on_layer)) {
        return {};
    }
    return [control, stack](std::int64_t done, std::int64_t total) {
        if (control->on_layer) {
            control->on_layer(stack, done, total);
        }
        check_cancel(control);
    };
}

at::Tensor float_image_tensor(const FloatImage& image) {
    return at::from_blob(const_cast<float*>(image.data.data()),
                         {1, image.channels, image.height, image.width}, at::kFloat)
        .clone();
}

Mask mask_from_tensor(const at::Tensor& mask) {
    const at::Tensor bytes = mask.to(at::kCPU).to(at::kByte).contiguous();
    Mask out(static_cast<int>(bytes.size(1)), static_cast<int>(bytes.size(0)));
    std::memcpy(out.data.data(), bytes.data_ptr<std::uint8_t>(), out.data.size());
    return out;
}

// The frame mask and the original-size mask of one query, from one computation of its logits.
CandidateMasks query_masks(hipie::HipieSegmentatorImpl& segmentator,
                           const hipie::HipieDecodeOutput& out, std::int64_t query,
                           const ModelFrame& frame) {
    const double threshold = segmentator.config().mask_threshold;
    const at::Tensor logits =
        segmentator.candidate_logits(out, query).to(at::kCPU, at::kFloat).contiguous();
    const float* p = logits.data_ptr<float>();
    return {mask_from_tensor(logits.sigmoid() > threshold),
            mask_from_frame_logits(std::vector<float>(p, p + logits.numel()), frame, threshold)};
}

std::string name_list(const std::vector<std::string>& names, std::size_t limit = 10) {
    std::string s;
    for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
        s += (i == 0 ? "" : ", ") + names[i];
    }
    if (names.size() > limit) {
        s += ", ... (" + std::to_string(names.size() - limit) + " more)";
    }
    return s;
}

}  // namespace

SegllmModel::SegllmModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegllmModel::~SegllmModel() = default;

std::shared_ptr<SegllmModel> SegllmModel::load(const std::string& dir, const LoadOptions& options,
                                               LoadReport* report) {
    const auto step = [&](double fraction, const std::string& stage) {
        if (options.progress && !options.progress(fraction, stage)) {
            throw Error(dir + ": loading was cancelled (" + stage + ")");
        }
    };
    LoadReport local;
    LoadReport& r = report != nullptr ? *report : local;
    r = LoadReport{};

    step(0.0, "reading the configuration");
    if (!fs::is_directory(dir)) {
        throw Error(dir +
                    ": not a model folder (expected config.json, safetensors and "
                    "tokenizer.model in it)");
    }
    const std::string config_path = (fs::path(dir) / "config.json").string();
    SegllmConfig config = load_segllm_config(config_path);
    if (options.encode_scale != 0.0) {
        if (!encode_scale_in_range(options.encode_scale)) {
            throw Error("load model " + dir +
                        ": the mask/box-encode scale must lie in (0, 4], got " +
                        std::to_string(options.encode_scale));
        }
        config.projector.encode_scale = options.encode_scale;
    }
    const at::ScalarType dtype = resolve_dtype(options.dtype);
    const DeviceChoice device = resolve_device(options.device);
    r.device_used = device.device.str();
    r.device_note = device.note;

    step(0.01, "opening the checkpoint");
    const weights::Checkpoint checkpoint = weights::Checkpoint::open(dir);
    r.files = checkpoint.files();

    step(0.03, "building the model");
    // The decoder's large tensors are allocated on the device in the load dtype and left
    // uninitialised: every one of them is overwritten from the checkpoint below (a missing one
    // is an error above), so a 7B model needs neither host memory nor CPU time for them.
    LlmInit init;
    init.device = device.device;
    init.dtype = dtype;
    init.direct = true;
    init.uninitialised = true;
    std::unique_ptr<Impl> impl = build(config, dtype, init);
    impl->device = device.device;
    impl->dtype = dtype;
    r.parameter_counts = parameter_counts(*impl->net);

    step(0.05, "matching the checkpoint");
    const KeyMatch match = match_checkpoint(*impl->net, checkpoint);
    r.missing = match.missing;
    r.unexpected = match.unexpected;
    r.skipped = match.skipped;
    r.misshaped = match.misshaped;
    std::string problems;
    if (!match.missing.empty()) {
        problems +=
            std::to_string(match.missing.size()) + " tensors missing: " + name_list(match.missing);
    }
    if (!match.misshaped.empty()) {
        problems += std::string(problems.empty() ? "" : "; ") +
                    std::to_string(match.misshaped.size()) +
                    " tensors of the wrong shape: " + name_list(match.misshaped);
    }
    if (options.strict && !match.unexpected.empty()) {
        problems += std::string(problems.empty() ? "" : "; ") +
                    std::to_string(match.unexpected.size()) +
                    " unexpected tensors (strict): " + name_list(match.unexpected);
    }

    // The tokenizer comes from the same folder; its problems are reported with the tensors'.
    step(0.06, "reading the tokenizer");
    std::string tokenizer_problem;
    const fs::path spm = fs::path(dir) / "tokenizer.model";
    try {
        if (fs::exists(spm) || options.require_tokenizer) {
            if (!fs::exists(spm)) {
                throw Error(spm.string() +
                            ": missing (the tokenizer is read from the model folder)");
            }
            auto tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::load(dir));
            r.tokenizer_path = tokenizer->model_path();
            check_tokenizer(*tokenizer, config, config_path);
            impl->tokenizer = std::move(tokenizer);
        }
    } catch (const Error& e) {
        tokenizer_problem = e.what();
    }
    if (!problems.empty()) {
        throw Error(checkpoint.path() + " (" + name_list(checkpoint.files(), 3) +
                    "): cannot load the model: " + problems +
                    (tokenizer_problem.empty() ? "" : "; " + tokenizer_problem));
    }
    if (!tokenizer_problem.empty()) {
        throw Error(tokenizer_problem);
    }
    impl->video_id = video_id_of(config, impl->tokenizer.get());

    load_matched(
        *impl->net, checkpoint, match, impl->device,
        [dtype](const std::string& key) { return dtype_of_key(key, dtype); },
        [&](double f) {
            return !options.progress || options.progress(0.06 + 0.93 * f, "loading tensors");
        });
    step(0.99, "moving to the device");
    place(*impl);
    step(1.0, "done");
    return std::shared_ptr<SegllmModel>(new SegllmModel(std::move(impl)));
}

std::shared_ptr<SegllmModel> SegllmModel::random(const SegllmConfig& config, std::uint64_t seed,
                                                 std::shared_ptr<const text::Tokenizer> tokenizer,
                                                 const LoadOptions& options) {
    validate_config(config, "model configuration");
    if (tokenizer) {
        check_tokenizer(*tokenizer, config, "the model configuration");
    }
    const at::ScalarType dtype = resolve_dtype(options.dtype);
    const DeviceChoice device = resolve_device(options.device);
    at::manual_seed(seed);
    // float32 on the CPU: LibTorch's constructors, as always (the small rest is converted by
    // place()). Otherwise the decoder's large tensors are created and initialised directly on
    // the device in the target dtype (LlmInit::direct): a 7B bf16 model needs no float32 host
    // copy and its random numbers come from the device's generator.
    LlmInit init;
    init.device = device.device;
    init.dtype = dtype;
    init.direct = dtype != at::kFloat || !device.device.is_cpu();
    std::unique_ptr<Impl> impl = build(config, at::kFloat, init);
    impl->tokenizer = std::move(tokenizer);
    impl->device = device.device;
    impl->dtype = dtype;
    impl->video_id = video_id_of(config, impl->tokenizer.get());
    place(*impl);
    return std::shared_ptr<SegllmModel>(new SegllmModel(std::move(impl)));
}

const SegllmConfig& SegllmModel::config() const {
    return impl_->config;
}

const text::Tokenizer* SegllmModel::tokenizer() const {
    return impl_->tokenizer.get();
}

at::Device SegllmModel::device() const {
    return impl_->device;
}

at::ScalarType SegllmModel::dtype() const {
    return impl_->dtype;
}

torch::nn::Module& SegllmModel::root() {
    return *impl_->net;
}

const torch::nn::Module& SegllmModel::root() const {
    return *impl_->net;
}

ImageEncoding SegllmModel::encode_image(const RgbImage& image, const RunControl* control) const {
    if (image.empty()) {
        throw Error("encode_image: the image is empty");
    }
    check_cancel(control);
    at::NoGradGuard no_grad;
    Impl& m = *impl_;
    ImageEncoding enc;
    enc.frame =
        make_model_frame(image.width, image.height, static_cast<int>(m.config.hipie.input_side));
    enc.padded = hipie_resize_pad(image, enc.frame);
    const at::Tensor pixels = float_image_tensor(hipie_normalize(enc.padded)).to(m.device);
    enc.hipie = m.segmentator->encode_image(pixels);
    check_cancel(control);

    const at::Tensor clip =
        float_image_tensor(clip_preprocess(image, static_cast<int>(m.config.vision.image_size)))
            .to(m.device, m.dtype);
    const ClipVisionOutput vision =
        m.net->model->vision_tower->forward(clip, layer_hook(control, "clip"));
    enc.image_rows = m.net->model->mm_projector->forward(vision.patches)[0];
    return enc;
}

at::Tensor SegllmModel::mask_box_rows(const ImageEncoding& image, const Mask& mask_frame,
                                      const BoxF& box_frame) const {
    Impl& m = *impl_;
    const int side = static_cast<int>(m.config.hipie.input_side);
    if (mask_frame.width != side || mask_frame.height != side) {
        throw Error("mask_box_rows: the mask is " + std::to_string(mask_frame.width) + "x" +
                    std::to_string(mask_frame.height) + ", expected the " + std::to_string(side) +
                    "x" + std::to_string(side) + " padded frame");
    }
    at::NoGradGuard no_grad;
    const EncodeBox box =
        encode_box_from_prediction(box_frame.x0, box_frame.y0, box_frame.x1, box_frame.y1, side);
    const int clip_side = static_cast<int>(m.config.vision.image_size);
    RgbImage crop = mask_encode_crop(image.padded, mask_frame, box);
    if (crop.empty()) {
        crop = RgbImage(clip_side, clip_side);  // no pixels: a zero image, as the original
    }
    const at::Tensor clip =
        float_image_tensor(clip_preprocess(crop, clip_side)).to(m.device, m.dtype);
    const at::Tensor cls = m.net->model->vision_tower->forward(clip).cls;
    const at::Tensor video = embed({static_cast<int>(m.video_id)})[0];
    const double scale = m.config.projector.encode_scale;
    const at::Tensor mask_row = mask_encode_rows(m.net->model->mm_projector, video, cls, scale);
    const std::array<float, 4> v = box_encode_vector(box, side);
    const at::Tensor vec =
        at::tensor(std::vector<float>(v.begin(), v.end())).view({1, 4}).to(m.device, m.dtype);
    const at::Tensor box_row = box_encode_rows(m.net->model->mask_enc_head, video, vec, scale);
    return at::cat({mask_row, box_row}, 0);
}

at::Tensor SegllmModel::embed(const std::vector<int>& ids) const {
    const std::int64_t vocab = impl_->config.llm.vocab_size;
    for (const int id : ids) {
        if (id < 0 || id >= vocab) {
            throw Error("embed: token id " + std::to_string(id) + " is outside [0, " +
                        std::to_string(vocab) + ")");
        }
    }
    at::NoGradGuard no_grad;
    const at::Tensor t =
        at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).to(impl_->device);
    return impl_->net->model->embed(t);
}

LlamaOutput SegllmModel::forward(const at::Tensor& rows, KvCache* cache, bool with_logits,
                                 const RunControl* control) const {
    const std::int64_t hidden = impl_->config.llm.hidden_size;
    if (!rows.defined() || rows.dim() < 2 || rows.dim() > 3 || rows.size(-1) != hidden ||
        (rows.dim() == 3 && rows.size(0) != 1)) {
        throw Error("forward: expected rows [T, " + std::to_string(hidden) + "] or [1, T, " +
                    std::to_string(hidden) + "]");
    }
    at::NoGradGuard no_grad;
    const at::Tensor x =
        (rows.dim() == 2 ? rows.unsqueeze(0) : rows).to(impl_->device, impl_->dtype);
    check_cancel(control);
    return impl_->net->forward(x, cache, with_logits, {}, layer_hook(control, "llm"));
}

KvCache SegllmModel::make_cache() const {
    return KvCache(impl_->config.llm.num_hidden_layers);
}

SegDecode SegllmModel::decode_seg(const ImageEncoding& image, const at::Tensor& hidden) const {
    Impl& m = *impl_;
    const std::int64_t width = m.config.llm.hidden_size;
    if (!hidden.defined() || hidden.numel() != width) {
        throw Error("decode_seg: expected the hidden state [" + std::to_string(width) + "]");
    }
    at::NoGradGuard no_grad;
    const at::Tensor h = hidden.reshape({1, width}).to(m.device, m.dtype);
    const at::Tensor tokens =
        seg_tokens(m.net->model->segmentator_predictor, h, m.config.projector.seg_token_count)
            .to(at::kFloat);
    SegDecode out;
    out.decode = m.segmentator->decode(image.hipie, tokens);
    const hipie::HipieSelection& selection = out.decode.selection;
    out.candidates = selection.ranked;
    out.score = selection.chosen.score;
    out.box_frame = BoxF{selection.chosen.box[0], selection.chosen.box[1], selection.chosen.box[2],
                         selection.chosen.box[3]};
    CandidateMasks masks =
        query_masks(*m.segmentator, out.decode, selection.chosen.query, image.frame);
    out.mask_frame = std::move(masks.frame);
    out.mask = std::move(masks.image);
    return out;
}

CandidateMasks SegllmModel::candidate_masks(const SegDecode& seg, std::size_t rank,
                                            const ModelFrame& frame) const {
    if (rank >= seg.candidates.size()) {
        throw Error("candidate_masks: rank " + std::to_string(rank) + " is out of range (" +
                    std::to_string(seg.candidates.size()) + " candidates)");
    }
    at::NoGradGuard no_grad;
    return query_masks(*impl_->segmentator, seg.decode, seg.candidates[rank].query, frame);
}

void save_model_folder(const SegllmModel& model, const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw Error(dir + ": cannot create the folder: " + ec.message());
    }
    const fs::path config_path = fs::path(dir) / "config.json";
    {
        std::ofstream out(config_path, std::ios::binary | std::ios::trunc);
        out << segllm_config_to_json(model.config()) << "\n";
        out.flush();
        if (!out) {
            throw Error(config_path.string() + ": cannot write");
        }
    }
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& [key, tensor] : module_tensors(model.root())) {
        tensors.emplace_back(key, tensor.detach());
    }
    weights::write_safetensors((fs::path(dir) / "model.safetensors").string(), tensors,
                               {{"format", "pt"}});
    if (const text::Tokenizer* tokenizer = model.tokenizer()) {
        const fs::path source = tokenizer->model_path();
        const std::vector<std::pair<fs::path, fs::path>> copies = {
            {source, fs::path(dir) / "tokenizer.model"},
            {source.parent_path() / "tokenizer.json", fs::path(dir) / "tokenizer.json"}};
        for (const auto& [from, to] : copies) {
            if (!fs::exists(from) || (fs::exists(to) && fs::equivalent(from, to))) {
                continue;
            }
            fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
            if (ec) {
                throw Error(to.string() + ": cannot copy the tokenizer from " + from.string() +
                            ": " + ec.message());
            }
        }
    }
}

}  // namespace segllm::model
