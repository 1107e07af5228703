#include "core/train/trainer.h"

#include "core/common/error.h"
#include "core/image/preprocess.h"
#include "core/model/projector.h"
#include "core/synth/conversation.h"
#include "core/synth/random.h"
#include "core/synth/world.h"
#include "core/train/clip_pretrain.h"
#include "core/train/query_masks.h"
#include "core/train/world_tokenizer.h"
#include "core/weights/checkpoint.h"
#include "core/weights/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

namespace segllm::train {

namespace fs = std::filesystem;

namespace {

// Outputs of the grounding probe: box (4), colour logits, kind logits (shapes + dot).
const std::int64_t kProbeColours = static_cast<std::int64_t>(synth::all_colours().size());
const std::int64_t kProbeKinds = static_cast<std::int64_t>(synth::all_shapes().size()) + 1;
const std::int64_t kProbeOutputs = 4 + kProbeColours + kProbeKinds;

at::Tensor image_tensor(const FloatImage& image) {
    return at::from_blob(const_cast<float*>(image.data.data()),
                         {image.channels, image.height, image.width}, at::kFloat)
        .clone();
}

// A CPU tensor on `device` (itself, no copy, when that is the CPU).
at::Tensor on(const at::Tensor& cpu, const at::Device& device) {
    return device.is_cpu() ? cpu : cpu.to(device);
}

HipieTarget hipie_target(const FrameTarget& t, std::int64_t begin, std::int64_t end,
                         const at::Device& device) {
    HipieTarget g;
    g.box = on(at::tensor(std::vector<float>(t.box.begin(), t.box.end())), device);
    const auto n = static_cast<std::int64_t>(std::llround(std::sqrt(t.grid.size())));
    g.mask =
        on(at::from_blob(const_cast<float*>(t.grid.data()), {n, n}, at::kFloat).clone(), device);
    g.token_begin = begin;
    g.token_end = end;
    return g;
}

bool is_llm_parameter(const std::string& name) {
    for (const char* prefix : {"model.embed_tokens.", "model.layers.", "model.norm.", "lm_head."}) {
        if (name.rfind(prefix, 0) == 0) {
            return true;
        }
    }
    return false;
}

void write_text_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            throw Error("cannot write " + tmp);
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        throw Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
    }
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot read " + path);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// model

at::Device training_device(const std::string& name) {
    if (name == "cpu") {
        return at::Device(at::kCPU);
    }
    if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
        if (!at::hasCUDA()) {
            throw Error("trainer: device '" + name +
                        "' was requested but CUDA is not available (this LibTorch build has no "
                        "CUDA support or no CUDA device was found); use --device cpu");
        }
        try {
            return name == "cuda" ? at::Device(at::kCUDA, 0) : at::Device(name);
        } catch (const c10::Error&) {
            throw Error("trainer: '" + name + "' is not a device (expected cpu, cuda or cuda:N)");
        }
    }
    throw Error("trainer: unknown device '" + name + "' (expected cpu, cuda or cuda:N)");
}

std::vector<float> patch_centres(std::int64_t patches) {
    const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(patches)));
    if (side < 1 || side * side != patches) {
        throw Error("patch centres: " + std::to_string(patches) + " patches are not a square grid");
    }
    std::vector<float> centres;
    centres.reserve(static_cast<size_t>(2 * patches));
    for (std::int64_t k = 0; k < patches; ++k) {
        centres.push_back((static_cast<float>(k % side) + 0.5F) / static_cast<float>(side));
        centres.push_back((static_cast<float>(k / side) + 0.5F) / static_cast<float>(side));
    }
    return centres;
}

std::vector<std::int64_t> covered_patches(const Mask& frame_mask, const ModelFrame& frame,
                                          int clip_size, int grid) {
    if (frame_mask.width != frame.side || frame_mask.height != frame.side) {
        throw Error("covered patches: the mask is " + std::to_string(frame_mask.width) + "x" +
                    std::to_string(frame_mask.height) + ", the model frame " +
                    std::to_string(frame.side) + "x" + std::to_string(frame.side));
    }
    if (grid < 1 || clip_size < grid || frame.resized_w < 1 || frame.resized_h < 1) {
        throw Error("covered patches: a grid of " + std::to_string(grid) + " on a crop of " +
                    std::to_string(clip_size) + " px");
    }
    const auto [rw, rh] = clip_resized_size(frame.orig_w, frame.orig_h, clip_size);
    const double left = static_cast<double>((rw - clip_size) / 2);
    const double top = static_cast<double>((rh - clip_size) / 2);
    // frame pixel centre -> original image -> CLIP resize (the two scales compose) -> crop
    const double sx = static_cast<double>(rw) / frame.resized_w;
    const double sy = static_cast<double>(rh) / frame.resized_h;
    const double cell = static_cast<double>(clip_size) / grid;
    std::vector<int> counts(static_cast<size_t>(grid * grid), 0);
    for (int v = 0; v < frame.resized_h; ++v) {
        for (int u = 0; u < frame.resized_w; ++u) {
            if (frame_mask.data[static_cast<size_t>(v) * frame_mask.width + u] == 0) {
                continue;
            }
            const double x = (u + 0.5) * sx - left;
            const double y = (v + 0.5) * sy - top;
            if (x < 0 || y < 0 || x >= clip_size || y >= clip_size) {
                continue;
            }
            const int col = std::min(grid - 1, static_cast<int>(x / cell));
            const int row = std::min(grid - 1, static_cast<int>(y / cell));
            ++counts[static_cast<size_t>(row * grid + col)];
        }
    }
    const int fullest = *std::max_element(counts.begin(), counts.end());
    std::vector<std::int64_t> patches;
    for (size_t k = 0; k < counts.size(); ++k) {
        if (fullest > 0 && counts[k] * 10 >= fullest) {
            patches.push_back(static_cast<std::int64_t>(k));
        }
    }
    return patches;
}

std::vector<float> covered_image_rows(const TrainingSample& sample, const Mask& mask,
                                      const model::SegllmConfig& config, std::int64_t tokens) {
    const std::vector<std::int64_t> patches =
        covered_patches(mask, sample.frame, static_cast<int>(config.vision.image_size),
                        static_cast<int>(config.vision.image_size / config.vision.patch_size));
    if (patches.empty()) {
        return {};
    }
    std::vector<float> rows(static_cast<size_t>(tokens), 0.0F);
    for (std::int64_t p : patches) {
        rows[static_cast<size_t>(sample.image_positions[static_cast<size_t>(p)])] = 1.0F;
    }
    return rows;
}

static_assert(kWordForms == static_cast<std::int64_t>(synth::Form::same_shape) + 1,
              "the word probe names every expression form");
static_assert(kWordExtremes == static_cast<std::int64_t>(synth::Extreme::bottommost) + 1,
              "the word probe names every extreme");

float size_probe_target(const std::array<float, 4>& box) {
    constexpr float kFloor = 1.0F / 4096.0F;
    return std::log2(std::max(box[2], kFloor) * std::max(box[3], kFloor) * 25.0F);
}

std::int64_t position_cell(float cx, float cy, int cells) {
    if (cells <= 0) {
        return -1;
    }
    const auto index = [cells](float v) {
        return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(v * cells)), 0,
                                        cells - 1);
    };
    return index(cy) * cells + index(cx);
}

TrainingModel TrainingModel::create(const model::SegllmConfig& config, std::uint64_t seed,
                                    const at::Device& device, int probe_cells, bool patch_squares,
                                    bool size_probe, bool word_probe) {
    model::validate_config(config, "training configuration");
    if (probe_cells < 0 || probe_cells > kMaxProbeCells) {
        throw Error("trainer: probe position grid side " + std::to_string(probe_cells) +
                    " lies outside 0.." + std::to_string(kMaxProbeCells));
    }
    if (patch_squares && probe_cells == 0) {
        throw Error("trainer: the patch probe's squares need a position grid (probe cells 0)");
    }
    at::manual_seed(seed);
    TrainingModel m;
    m.config = config;
    m.root = model::LlavaLlamaForCausalLM(config);
    m.segmentator =
        m.root->model->register_module("segmentator", hipie::HipieSegmentator(config.hipie));
    m.probe_cells = probe_cells;
    m.patch_squares = patch_squares;
    const std::int64_t cells = static_cast<std::int64_t>(probe_cells) * probe_cells;
    m.grounding_probe = torch::nn::Linear(config.hipie.lang_dim, kProbeOutputs + cells);
    m.query_probe = torch::nn::Linear(config.hipie.d_model, kProbeColours + kProbeKinds + cells);
    if (probe_cells > 0) {
        m.patch_probe = torch::nn::Linear(config.llm.hidden_size, (patch_squares ? 4 : 2) + cells);
    }
    if (size_probe) {
        m.size_probe = torch::nn::Linear(config.hipie.d_model, 1);
        m.seg_size_probe = torch::nn::Linear(config.hipie.lang_dim, 1);
    }
    if (word_probe) {
        m.word_probe =
            torch::nn::Linear(config.llm.hidden_size, kWordForms + kWordSizes + kWordExtremes);
    }
    {
        // LLaMA's own initialisation (HF _init_weights, initializer_range 0.02) for the LLM and
        // the projectors instead of LibTorch's defaults: with N(0, 1) token embeddings the
        // residual stream of a from-scratch model is dominated by the current token's embedding
        // and the <seg> state hardly depends on the prompt or the image.
        at::NoGradGuard no_grad;
        for (const auto& p : m.root->named_parameters(true)) {
            const std::string& name = p.key();
            const bool llm_or_projector = is_llm_parameter(name) ||
                                          name.rfind("model.mm_projector.", 0) == 0 ||
                                          name.rfind("model.mask_enc_head.", 0) == 0 ||
                                          name.rfind("model.segmentator_predictor.", 0) == 0;
            if (!llm_or_projector || name.find("norm") != std::string::npos) {
                continue;
            }
            at::Tensor value = p.value();
            if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
                value.zero_();
            } else {
                value.normal_(0.0, 0.02);
            }
        }
    }
    m.device = device;
    if (!device.is_cpu()) {
        m.root->to(device);  // the segmentator is part of the tree
        m.grounding_probe->to(device);
        m.query_probe->to(device);
        if (m.patch_probe) {
            m.patch_probe->to(device);
        }
        if (m.size_probe) {
            m.size_probe->to(device);
            m.seg_size_probe->to(device);
        }
        if (m.word_probe) {
            m.word_probe->to(device);
        }
    }
    return m;
}

std::vector<std::pair<std::string, torch::nn::Module*>> TrainingModel::probes() const {
    std::vector<std::pair<std::string, torch::nn::Module*>> out = {
        {"grounding_probe", grounding_probe.ptr().get()}, {"query_probe", query_probe.ptr().get()}};
    if (patch_probe) {
        out.emplace_back("patch_probe", patch_probe.ptr().get());
    }
    if (size_probe) {
        out.emplace_back("size_probe", size_probe.ptr().get());
        out.emplace_back("seg_size_probe", seg_size_probe.ptr().get());
    }
    if (word_probe) {
        out.emplace_back("word_probe", word_probe.ptr().get());
    }
    return out;
}

std::vector<std::pair<std::string, at::Tensor>> TrainingModel::named_tensors() const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : root->named_parameters(true)) {
        out.emplace_back(p.key(), p.value());
    }
    for (const auto& b : root->named_buffers(true)) {
        out.emplace_back(b.key(), b.value());
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

namespace {

// A module's parameters with their names (relative to the module).
std::vector<std::pair<std::string, at::Tensor>> parameters_of(const torch::nn::Module& module) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : module.named_parameters(true)) {
        out.emplace_back(p.key(), p.value());
    }
    return out;
}

// Copies the tensors of a safetensors file into `named` by name; throws naming the file and the
// tensor for a missing name or a shape mismatch.
void copy_from_file(const std::vector<std::pair<std::string, at::Tensor>>& named,
                    const std::string& safetensors_path,
                    const std::function<bool(const std::string&)>& skip = {}) {
    const weights::Checkpoint ckpt = weights::Checkpoint::open(safetensors_path);
    at::NoGradGuard no_grad;
    for (const auto& [name, tensor] : named) {
        if (skip && skip(name)) {
            continue;
        }
        if (!ckpt.contains(name)) {
            throw Error(safetensors_path + ": missing tensor '" + name + "'");
        }
        const at::Tensor value = ckpt.tensor(name, tensor.scalar_type());
        if (!value.sizes().equals(tensor.sizes())) {
            std::ostringstream s;
            s << safetensors_path << ": tensor '" << name << "' has shape " << value.sizes()
              << ", the model expects " << tensor.sizes();
            throw Error(s.str());
        }
        at::Tensor target = tensor;
        target.copy_(value);
    }
}

}  // namespace

void load_model_weights(TrainingModel& model, const std::string& safetensors_path) {
    copy_from_file(model.named_tensors(), safetensors_path);
}

namespace {

// The LLM decoder layer a tensor name belongs to ("model.layers.N...."), or -1.
std::int64_t llm_layer_of(const std::string& name) {
    static const std::string prefix = "model.layers.";
    if (name.rfind(prefix, 0) != 0) {
        return -1;
    }
    const size_t dot = name.find('.', prefix.size());
    if (dot == std::string::npos) {
        return -1;
    }
    return std::stoll(name.substr(prefix.size(), dot - prefix.size()));
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void load_model_weights_grown(TrainingModel& model, const std::string& safetensors_path,
                              std::int64_t loaded_layers) {
    const auto named = model.named_tensors();
    const auto is_new = [loaded_layers](const std::string& name) {
        return llm_layer_of(name) >= loaded_layers;
    };
    copy_from_file(named, safetensors_path, is_new);
    at::NoGradGuard no_grad;
    for (const auto& [name, tensor] : named) {
        if (is_new(name) && (ends_with(name, ".self_attn.o_proj.weight") ||
                             ends_with(name, ".mlp.down_proj.weight"))) {
            at::Tensor target = tensor;
            target.zero_();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// loss

BatchForward forward_batch(TrainingModel& m, const std::vector<TrainingSample>& batch,
                           bool with_logits) {
    if (batch.empty()) {
        throw Error("training loss: empty batch");
    }
    const model::SegllmConfig& cfg = m.config;
    auto& llm = m.root->model;
    const auto b = static_cast<std::int64_t>(batch.size());
    std::int64_t t = 0;
    for (const TrainingSample& s : batch) {
        t = std::max<std::int64_t>(t, static_cast<std::int64_t>(s.input_ids.size()));
    }
    if (t > cfg.llm.max_position_embeddings) {
        throw Error("training loss: a sample has " + std::to_string(t) +
                    " tokens, more than max_position_embeddings " +
                    std::to_string(cfg.llm.max_position_embeddings));
    }
    // Right padding with id 0 (LLaMA's unk = pad); causal attention never lets a real token see
    // the padding.
    at::Tensor ids = at::zeros({b, t}, at::kLong);
    at::Tensor labels = at::full({b, t}, kIgnoreLabel, at::kLong);
    {
        auto ia = ids.accessor<std::int64_t, 2>();
        auto la = labels.accessor<std::int64_t, 2>();
        for (std::int64_t i = 0; i < b; ++i) {
            const TrainingSample& s = batch[static_cast<size_t>(i)];
            for (size_t p = 0; p < s.input_ids.size(); ++p) {
                const int id = s.input_ids[p];
                if (id < 0 || id >= cfg.llm.vocab_size) {
                    throw Error("training loss: token id " + std::to_string(id) +
                                " is outside the vocabulary of " +
                                std::to_string(cfg.llm.vocab_size));
                }
                ia[i][static_cast<std::int64_t>(p)] = id;
                la[i][static_cast<std::int64_t>(p)] = s.labels[p];
            }
        }
    }
    const at::Device dev = m.device;
    ids = on(ids, dev);
    labels = on(labels, dev);
    const std::int64_t hidden = cfg.llm.hidden_size;
    const at::Tensor embeds = llm->embed(ids);  // [B, T, H]

    // CLIP on the whole images and on every mask-encode crop, in one batch.
    std::vector<at::Tensor> pixels;
    std::vector<float> mask_keep, box_keep, boxes;
    std::vector<std::int64_t> image_index, mask_index, box_index;
    for (std::int64_t i = 0; i < b; ++i) {
        const TrainingSample& s = batch[static_cast<size_t>(i)];
        if (static_cast<std::int64_t>(s.image_positions.size()) != cfg.vision.num_patches()) {
            throw Error("training loss: a sample has " + std::to_string(s.image_positions.size()) +
                        " image rows, the vision tower gives " +
                        std::to_string(cfg.vision.num_patches()));
        }
        pixels.push_back(image_tensor(s.clip_image));
        for (int p : s.image_positions) {
            image_index.push_back(i * t + p);
        }
    }
    for (std::int64_t i = 0; i < b; ++i) {
        for (const EncodeInput& e : batch[static_cast<size_t>(i)].encodes) {
            pixels.push_back(image_tensor(e.crop));
            mask_keep.push_back(e.mask_keep);
            box_keep.push_back(e.box_keep);
            boxes.insert(boxes.end(), e.box.begin(), e.box.end());
            mask_index.push_back(i * t + e.mask_position);
            box_index.push_back(i * t + e.box_position);
        }
    }
    BatchForward f;
    f.tokens = t;
    f.labels = labels;
    f.vision = llm->vision_tower(on(at::stack(pixels, 0), dev));
    const model::ClipVisionOutput& vision = f.vision;
    std::vector<at::Tensor> rows = {
        llm->mm_projector->forward(vision.patches.narrow(0, 0, b)).reshape({-1, hidden})};
    f.image_rows = rows[0];
    std::vector<std::int64_t> index = image_index;
    const auto e = static_cast<std::int64_t>(mask_keep.size());
    if (e > 0) {
        const at::Tensor mk = on(at::tensor(mask_keep).view({e, 1}), dev);
        const at::Tensor bk = on(at::tensor(box_keep).view({e, 1}), dev);
        rows.push_back(llm->mm_projector->forward(vision.cls.narrow(0, b, e)) * mk);
        rows.push_back(llm->mask_enc_head->forward(on(at::tensor(boxes).view({e, 4}), dev)) * bk);
        index.insert(index.end(), mask_index.begin(), mask_index.end());
        index.insert(index.end(), box_index.begin(), box_index.end());
    }
    const at::Tensor added =
        at::zeros({b * t, hidden}, embeds.options())
            .index_add(0, on(at::tensor(index, at::TensorOptions().dtype(at::kLong)), dev),
                       at::cat(rows, 0));
    // Only the decoder layers the supervised looks need (one, or all when they differ).
    const bool looks = m.attend_weight > 0, word_look = m.attend_word_weight > 0;
    std::vector<std::int64_t> layers;
    if (looks) {
        layers = {m.attend_layer, m.attend_reference_layer};
    }
    if (word_look) {
        layers.push_back(m.attend_word_layer);
    }
    model::AttentionCapture capture;  // every layer unless one is enough
    if (!layers.empty() && std::all_of(layers.begin(), layers.end(),
                                       [&](std::int64_t l) { return l == layers.front(); })) {
        capture.layer = layers.front();
    }
    std::optional<model::AttentionCaptureScope> scope;
    if (!layers.empty()) {
        scope.emplace(&capture);
    }
    f.out = m.root->forward(embeds + added.view({b, t, hidden}), nullptr, with_logits);
    if (looks) {
        f.attention = capture.probs.at(static_cast<size_t>(m.attend_layer));
        f.reference_attention = capture.probs.at(static_cast<size_t>(m.attend_reference_layer));
    }
    if (word_look) {
        f.word_attention = capture.probs.at(static_cast<size_t>(m.attend_word_layer));
    }
    return f;
}

at::Tensor training_loss(TrainingModel& m, const std::vector<TrainingSample>& batch,
                         const HipieLossWeights& w, LossBreakdown* breakdown,
                         double grounding_weight, bool detach_seg_for_hipie, bool with_hipie) {
    const BatchForward f = forward_batch(m, batch, true);
    const model::SegllmConfig& cfg = m.config;
    auto& llm = m.root->model;
    const auto b = static_cast<std::int64_t>(batch.size());
    const std::int64_t t = f.tokens;
    const at::Device dev = m.device;
    const model::LlamaOutput& out = f.out;
    at::Tensor patch_probe_loss;
    if (grounding_weight > 0 && m.patch_probe) {
        // Where each image row's patch lies: centre (x, y) in 0..1 by L1 (with patch_squares
        // also x^2, y^2), and its cell.
        const std::int64_t patches = cfg.vision.num_patches();
        const std::vector<float> centres = patch_centres(patches);
        const std::int64_t targets = m.patch_squares ? 4 : 2;
        std::vector<std::int64_t> cells;
        for (std::int64_t k = 0; k < patches; ++k) {
            cells.push_back(position_cell(centres[static_cast<size_t>(2 * k)],
                                          centres[static_cast<size_t>(2 * k + 1)], m.probe_cells));
        }
        // [b * patches, targets + G*G]
        const at::Tensor pred = m.patch_probe->forward(f.image_rows);
        at::Tensor xy = at::tensor(centres).view({patches, 2});
        if (m.patch_squares) {
            xy = at::cat({xy, xy * xy}, 1);
        }
        xy = on(xy.unsqueeze(0), dev).expand({b, patches, targets}).reshape({-1, targets});
        const at::Tensor cell =
            on(at::tensor(cells, at::TensorOptions().dtype(at::kLong)), dev).repeat({b});
        patch_probe_loss =
            (pred.narrow(1, 0, targets).sigmoid() - xy).abs().sum(1).mean() +
            at::cross_entropy_loss(pred.narrow(1, targets, pred.size(1) - targets), cell);
    }
    const std::int64_t vocab = out.logits.size(-1);
    const at::Tensor lm = at::cross_entropy_loss(
        out.logits.narrow(1, 0, t - 1).reshape({-1, vocab}),
        f.labels.narrow(1, 1, t - 1).reshape({-1}), {}, at::Reduction::Mean, kIgnoreLabel);

    // Every <seg>: hidden state before <seg> -> 8 language tokens. The grounding probe reads
    // all of them (it is cheap); the HIPIE losses only the supervised ones (max_mask_rounds per
    // conversation, as hipie.yaml).
    std::vector<at::Tensor> states;
    std::vector<std::pair<std::int64_t, const SegSample*>> segs;
    for (std::int64_t i = 0; i < b; ++i) {
        for (const SegSample& sg : batch[static_cast<size_t>(i)].segs) {
            states.push_back(out.hidden_states[i][sg.position - 1]);
            segs.emplace_back(i, &sg);
        }
    }
    LossBreakdown bd;
    at::Tensor total = lm;
    bd.lm = lm.item<double>();
    if (patch_probe_loss.defined()) {
        total = total + grounding_weight * m.patch_probe_weight * patch_probe_loss;
        bd.patch_probe = patch_probe_loss.item<double>();
    }
    if (m.attend_weight > 0 && f.attention.defined()) {
        // At the state before each <seg> of decoder layer attend_layer: head 0 on the answer's
        // image rows, head 1 on those of the instance [k] names.
        const std::int64_t heads = f.attention.size(1);
        // Answer terms (head 0, layer attend_layer) and [k] terms (head 1): the row of the
        // flattened [B * heads * T, T] probabilities and the wanted keys.
        std::vector<std::int64_t> rows, reference_rows;
        std::vector<float> keys, reference_keys;
        const auto add = [&](std::int64_t row, const TrainingSample& s, const Mask& mask,
                             std::vector<std::int64_t>* rows_out, std::vector<float>* keys_out) {
            const std::vector<float> wanted = covered_image_rows(s, mask, cfg, t);
            if (!wanted.empty()) {  // empty: outside the CLIP crop of a long image
                rows_out->push_back(row);
                keys_out->insert(keys_out->end(), wanted.begin(), wanted.end());
            }
        };
        for (std::int64_t i = 0; i < b; ++i) {
            const TrainingSample& s = batch[static_cast<size_t>(i)];
            for (const SegSample& sg : s.segs) {
                const std::int64_t query = sg.position - 1;
                add(i * heads * t + query, s, sg.target.mask, &rows, &keys);
                if (sg.has_reference && heads > 1) {
                    add((i * heads + 1) * t + query, s, sg.reference.mask, &reference_rows,
                        &reference_keys);
                }
            }
        }
        const auto masses = [&](const at::Tensor& probs, const std::vector<std::int64_t>& r,
                                const std::vector<float>& k) {
            const auto n = static_cast<std::int64_t>(r.size());
            const at::Tensor picked =
                probs.reshape({-1, probs.size(-1)}).index_select(0, on(at::tensor(r), dev));
            return (picked * on(at::tensor(k).view({n, t}), dev)).sum(1);
        };
        std::vector<at::Tensor> parts;
        if (!rows.empty()) {
            parts.push_back(masses(f.attention, rows, keys));
        }
        if (!reference_rows.empty()) {
            parts.push_back(masses(f.reference_attention, reference_rows, reference_keys));
        }
        if (!parts.empty()) {
            const at::Tensor mass = at::cat(parts, 0);
            const at::Tensor attend = -(mass + 1e-6).log().mean();
            total = total + m.attend_weight * attend;
            bd.attend = attend.item<double>();
            bd.attend_mass = mass.mean().item<double>();
        }
    }
    if (m.attend_word_weight > 0 && f.word_attention.defined()) {
        // The last head of attend_word_layer, at the state before each <seg>, on its round's
        // deciding word.
        const std::int64_t heads = f.word_attention.size(1);
        std::vector<std::int64_t> cells;  // flattened [B, heads, T, T] index of (row, word)
        for (std::int64_t i = 0; i < b; ++i) {
            for (const SegSample& sg : batch[static_cast<size_t>(i)].segs) {
                if (sg.word_position >= 0) {
                    cells.push_back((((i * heads) + heads - 1) * t + sg.position - 1) * t +
                                    sg.word_position);
                }
            }
        }
        if (!cells.empty()) {
            const at::Tensor mass =
                f.word_attention.reshape({-1}).index_select(0, on(at::tensor(cells), dev));
            const at::Tensor look = -(mass + 1e-6).log().mean();
            total = total + m.attend_word_weight * look;
            bd.attend_word = look.item<double>();
            bd.attend_word_mass = mass.mean().item<double>();
        }
    }
    if (!segs.empty()) {
        const at::Tensor tokens = model::seg_tokens(
            llm->segmentator_predictor, at::stack(states, 0), cfg.projector.seg_token_count);
        const at::Tensor seg_l2 = 1e-3 * tokens.pow(2).mean();
        int targets = 0;
        for (const auto& [i, sg] : segs) {
            if (sg->supervised) {
                targets += sg->has_reference ? 2 : 1;
            }
        }
        const double n = static_cast<double>(std::max(targets, 1));
        total = total + seg_l2;
        bd.seg_l2 = seg_l2.item<double>();
        if (m.word_probe && m.word_probe_weight > 0) {
            // The expression's words from the state the <seg> tokens are made of: its form, and
            // the size word or the extreme where it has one (-1: none, ignored).
            std::vector<std::int64_t> forms, sizes, extremes;
            for (const auto& [i, sg] : segs) {
                forms.push_back(sg->form);
                sizes.push_back(sg->size_word);
                extremes.push_back(sg->extreme);
            }
            const auto longs = at::TensorOptions().dtype(at::kLong);
            const at::Tensor logits = m.word_probe->forward(at::stack(states, 0));
            const auto term = [&](std::int64_t from, std::int64_t count,
                                  const std::vector<std::int64_t>& truth) {
                return at::cross_entropy_loss(logits.narrow(1, from, count),
                                              on(at::tensor(truth, longs), dev), {},
                                              at::Reduction::Sum, -1);
            };
            const at::Tensor words =
                (term(0, kWordForms, forms) + term(kWordForms, kWordSizes, sizes) +
                 term(kWordForms + kWordSizes, kWordExtremes, extremes)) /
                static_cast<double>(segs.size());
            total = total + m.word_probe_weight * words;
            bd.word_probe = words.item<double>();
        }
        bd.targets = targets;
        const std::int64_t lang = cfg.hipie.lang_tokens, half = lang / 2;
        if (with_hipie) {
            const at::TensorOptions f32 = at::TensorOptions().dtype(at::kFloat).device(dev);
            HipieLossTerms layers = HipieLossTerms::zeros(f32);
            HipieLossTerms proposals = HipieLossTerms::zeros(f32);
            // For the query probes: each matched query's features (every decoder layer) and
            // the object its target names.
            const bool query_probe_on = grounding_weight > 0 && m.query_probe;
            const bool size_probe_on = m.size_probe && m.size_probe_weight > 0;
            std::vector<at::Tensor> matched_rows;
            std::vector<const FrameTarget*> matched_objects;
            // Every supervised <seg> of the batch in one batched decode; each image is encoded
            // once (std::map keeps the addresses of its elements).
            std::map<std::int64_t, hipie::HipieImageFeatures> features;
            std::vector<std::int64_t> supervised;
            std::vector<const hipie::HipieImageFeatures*> images;
            for (size_t k = 0; k < segs.size(); ++k) {
                const auto& [i, sg] = segs[k];
                if (!sg->supervised) {
                    continue;
                }
                if (features.count(i) == 0) {
                    features[i] = m.segmentator->encode_image(
                        on(image_tensor(batch[static_cast<size_t>(i)].hipie_image), dev)
                            .unsqueeze(0));
                }
                supervised.push_back(static_cast<std::int64_t>(k));
                images.push_back(&features[i]);
            }
            std::vector<hipie::HipieTrainOutput> decoded;
            if (!supervised.empty()) {
                const at::Tensor chosen = tokens.index_select(
                    0, on(at::tensor(supervised, at::TensorOptions().dtype(at::kLong)), dev));
                decoded = m.segmentator->decode_for_training_batch(
                    images, detach_seg_for_hipie ? chosen.detach() : chosen);
            }
            for (size_t d = 0; d < supervised.size(); ++d) {
                const SegSample* sg = segs[static_cast<size_t>(supervised[d])].second;
                std::vector<HipieTarget> gt;
                if (sg->has_reference) {
                    gt.push_back(hipie_target(sg->reference, 0, half, dev));
                }
                gt.push_back(hipie_target(sg->target, half, lang, dev));
                if (w.loss_select_rival > 0 && !sg->rivals.empty()) {
                    std::vector<float> flat;
                    for (const auto& box : sg->rivals) {
                        flat.insert(flat.end(), box.begin(), box.end());
                    }
                    gt.back().rivals =
                        on(at::tensor(flat).view({static_cast<std::int64_t>(sg->rivals.size()), 4}),
                           dev);
                }
                // The objects the targets name, in the targets' order (for the query probes).
                std::vector<const FrameTarget*> named;
                if (sg->has_reference) {
                    named.push_back(&sg->reference);
                }
                named.push_back(&sg->target);
                const hipie::HipieTrainOutput& tr = decoded[d];
                for (const hipie::HipieLayerOutputs& layer : tr.layers) {
                    HipieLayerPrediction pred;
                    pred.logits = layer.logits;
                    pred.boxes = layer.boxes;
                    pred.ious = layer.ious;
                    pred.masks = query_mask_logits(*m.segmentator, tr.mask_features,
                                                   layer.query_features, layer.mask_reference);
                    const std::vector<std::int64_t> matched = match_queries(pred, gt, w);
                    layers = layers + layer_loss(pred, gt, matched, w);
                    if (query_probe_on || size_probe_on) {
                        for (size_t j = 0; j < named.size(); ++j) {
                            matched_rows.push_back(layer.query_features[matched[j]]);
                            matched_objects.push_back(named[j]);
                        }
                    }
                }
                proposals = proposals + proposal_loss(tr.proposal_logits, tr.proposal_boxes, gt, w);
            }
            total = total + (layers.weighted(w) + proposals.weighted(w)) / n;
            const at::Tensor matched_features =
                matched_rows.empty() ? at::Tensor() : at::stack(matched_rows, 0);
            if (query_probe_on && matched_features.defined()) {
                // Colour and kind of each matched query's object (every decoder layer), by
                // cross-entropy (-1: unknown, ignored), per target like the HIPIE terms.
                std::vector<std::int64_t> probe_colours, probe_kinds, probe_cells;
                for (const FrameTarget* ft : matched_objects) {
                    probe_colours.push_back(ft->colour);
                    probe_kinds.push_back(ft->kind);
                    probe_cells.push_back(position_cell(ft->box[0], ft->box[1], m.probe_cells));
                }
                const auto longs = at::TensorOptions().dtype(at::kLong);
                const at::Tensor logits = m.query_probe->forward(matched_features);
                at::Tensor ce = at::cross_entropy_loss(logits.narrow(1, 0, kProbeColours),
                                                       on(at::tensor(probe_colours, longs), dev),
                                                       {}, at::Reduction::Sum, -1) +
                                at::cross_entropy_loss(logits.narrow(1, kProbeColours, kProbeKinds),
                                                       on(at::tensor(probe_kinds, longs), dev), {},
                                                       at::Reduction::Sum, -1);
                if (m.probe_cells > 0) {
                    // Where the object lies: its cell of the position grid.
                    ce = ce + at::cross_entropy_loss(
                                  logits.narrow(1, kProbeColours + kProbeKinds,
                                                logits.size(1) - kProbeColours - kProbeKinds),
                                  on(at::tensor(probe_cells, longs), dev), {}, at::Reduction::Sum,
                                  -1);
                }
                const at::Tensor query_probe = ce / n;
                total = total + grounding_weight * query_probe;
                bd.query_probe = query_probe.item<double>();
            }
            if (size_probe_on && matched_features.defined()) {
                // How large each matched query's object is (every decoder layer), by L1.
                std::vector<float> size_targets;
                for (const FrameTarget* ft : matched_objects) {
                    size_targets.push_back(size_probe_target(ft->box));
                }
                const at::Tensor predicted = m.size_probe->forward(matched_features).squeeze(1);
                const at::Tensor size_probe =
                    (predicted - on(at::tensor(size_targets), dev)).abs().sum() / n;
                total = total + m.size_probe_weight * size_probe;
                bd.size_probe = size_probe.item<double>();
            }
            bd.cls = layers.cls.item<double>() / n;
            bd.l1 = layers.l1.item<double>() / n;
            bd.giou = layers.giou.item<double>() / n;
            bd.mask = layers.mask.item<double>() / n;
            bd.dice = layers.dice.item<double>() / n;
            bd.iou = layers.iou.item<double>() / n;
            bd.select = layers.select.item<double>() / n;
            bd.select_pair = layers.select_pair.item<double>() / n;
            bd.select_rival = layers.select_rival.item<double>() / n;
            bd.proposal = proposals.weighted(w).item<double>() / n;
        }
        const bool grounding_on = grounding_weight > 0 && m.grounding_probe;
        const bool seg_size_on = m.seg_size_probe && m.size_probe_weight > 0;
        // The mean of each half of the language tokens and the object it names (the probes on
        // the <seg> tokens).
        std::vector<at::Tensor> halves;
        std::vector<const FrameTarget*> half_objects;
        if (grounding_on || seg_size_on) {
            for (size_t k = 0; k < segs.size(); ++k) {
                const SegSample& sg = *segs[k].second;
                const at::Tensor tk = tokens[static_cast<std::int64_t>(k)];
                if (sg.has_reference) {
                    halves.push_back(tk.narrow(0, 0, half).mean(0));
                    half_objects.push_back(&sg.reference);
                }
                halves.push_back(tk.narrow(0, half, lang - half).mean(0));
                half_objects.push_back(&sg.target);
            }
        }
        if (grounding_on) {
            // Each half of the language tokens -> box, colour and kind of the object it names.
            std::vector<float> half_boxes;
            std::vector<std::int64_t> colours, kinds, cells;
            for (const FrameTarget* ft : half_objects) {
                half_boxes.insert(half_boxes.end(), ft->box.begin(), ft->box.end());
                colours.push_back(ft->colour);
                kinds.push_back(ft->kind);
                cells.push_back(position_cell(ft->box[0], ft->box[1], m.probe_cells));
            }
            const auto g = static_cast<std::int64_t>(halves.size());
            const at::Tensor out_probe = m.grounding_probe->forward(at::stack(halves, 0));
            const at::Tensor pred = out_probe.narrow(1, 0, 4).sigmoid();
            const at::Tensor gt = on(at::tensor(half_boxes).view({g, 4}), pred.device());
            const at::Tensor l1 = (pred - gt).abs().sum();
            const at::Tensor giou =
                (1 -
                 generalized_box_iou(box_cxcywh_to_xyxy(pred), box_cxcywh_to_xyxy(gt)).diagonal())
                    .sum();
            const auto longs = at::TensorOptions().dtype(at::kLong);
            // Colour and kind by cross-entropy (-1: unknown, ignored).
            at::Tensor ce =
                at::cross_entropy_loss(out_probe.narrow(1, 4, kProbeColours),
                                       on(at::tensor(colours, longs), pred.device()), {},
                                       at::Reduction::Sum, -1) +
                at::cross_entropy_loss(out_probe.narrow(1, 4 + kProbeColours, kProbeKinds),
                                       on(at::tensor(kinds, longs), pred.device()), {},
                                       at::Reduction::Sum, -1);
            if (m.probe_cells > 0) {
                ce = ce + at::cross_entropy_loss(
                              out_probe.narrow(1, kProbeOutputs, out_probe.size(1) - kProbeOutputs),
                              on(at::tensor(cells, longs), pred.device()), {}, at::Reduction::Sum,
                              -1);
            }
            const at::Tensor grounding =
                (w.loss_l1 * l1 + w.loss_giou * giou + 2.0 * ce) / static_cast<double>(g);
            total = total + grounding_weight * grounding;
            bd.grounding = grounding.item<double>();
            // Accuracies for the log (halves with an unknown attribute are not counted).
            const auto accuracy = [&](std::int64_t from, std::int64_t count,
                                      const std::vector<std::int64_t>& truth) {
                const at::Tensor guess =
                    out_probe.narrow(1, from, count).argmax(1).to(at::kCPU).contiguous();
                const auto* gp = guess.data_ptr<std::int64_t>();
                int right = 0, known = 0;
                for (size_t j = 0; j < truth.size(); ++j) {
                    if (truth[j] >= 0) {
                        ++known;
                        right += gp[j] == truth[j] ? 1 : 0;
                    }
                }
                return known > 0 ? static_cast<double>(right) / known : 0.0;
            };
            bd.probe_colour_accuracy = accuracy(4, kProbeColours, colours);
            bd.probe_kind_accuracy = accuracy(4 + kProbeColours, kProbeKinds, kinds);
        }
        if (seg_size_on) {
            // How large the object each half of the language tokens names is, by L1.
            std::vector<float> sizes;
            for (const FrameTarget* ft : half_objects) {
                sizes.push_back(size_probe_target(ft->box));
            }
            const at::Tensor predicted = m.seg_size_probe->forward(at::stack(halves, 0)).squeeze(1);
            const at::Tensor seg_size = (predicted - on(at::tensor(sizes), dev)).abs().mean();
            total = total + m.size_probe_weight * seg_size;
            bd.seg_size_probe = seg_size.item<double>();
        }
    }
    bd.total = total.item<double>();
    if (breakdown != nullptr) {
        *breakdown = bd;
    }
    return total;
}

// ---------------------------------------------------------------------------------------------
// trainer

namespace {

// The batch's breakdown from its slices' (slice j holds (j+1)*total/slices - j*total/slices
// samples): each term weighted by the slice's share, targets summed.
LossBreakdown combine(const std::vector<LossBreakdown>& parts, std::int64_t total,
                      std::int64_t slices) {
    LossBreakdown sum;
    for (std::int64_t j = 0; j < slices; ++j) {
        const LossBreakdown& p = parts[static_cast<size_t>(j)];
        const double f = static_cast<double>((j + 1) * total / slices - j * total / slices) /
                         static_cast<double>(total);
        sum.total += f * p.total;
        sum.lm += f * p.lm;
        sum.cls += f * p.cls;
        sum.l1 += f * p.l1;
        sum.giou += f * p.giou;
        sum.mask += f * p.mask;
        sum.dice += f * p.dice;
        sum.iou += f * p.iou;
        sum.proposal += f * p.proposal;
        sum.seg_l2 += f * p.seg_l2;
        sum.grounding += f * p.grounding;
        sum.query_probe += f * p.query_probe;
        sum.patch_probe += f * p.patch_probe;
        sum.attend += f * p.attend;
        sum.attend_mass += f * p.attend_mass;
        sum.size_probe += f * p.size_probe;
        sum.seg_size_probe += f * p.seg_size_probe;
        sum.word_probe += f * p.word_probe;
        sum.select += f * p.select;
        sum.select_pair += f * p.select_pair;
        sum.select_rival += f * p.select_rival;
        sum.attend_word += f * p.attend_word;
        sum.attend_word_mass += f * p.attend_word_mass;
        sum.probe_colour_accuracy += f * p.probe_colour_accuracy;
        sum.probe_kind_accuracy += f * p.probe_kind_accuracy;
        sum.targets += p.targets;
    }
    return sum;
}

}  // namespace

Trainer::Trainer(const TrainerOptions& options) : options_(options) {
    if (options_.run_dir.empty()) {
        throw Error("trainer: no run folder given");
    }
    if (options_.batch < 1 || options_.steps < 1) {
        throw Error("trainer: batch and steps must be positive");
    }
    const at::Device device = training_device(options_.device);  // before writing anything
    const fs::path model_dir = fs::path(options_.run_dir) / "model";
    std::error_code ec;
    fs::create_directories(model_dir, ec);
    if (ec) {
        throw Error("trainer: cannot create " + model_dir.string() + ": " + ec.message());
    }
    const fs::path tokenizer_path = model_dir / "tokenizer.model";
    std::int64_t resume_step = 0;
    bool resume_clip_frozen = false;
    model::SegllmConfig config;
    std::int64_t init_layers = 0;  // decoder layers of the init model (0: no --init)
    if (options_.resume) {
        const fs::path state_path = fs::path(options_.run_dir) / "trainer_state.json";
        nlohmann::json state;
        try {
            state = nlohmann::json::parse(read_text(state_path.string()));
            resume_step = state.at("step").get<std::int64_t>();
            options_.seed = state.at("seed").get<std::uint64_t>();
            options_.batch = state.at("batch").get<int>();
            options_.mask_memory = state.at("mask_memory").get<bool>();
            options_.grounding_weight = state.value("grounding_weight", 0.0);
            options_.probe_cells = state.value("probe_cells", 0);
            options_.patch_probe_weight = state.value("patch_probe_weight", 1.0);
            options_.patch_squares = state.value("patch_squares", false);
            options_.size_probe_weight = state.value("size_probe_weight", 0.0);
            options_.word_probe_weight = state.value("word_probe_weight", 0.0);
            options_.attend_weight = state.value("attend_weight", 0.0);
            options_.attend_layer = state.value("attend_layer", -1);
            options_.attend_reference_layer = state.value("attend_reference_layer", -1);
            options_.attend_word_weight = state.value("attend_word_weight", 0.0);
            options_.attend_word_layer = state.value("attend_word_layer", -1);
            options_.select_weight = state.value("select_weight", options_.select_weight);
            options_.select_pair_weight =
                state.value("select_pair_weight", options_.select_pair_weight);
            options_.select_rival_weight =
                state.value("select_rival_weight", options_.select_rival_weight);
            options_.hard_rounds = state.value("hard_rounds", options_.hard_rounds);
            options_.encode_keep = state.value("encode_keep", options_.encode_keep);
            if (!(options_.encode_keep > 0 && options_.encode_keep <= 1)) {
                throw Error("trainer: " + state_path.string() + ": encode_keep " +
                            std::to_string(options_.encode_keep) + " is not in (0, 1]");
            }
            options_.mask_rounds = state.value("mask_rounds", options_.mask_rounds);
            if (options_.mask_rounds < 1 || options_.mask_rounds > synth::kMaxRounds) {
                throw Error("trainer: " + state_path.string() + ": mask_rounds " +
                            std::to_string(options_.mask_rounds) + " is not 1.." +
                            std::to_string(synth::kMaxRounds));
            }
            if (state.contains("first_forms")) {
                options_.first_forms.clear();
                for (const auto& name : state.at("first_forms")) {
                    const std::string text = name.is_string() ? name.get<std::string>() : "";
                    const std::optional<synth::Form> form = synth::form_named(text);
                    if (!form) {
                        throw Error("trainer: " + state_path.string() + ": unknown form '" + text +
                                    "' in first_forms");
                    }
                    options_.first_forms.push_back(*form);
                }
            }
            options_.seg_detach_fraction = state.value("seg_detach_fraction", 0.0);
            options_.clip_pretrain_steps = state.value("clip_pretrain_steps", 0);
            // Keys that a state of an older trainer lacks keep the given options.
            options_.probe_only_steps = state.value("probe_only_steps", options_.probe_only_steps);
            options_.mixed_size_fraction =
                state.value("mixed_size_fraction", options_.mixed_size_fraction);
            options_.min_rounds = state.value("min_rounds", options_.min_rounds);
            options_.max_rounds = state.value("max_rounds", options_.max_rounds);
            resume_clip_frozen = state.value("clip_frozen", false);
        } catch (const nlohmann::json::exception& e) {
            throw Error("trainer: " + state_path.string() + " is not a trainer state: " + e.what());
        }
        config = model::load_segllm_config((model_dir / "config.json").string());
        tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(model_dir.string()));
    } else if (!options_.init_model_dir.empty()) {
        const fs::path init = options_.init_model_dir;
        for (const char* file : {"config.json", "model.safetensors", "tokenizer.model"}) {
            if (!fs::exists(init / file)) {
                throw Error("trainer: " + (init / file).string() +
                            " is missing (--init needs a model folder)");
            }
        }
        if (fs::absolute(init / "tokenizer.model") != fs::absolute(tokenizer_path)) {
            fs::copy_file(init / "tokenizer.model", tokenizer_path,
                          fs::copy_options::overwrite_existing, ec);
            if (ec) {
                throw Error("trainer: cannot copy " + (init / "tokenizer.model").string() + " to " +
                            tokenizer_path.string() + ": " + ec.message());
            }
        }
        tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(model_dir.string()));
        config = model::load_segllm_config((init / "config.json").string());
        init_layers = config.llm.num_hidden_layers;
        if (options_.llm_layers > 0 && options_.llm_layers < init_layers) {
            throw Error("trainer: " + std::to_string(options_.llm_layers) +
                        " LLM decoder layers asked for, fewer than the " +
                        std::to_string(init_layers) + " of " + (init / "config.json").string() +
                        " (layers can be added to an init model, not removed)");
        }
    } else {
        if (!fs::exists(tokenizer_path)) {
            WorldTokenizerOptions tok;
            tok.vocab_size = options_.tokenizer_vocab;
            tok.seed = options_.seed;
            train_world_tokenizer(model_dir.string(), tok);
        }
        tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(model_dir.string()));
        config = model::segllm_preset(options_.config_name);
        config.llm.vocab_size = tokenizer_->vocab_size();
    }
    if (!options_.resume) {
        if (options_.llm_layers > 0) {
            config.llm.num_hidden_layers = options_.llm_layers;
        }
        if (options_.llm_heads > 0) {
            if (config.llm.hidden_size % options_.llm_heads != 0) {
                throw Error("trainer: the LLM's hidden size " +
                            std::to_string(config.llm.hidden_size) + " does not split into " +
                            std::to_string(options_.llm_heads) + " attention heads");
            }
            config.llm.num_attention_heads = options_.llm_heads;
            config.llm.num_key_value_heads = options_.llm_heads;
        }
        if (options_.rope_theta > 0) {
            config.llm.rope_theta = options_.rope_theta;
        }
    }
    model_ = TrainingModel::create(config, options_.seed, device, options_.probe_cells,
                                   options_.patch_squares, options_.size_probe_weight > 0,
                                   options_.word_probe_weight > 0);
    model_.patch_probe_weight = options_.patch_probe_weight;
    model_.size_probe_weight = options_.size_probe_weight;
    model_.word_probe_weight = options_.word_probe_weight;
    model_.attend_weight = options_.attend_weight;
    {
        const std::int64_t layers = config.llm.num_hidden_layers;
        model_.attend_layer = options_.attend_layer < 0 ? layers / 2 : options_.attend_layer;
        model_.attend_reference_layer = options_.attend_reference_layer < 0
                                            ? model_.attend_layer
                                            : options_.attend_reference_layer;
        model_.attend_word_weight = options_.attend_word_weight;
        model_.attend_word_layer =
            options_.attend_word_layer < 0 ? layers / 2 : options_.attend_word_layer;
        const std::pair<double, std::int64_t> looks[] = {
            {options_.attend_weight, model_.attend_layer},
            {options_.attend_weight, model_.attend_reference_layer},
            {options_.attend_word_weight, model_.attend_word_layer}};
        for (const auto& [weight, layer] : looks) {
            if (weight > 0 && layer >= layers) {
                throw Error("trainer: attention supervision on decoder layer " +
                            std::to_string(layer) + ", the model has " + std::to_string(layers) +
                            " (0.." + std::to_string(layers - 1) + ")");
            }
        }
    }
    if (options_.resume) {
        load_model_weights(model_, (model_dir / "model.safetensors").string());
    } else if (!options_.init_model_dir.empty()) {
        const std::string path = (fs::path(options_.init_model_dir) / "model.safetensors").string();
        if (config.llm.num_hidden_layers > init_layers) {
            load_model_weights_grown(model_, path, init_layers);
        } else {
            load_model_weights(model_, path);
        }
    }
    std::vector<std::pair<std::string, at::Tensor>> named;
    std::vector<double> lrs;
    for (const auto& p : model_.root->named_parameters(true)) {
        named.emplace_back(p.key(), p.value());
        lrs.push_back(is_llm_parameter(p.key()) ? options_.lr_llm : options_.lr_heads);
        params_.push_back(p.value());
    }
    // The training-only probes: restored from the run on resume; one missing there (a run of an
    // older trainer) starts fresh, with zero optimizer moments.
    std::vector<std::string> fresh_probes;
    for (const auto& [name, probe] : model_.probes()) {
        const fs::path path = fs::path(options_.run_dir) / (name + ".safetensors");
        if (options_.resume && fs::exists(path)) {
            copy_from_file(parameters_of(*probe), path.string());
        } else {
            fresh_probes.push_back(name);
        }
        for (const auto& [key, value] : parameters_of(*probe)) {
            named.emplace_back(name + "." + key, value);
            lrs.push_back(options_.lr_heads);
            params_.push_back(value);
        }
    }
    optimizer_ = std::make_unique<AdamW>(named, lrs);
    if (options_.resume) {
        const std::string path = (fs::path(options_.run_dir) / "optimizer.safetensors").string();
        const weights::Checkpoint ckpt = weights::Checkpoint::open(path);
        std::map<std::string, at::Tensor> tensors;
        for (const std::string& name : ckpt.names()) {
            tensors[name] = ckpt.tensor(name, at::kFloat);
        }
        for (const auto& [name, probe] : model_.probes()) {
            if (std::find(fresh_probes.begin(), fresh_probes.end(), name) == fresh_probes.end()) {
                continue;
            }
            for (const auto& [key, value] : parameters_of(*probe)) {
                for (const char* moment : {"exp_avg.", "exp_avg_sq."}) {
                    tensors[moment + name + "." + key] = at::zeros_like(value).to(at::kCPU);
                }
            }
        }
        optimizer_->load_state(tensors, resume_step);
        if (resume_clip_frozen) {
            freeze_clip();
        }
    } else if (options_.freeze_clip) {
        freeze_clip();
    }
    weights_.loss_select = options_.select_weight;  // final once a resumed state is read
    weights_.loss_select_pair = options_.select_pair_weight;
    weights_.loss_select_rival = options_.select_rival_weight;
}

SampleOptions sample_options_for(const model::SegllmConfig& config, bool mask_memory,
                                 bool training) {
    SampleOptions s;
    s.clip_size = static_cast<int>(config.vision.image_size);
    s.image_rows = static_cast<int>(config.vision.num_patches());
    s.hipie_side = static_cast<int>(config.hipie.input_side);
    s.mask_stride = static_cast<int>(config.hipie.mask_out_stride);
    s.mask_memory = mask_memory;
    s.training = training;
    return s;
}

SampleOptions Trainer::sample_options() const {
    SampleOptions s = sample_options_for(model_.config, options_.mask_memory, true);
    s.rivals = options_.select_rival_weight > 0;
    s.hard_rounds = options_.hard_rounds;
    s.first_forms = options_.first_forms;
    s.max_mask_rounds = options_.mask_rounds;
    s.keep_probability = options_.encode_keep;
    return s;
}

synth::Conversation draw_conversation(std::uint64_t seed, double mixed_size_fraction,
                                      const synth::ConversationOptions& options, int hipie_side) {
    synth::SceneOptions size;
    if (mixed_size_fraction > 0) {
        synth::Rng size_rng(synth::mix_seed(seed, 0x512e));
        if (size_rng.bernoulli(mixed_size_fraction)) {
            size.width = size_rng.uniform_int(synth::kMinImageSide, synth::kMaxImageSide);
            size.height = size_rng.uniform_int(synth::kMinImageSide, synth::kMaxImageSide);
        }
    }
    // A conversation whose answer vanishes in the model frame (a tiny dot in a large image) is
    // replaced by another one drawn from a derived seed; the stream is otherwise unchanged.
    synth::Conversation c = synth::generate_conversation(seed, size, options);
    for (std::uint64_t redraw = 1; !answers_fit_frame(c, hipie_side); ++redraw) {
        if (redraw > 64) {
            throw Error("64 conversations in a row at " + std::to_string(size.width) + "x" +
                        std::to_string(size.height) + " lose an answer in the " +
                        std::to_string(hipie_side) + " px model frame");
        }
        c = synth::generate_conversation(synth::mix_seed(seed, 0xf17e + redraw), size, options);
    }
    return c;
}

std::vector<TrainingSample> Trainer::make_batch(std::int64_t step) const {
    std::vector<TrainingSample> batch;
    const SampleOptions so = sample_options();
    synth::ConversationOptions co;
    co.min_rounds = options_.min_rounds;
    co.max_rounds = options_.max_rounds;
    for (int i = 0; i < options_.batch; ++i) {
        const std::uint64_t seed =
            synth::mix_seed(options_.seed, static_cast<std::uint64_t>(step) *
                                                   static_cast<std::uint64_t>(options_.batch) +
                                               static_cast<std::uint64_t>(i));
        const synth::Conversation c =
            draw_conversation(seed, options_.mixed_size_fraction, co, so.hipie_side);
        synth::Rng rng(synth::mix_seed(seed, 0x5e6));
        batch.push_back(build_sample(c, *tokenizer_, so, rng));
    }
    return batch;
}

std::vector<std::vector<size_t>> balanced_slices(const std::vector<TrainingSample>& batch,
                                                 std::int64_t slices) {
    const auto total = static_cast<std::int64_t>(batch.size());
    if (total == 0) {
        return {};
    }
    slices = std::clamp<std::int64_t>(slices, 1, total);
    const auto cost = [&](size_t i) { return batch[i].segs.size() + batch[i].encodes.size(); };
    std::vector<size_t> order(batch.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return cost(a) > cost(b); });
    std::vector<std::vector<size_t>> groups(static_cast<size_t>(slices));
    std::vector<size_t> load(groups.size(), 0), room(groups.size());
    for (std::int64_t j = 0; j < slices; ++j) {
        room[static_cast<size_t>(j)] =
            static_cast<size_t>((j + 1) * total / slices - j * total / slices);
    }
    for (const size_t i : order) {
        size_t best = groups.size();
        for (size_t j = 0; j < groups.size(); ++j) {
            if (room[j] > 0 && (best == groups.size() || load[j] < load[best])) {
                best = j;
            }
        }
        groups[best].push_back(i);
        load[best] += cost(i);
        --room[best];
    }
    for (std::vector<size_t>& g : groups) {
        std::sort(g.begin(), g.end());
    }
    return groups;
}

StepReport Trainer::step_on(const std::vector<TrainingSample>& batch) {
    const auto start = std::chrono::steady_clock::now();
    const double factor =
        cosine_lr_factor(optimizer_->steps(), options_.steps, options_.warmup_fraction);
    for (at::Tensor& p : params_) {
        if (p.grad().defined()) {
            p.mutable_grad() = at::Tensor();
        }
    }
    StepReport r;
    const bool detach = static_cast<double>(optimizer_->steps()) <
                        options_.seg_detach_fraction * static_cast<double>(options_.steps);
    const bool with_hipie = optimizer_->steps() >= options_.probe_only_steps;
    const auto total = static_cast<std::int64_t>(batch.size());
    const std::int64_t slices = std::clamp<std::int64_t>(options_.workers, 1, total);
    // Slice j holds (j + 1) * total / slices - j * total / slices samples, chosen by
    // balanced_slices so that the threads finish together. Each slice's mean loss is weighted
    // by its share of the batch; the backward passes accumulate into the same .grad (LibTorch's
    // gradient accumulation is thread-safe).
    std::vector<LossBreakdown> parts(static_cast<size_t>(slices));
    std::vector<std::exception_ptr> errors(static_cast<size_t>(slices));
    const std::vector<std::vector<size_t>> members = balanced_slices(batch, slices);
    const auto run_slice = [&](std::int64_t j) {
        try {
            std::vector<TrainingSample> slice;
            for (const size_t i : members[static_cast<size_t>(j)]) {
                slice.push_back(batch[i]);
            }
            const at::Tensor loss =
                training_loss(model_, slice, weights_, &parts[static_cast<size_t>(j)],
                              options_.grounding_weight, detach, with_hipie);
            (loss * (static_cast<double>(slice.size()) / static_cast<double>(total))).backward();
        } catch (...) {
            errors[static_cast<size_t>(j)] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (std::int64_t j = 1; j < slices; ++j) {
        threads.emplace_back(run_slice, j);
    }
    run_slice(0);
    for (std::thread& t : threads) {
        t.join();
    }
    for (const std::exception_ptr& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
    r.loss = combine(parts, total, slices);
    r.grad_norm = clip_grad_norm(params_, options_.grad_clip);
    optimizer_->step(factor);
    r.step = optimizer_->steps();
    r.lr = factor * options_.lr_heads;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

StepReport Trainer::step() {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<TrainingSample> batch = make_batch(optimizer_->steps());
    StepReport r = step_on(batch);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    append_log(r);
    return r;
}

void Trainer::append_log(const StepReport& r) const {
    static const char* const header =
        "step,total,lm,cls,l1,giou,mask,dice,iou,proposal,seg_l2,grounding,query_probe,"
        "probe_colour_acc,probe_kind_acc,lr,grad_norm,seconds,select,select_pair,patch_probe,"
        "attend,attend_mass,size_probe,seg_size_probe,word_probe,select_rival,attend_word,"
        "attend_word_mass";
    const fs::path path = fs::path(options_.run_dir) / "loss_log.csv";
    bool fresh = !fs::exists(path);
    if (!fresh) {
        // A log of an older trainer has other columns: keep it beside the new one.
        std::ifstream in(path);
        std::string first;
        std::getline(in, first);
        if (first != header) {
            in.close();
            const fs::path old = fs::path(options_.run_dir) /
                                 ("loss_log-to-step-" + std::to_string(r.step - 1) + ".csv");
            std::error_code ec;
            fs::rename(path, old, ec);
            if (ec) {
                throw Error("cannot move the old loss log " + path.string() + " to " +
                            old.string() + ": " + ec.message());
            }
            fresh = true;
        }
    }
    std::ofstream out(path, std::ios::app);
    if (!out) {
        throw Error("cannot append to " + path.string());
    }
    if (fresh) {
        out << header << "\n";
    }
    const LossBreakdown& l = r.loss;
    char line[512];
    std::snprintf(line, sizeof line,
                  "%lld,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g,%.6f,%.6f,%.4f,%.4f,%.6g,"
                  "%.4f,%.3f,%.6f,%.6f,%.6f,%.6f,%.4f,%.6f,%.6f,%.6f,%.6f,%.6f,%.4f\n",
                  static_cast<long long>(r.step), l.total, l.lm, l.cls, l.l1, l.giou, l.mask,
                  l.dice, l.iou, l.proposal, l.seg_l2, l.grounding, l.query_probe,
                  l.probe_colour_accuracy, l.probe_kind_accuracy, r.lr, r.grad_norm, r.seconds,
                  l.select, l.select_pair, l.patch_probe, l.attend, l.attend_mass, l.size_probe,
                  l.seg_size_probe, l.word_probe, l.select_rival, l.attend_word,
                  l.attend_word_mass);
    out << line;
}

void Trainer::freeze_clip() {
    for (auto& p : model_.root->model->vision_tower->parameters(true)) {
        p.set_requires_grad(false);
        p.mutable_grad() = at::Tensor();
    }
    clip_frozen_ = true;
}

void Trainer::run(const std::function<void(const StepReport&)>& report) {
    if (optimizer_->steps() == 0 && options_.clip_pretrain_steps > 0 && !clip_frozen_) {
        ClipPretrainOptions po;
        po.steps = options_.clip_pretrain_steps;
        po.batch = options_.clip_pretrain_batch;
        po.lr = options_.lr_heads;
        po.seed = options_.seed;
        const auto start = std::chrono::steady_clock::now();
        const ClipPretrainReport last = pretrain_clip(model_, po, [&](const ClipPretrainReport& r) {
            if (r.step % 50 == 0 || r.step == po.steps) {
                std::fprintf(stderr,
                             "CLIP pretraining step %lld/%lld  loss %.4f  patch accuracy "
                             "%.3f  %.2f s/step\n",
                             static_cast<long long>(r.step), static_cast<long long>(po.steps),
                             r.loss, r.patch_accuracy, r.seconds);
            }
        });
        freeze_clip();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const fs::path path = fs::path(options_.run_dir) / "clip_pretrain.json";
        const nlohmann::json info = {{"steps", last.step},
                                     {"batch", po.batch},
                                     {"final_loss", last.loss},
                                     {"final_patch_accuracy", last.patch_accuracy},
                                     {"seconds", seconds}};
        write_text_atomic(path.string(), info.dump(2) + "\n");
    }
    while (optimizer_->steps() < options_.steps) {
        const StepReport r = step();
        if (report) {
            report(r);
        }
        if (options_.save_every > 0 && r.step % options_.save_every == 0) {
            save();
        }
    }
    save();
}

void Trainer::save() const {
    const fs::path model_dir = fs::path(options_.run_dir) / "model";
    write_text_atomic((model_dir / "config.json").string(),
                      model::segllm_config_to_json(model_.config));
    weights::write_safetensors((model_dir / "model.safetensors").string(), model_.named_tensors(),
                               {{"format", "pt"}});
    const std::string step = std::to_string(optimizer_->steps());
    weights::write_safetensors((fs::path(options_.run_dir) / "optimizer.safetensors").string(),
                               optimizer_->state(), {{"step", step}});
    for (const auto& [name, probe] : model_.probes()) {
        weights::write_safetensors((fs::path(options_.run_dir) / (name + ".safetensors")).string(),
                                   parameters_of(*probe), {});
    }
    nlohmann::json first_form_names = nlohmann::json::array();
    for (const synth::Form form : options_.first_forms) {
        first_form_names.push_back(synth::form_name(form));
    }
    nlohmann::json state = {{"step", optimizer_->steps()},
                            {"clip_pretrain_steps", options_.clip_pretrain_steps},
                            {"clip_frozen", clip_frozen_},
                            {"grounding_weight", options_.grounding_weight},
                            {"probe_cells", options_.probe_cells},
                            {"patch_probe_weight", options_.patch_probe_weight},
                            {"patch_squares", options_.patch_squares},
                            {"size_probe_weight", options_.size_probe_weight},
                            {"word_probe_weight", options_.word_probe_weight},
                            {"attend_weight", options_.attend_weight},
                            {"attend_layer", options_.attend_layer},
                            {"attend_reference_layer", options_.attend_reference_layer},
                            {"attend_word_weight", options_.attend_word_weight},
                            {"attend_word_layer", options_.attend_word_layer},
                            {"select_weight", options_.select_weight},
                            {"select_pair_weight", options_.select_pair_weight},
                            {"select_rival_weight", options_.select_rival_weight},
                            {"hard_rounds", options_.hard_rounds},
                            {"encode_keep", options_.encode_keep},
                            {"first_forms", first_form_names},
                            {"mask_rounds", options_.mask_rounds},
                            {"seg_detach_fraction", options_.seg_detach_fraction},
                            {"probe_only_steps", options_.probe_only_steps},
                            {"mixed_size_fraction", options_.mixed_size_fraction},
                            {"min_rounds", options_.min_rounds},
                            {"max_rounds", options_.max_rounds},
                            {"steps", options_.steps},
                            {"batch", options_.batch},
                            {"seed", options_.seed},
                            {"mask_memory", options_.mask_memory},
                            {"config", options_.config_name}};
    write_text_atomic((fs::path(options_.run_dir) / "trainer_state.json").string(),
                      state.dump(2) + "\n");
}

}  // namespace segllm::train
