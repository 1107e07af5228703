#include "core/train/clip_pretrain.h"

#include "core/common/error.h"
#include "core/image/preprocess.h"
#include "core/model/mask_encode.h"
#include "core/synth/random.h"
#include "core/synth/scene.h"
#include "core/synth/world.h"
#include "core/train/optimizer.h"

#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace segllm::train {

namespace {

int colour_count() {
    return static_cast<int>(synth::all_colours().size());
}
int shape_count() {
    return static_cast<int>(synth::all_shapes().size());
}

std::int64_t colour_label(const synth::Instance& i) {
    return 1 + static_cast<int>(i.colour);
}
std::int64_t kind_label(const synth::Instance& i) {
    return i.kind == synth::InstanceKind::dot ? 1 + shape_count() : 1 + static_cast<int>(i.shape);
}

at::Tensor float_tensor(const FloatImage& image) {
    return at::from_blob(const_cast<float*>(image.data.data()),
                         {image.channels, image.height, image.width}, at::kFloat)
        .clone();
}

}  // namespace

PatchLabels clip_patch_labels(const synth::Scene& scene, int size, int patch) {
    if (patch <= 0 || size % patch != 0) {
        throw Error("CLIP pretraining: image size " + std::to_string(size) +
                    " is not a multiple of the patch size " + std::to_string(patch));
    }
    const int w = scene.image.width, h = scene.image.height;
    const auto [rw, rh] = clip_resized_size(w, h, size);
    const int top = (rh - size) / 2, left = (rw - size) / 2;
    const double sx = static_cast<double>(rw) / w, sy = static_cast<double>(rh) / h;
    const int n = size / patch;
    PatchLabels out;
    out.colour.assign(static_cast<size_t>(n) * n, 0);
    out.kind.assign(static_cast<size_t>(n) * n, 0);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            // Centre of the patch in the resized image, then back to source pixel indices.
            const double cx = left + j * patch + patch / 2.0;
            const double cy = top + i * patch + patch / 2.0;
            const int x = std::clamp(static_cast<int>(std::floor(cx / sx)), 0, w - 1);
            const int y = std::clamp(static_cast<int>(std::floor(cy / sy)), 0, h - 1);
            // Dots lie inside objects and come after them: the last instance containing the
            // pixel is the visible one.
            for (const synth::Instance& inst : scene.instances) {
                if (inst.mask.at(x, y) != 0) {
                    out.colour[static_cast<size_t>(i) * n + j] = colour_label(inst);
                    out.kind[static_cast<size_t>(i) * n + j] = kind_label(inst);
                }
            }
        }
    }
    return out;
}

ClipPretrainReport pretrain_clip(TrainingModel& m, const ClipPretrainOptions& options,
                                 const std::function<void(const ClipPretrainReport&)>& report) {
    if (options.steps < 1 || options.batch < 1) {
        throw Error("CLIP pretraining: steps and batch must be positive");
    }
    const auto& vc = m.config.vision;
    const int size = static_cast<int>(vc.image_size);
    const int patch = static_cast<int>(vc.patch_size);
    const std::int64_t width = vc.hidden_size;
    const std::int64_t colours = colour_count() + 1, kinds = shape_count() + 2;
    auto tower = m.root->model->vision_tower;
    const at::Device device = tower->parameters().front().device();

    torch::nn::Linear patch_colour(width, colours), patch_kind(width, kinds);
    torch::nn::Linear image_colour(width, colours - 1), image_kind(width, kinds - 1);
    torch::nn::Linear crop_colour(width, colours), crop_kind(width, kinds);
    std::vector<torch::nn::Linear> heads = {patch_colour, patch_kind,  image_colour,
                                            image_kind,   crop_colour, crop_kind};
    std::vector<std::pair<std::string, at::Tensor>> named;
    std::vector<at::Tensor> params;
    for (const auto& p : tower->named_parameters(true)) {
        named.emplace_back(p.key(), p.value());
        params.push_back(p.value());
    }
    for (size_t k = 0; k < heads.size(); ++k) {
        heads[k]->to(device);
        for (const auto& p : heads[k]->named_parameters(true)) {
            named.emplace_back("head" + std::to_string(k) + "." + p.key(), p.value());
            params.push_back(p.value());
        }
    }
    AdamW optimizer(named, std::vector<double>(named.size(), options.lr));

    synth::Rng rng(synth::mix_seed(options.seed, 0xc11b));
    ClipPretrainReport last;
    for (std::int64_t step = 0; step < options.steps; ++step) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<at::Tensor> pixels, crops;
        std::vector<std::int64_t> pc, pk, cc, ck;
        std::vector<float> present_colour, present_kind;
        for (int b = 0; b < options.batch; ++b) {
            synth::SceneOptions so;
            if (rng.bernoulli(0.25)) {  // some non-square scenes, as in the mixed benchmark
                so.width = 96 + static_cast<int>(rng.below(161));
                so.height = 96 + static_cast<int>(rng.below(161));
            }
            const synth::Scene scene = synth::generate_scene(rng, so);
            pixels.push_back(float_tensor(clip_preprocess(scene.image, size)));
            const PatchLabels labels = clip_patch_labels(scene, size, patch);
            pc.insert(pc.end(), labels.colour.begin(), labels.colour.end());
            pk.insert(pk.end(), labels.kind.begin(), labels.kind.end());
            std::vector<float> col(static_cast<size_t>(colours - 1), 0.0F);
            std::vector<float> kin(static_cast<size_t>(kinds - 1), 0.0F);
            for (const synth::Instance& inst : scene.instances) {
                col[static_cast<size_t>(colour_label(inst) - 1)] = 1.0F;
                kin[static_cast<size_t>(kind_label(inst) - 1)] = 1.0F;
            }
            present_colour.insert(present_colour.end(), col.begin(), col.end());
            present_kind.insert(present_kind.end(), kin.begin(), kin.end());
            const synth::Instance& inst =
                scene.instances[static_cast<size_t>(rng.below(scene.instances.size()))];
            const model::EncodeBox box{inst.box.x0, inst.box.y0, inst.box.x1 + 1, inst.box.y1 + 1};
            crops.push_back(float_tensor(
                clip_preprocess(model::mask_encode_crop(scene.image, inst.mask, box), size)));
            cc.push_back(colour_label(inst));
            ck.push_back(kind_label(inst));
        }
        const auto b = static_cast<std::int64_t>(pixels.size());
        const auto longs = at::TensorOptions().dtype(at::kLong);
        pixels.insert(pixels.end(), crops.begin(), crops.end());
        const model::ClipVisionOutput out = tower(at::stack(pixels, 0).to(device));
        const at::Tensor patches = out.patches.narrow(0, 0, b).reshape({-1, width});
        const at::Tensor image_cls = out.cls.narrow(0, 0, b);
        const at::Tensor crop_cls = out.cls.narrow(0, b, b);
        const at::Tensor t_pc = at::tensor(pc, longs).to(device);
        const at::Tensor t_pk = at::tensor(pk, longs).to(device);
        const at::Tensor lc = patch_colour->forward(patches);
        const at::Tensor lk = patch_kind->forward(patches);
        at::Tensor loss = at::cross_entropy_loss(lc, t_pc) + at::cross_entropy_loss(lk, t_pk);
        loss = loss + at::binary_cross_entropy_with_logits(
                          image_colour->forward(image_cls),
                          at::tensor(present_colour).view({b, colours - 1}).to(device));
        loss = loss + at::binary_cross_entropy_with_logits(
                          image_kind->forward(image_cls),
                          at::tensor(present_kind).view({b, kinds - 1}).to(device));
        loss =
            loss +
            at::cross_entropy_loss(crop_colour->forward(crop_cls),
                                   at::tensor(cc, longs).to(device)) +
            at::cross_entropy_loss(crop_kind->forward(crop_cls), at::tensor(ck, longs).to(device));
        for (at::Tensor& p : params) {
            if (p.grad().defined()) {
                p.mutable_grad() = at::Tensor();
            }
        }
        loss.backward();
        clip_grad_norm(params, 5.0);
        optimizer.step(cosine_lr_factor(step, options.steps, 0.03));
        last.step = step + 1;
        last.loss = loss.item<double>();
        {
            at::NoGradGuard no_grad;
            last.patch_accuracy = (lc.argmax(1).eq(t_pc) & lk.argmax(1).eq(t_pk))
                                      .to(at::kFloat)
                                      .mean()
                                      .item<double>();
        }
        last.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (report) {
            report(last);
        }
    }
    return last;
}

}  // namespace segllm::train
