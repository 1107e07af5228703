// The training schedule pieces of trainer.h: the grounding stage (HIPIE skipped: no HIPIE terms,
// no gradient into the segmentator, the probe still trained), data-parallel worker slices (the
// gradients equal those of the same slices run one after the other; the slices balance the
// rounds), the probe on every <seg> (not only the mask-supervised ones) and mixed-size
// conversations.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/synth/scene.h"
#include "core/train/trainer.h"
#include "tests/train/small_trainer_options.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

using namespace segllm;
using namespace segllm::train;

namespace {

// Gradients of every trainable tensor (name -> copy), then cleared.
std::map<std::string, at::Tensor> take_grads(Trainer& trainer) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : trainer.model().root->named_parameters(true)) {
        if (p.value().grad().defined()) {
            out[p.key()] = p.value().grad().clone();
            p.value().mutable_grad() = at::Tensor();
        }
    }
    for (const auto& p : trainer.model().grounding_probe->named_parameters(true)) {
        if (p.value().grad().defined()) {
            out["probe." + p.key()] = p.value().grad().clone();
            p.value().mutable_grad() = at::Tensor();
        }
    }
    return out;
}

// "" when two models hold the same tensors under the same names, else the first difference.
std::string tensor_difference(const TrainingModel& a, const TrainingModel& b) {
    const auto x = a.named_tensors(), y = b.named_tensors();
    if (x.size() != y.size()) {
        return std::to_string(x.size()) + " vs " + std::to_string(y.size()) + " tensors";
    }
    for (size_t i = 0; i < x.size(); ++i) {
        if (x[i].first != y[i].first) {
            return x[i].first + " vs " + y[i].first;
        }
        if (!at::equal(x[i].second, y[i].second)) {
            return x[i].first + " differs";
        }
    }
    return "";
}

bool is_segmentator(const std::string& name) {
    return name.rfind("model.segmentator.", 0) == 0;
}

}  // namespace

class TestStages : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { segllm::init_torch_threads(1); }

    // Without HIPIE: every HIPIE term is 0, the segmentator gets no gradient, the LLM and the
    // probe do; the LM and probe terms equal those of the full loss on the same batch.
    void grounding_stage_skips_hipie() {
        QTemporaryDir dir;
        Trainer trainer(small_trainer_options(dir.path(), 3, 10));
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown full, probe_only;
        training_loss(trainer.model(), batch, HipieLossWeights{}, &full, 1.0, false, true)
            .backward();
        const auto full_grads = take_grads(trainer);
        training_loss(trainer.model(), batch, HipieLossWeights{}, &probe_only, 1.0, false, false)
            .backward();
        const auto grads = take_grads(trainer);
        QVERIFY(full.cls > 0.0 && full.mask > 0.0);
        QCOMPARE(probe_only.cls, 0.0);
        QCOMPARE(probe_only.l1, 0.0);
        QCOMPARE(probe_only.mask, 0.0);
        QCOMPARE(probe_only.dice, 0.0);
        QCOMPARE(probe_only.proposal, 0.0);
        QCOMPARE(probe_only.lm, full.lm);
        QCOMPARE(probe_only.grounding, full.grounding);
        QVERIFY(std::abs(probe_only.total - (probe_only.lm + probe_only.grounding +
                                             probe_only.seg_l2)) < 1e-4 * probe_only.total);
        int segmentator_with_grad = 0;
        for (const auto& [name, g] : full_grads) {
            segmentator_with_grad += is_segmentator(name) ? 1 : 0;
        }
        QVERIFY(segmentator_with_grad > 0);
        for (const auto& [name, g] : grads) {
            QVERIFY2(!is_segmentator(name), name.c_str());
        }
        QVERIFY(grads.count("model.layers.0.self_attn.q_proj.weight") == 1);
        QVERIFY(grads.count("probe.weight") == 1);
    }

    // The probe covers every <seg> of the batch: its accuracy is counted over all rounds'
    // halves, so with 3-round conversations it sees more halves than the 2 mask-supervised
    // <seg> per conversation would give.
    void probe_reads_every_seg() {
        QTemporaryDir dir;
        TrainerOptions o = small_trainer_options(dir.path(), 5, 10);
        o.min_rounds = 3;
        o.max_rounds = 3;
        Trainer trainer(o);
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        int supervised = 0, all = 0;
        for (const TrainingSample& s : batch) {
            for (const SegSample& sg : s.segs) {
                all += 1;
                supervised += sg.supervised ? 1 : 0;
            }
        }
        QCOMPARE(all, 6);
        QCOMPARE(supervised, 4);
        // The probe loss with one conversation equals the halves-weighted mean of its rounds:
        // compare the summed probe loss of the batch against each conversation alone.
        at::NoGradGuard no_grad;
        LossBreakdown both, first, second;
        training_loss(trainer.model(), batch, HipieLossWeights{}, &both, 1.0, false, false);
        training_loss(trainer.model(), {batch[0]}, HipieLossWeights{}, &first, 1.0, false, false);
        training_loss(trainer.model(), {batch[1]}, HipieLossWeights{}, &second, 1.0, false, false);
        auto halves = [](const TrainingSample& s) {
            double h = 0;
            for (const SegSample& sg : s.segs) {
                h += sg.has_reference ? 2 : 1;
            }
            return h;
        };
        const double h0 = halves(batch[0]), h1 = halves(batch[1]);
        const double expected = (first.grounding * h0 + second.grounding * h1) / (h0 + h1);
        QVERIFY2(std::abs(both.grounding - expected) < 1e-4 * expected,
                 qPrintable(QString("%1 vs %2").arg(both.grounding).arg(expected)));
    }

    // balanced_slices keeps the sizes of contiguous slices, places every sample once and evens
    // out the rounds: a batch of 8, 7, 1 and 1 rounds is split 8+1 / 7+1 (contiguous: 15 / 2).
    void balanced_slices_even_out_rounds() {
        const auto batch_of = [](const std::vector<int>& rounds) {
            std::vector<TrainingSample> batch(rounds.size());
            for (size_t i = 0; i < rounds.size(); ++i) {
                batch[i].segs.resize(static_cast<size_t>(rounds[i]));
            }
            return batch;
        };
        const auto load = [](const std::vector<TrainingSample>& batch,
                             const std::vector<size_t>& group) {
            size_t sum = 0;
            for (const size_t i : group) {
                sum += batch[i].segs.size();
            }
            return sum;
        };
        const std::vector<TrainingSample> four = batch_of({8, 7, 1, 1});
        const auto two = balanced_slices(four, 2);
        QCOMPARE(two.size(), size_t{2});
        QCOMPARE(two[0], (std::vector<size_t>{0, 3}));
        QCOMPARE(two[1], (std::vector<size_t>{1, 2}));
        QCOMPARE(load(four, two[0]), size_t{9});
        QCOMPARE(load(four, two[1]), size_t{8});

        // Uneven counts keep the contiguous sizes (2, 3 for 5 samples); more slices than
        // samples give one sample each; an empty batch gives no slices.
        const std::vector<TrainingSample> five = batch_of({1, 2, 3, 4, 5});
        const auto uneven = balanced_slices(five, 2);
        QCOMPARE(uneven[0].size(), size_t{2});
        QCOMPARE(uneven[1].size(), size_t{3});
        std::vector<int> seen(5, 0);
        for (const auto& g : uneven) {
            for (const size_t i : g) {
                ++seen[i];
            }
        }
        QCOMPARE(seen, (std::vector<int>{1, 1, 1, 1, 1}));
        QVERIFY(std::max(load(five, uneven[0]), load(five, uneven[1])) <= 8);
        QCOMPARE(balanced_slices(four, 9).size(), size_t{4});
        QCOMPARE(balanced_slices(four, 0).size(), size_t{1});
        QVERIFY(balanced_slices({}, 2).empty());
    }

    // Two worker threads give the gradients of the two balanced half-batches weighted 1/2 each
    // and run one after the other on this thread.
    void worker_slices_accumulate_like_sequential_halves() {
        QTemporaryDir dir_a, dir_b;
        TrainerOptions o = small_trainer_options(dir_a.path(), 7, 10);
        o.batch = 4;
        o.workers = 2;
        o.seg_detach_fraction = 0.0;
        Trainer parallel(o);
        const std::vector<TrainingSample> batch = parallel.make_batch(0);
        // Sequential reference on a second trainer with the same seed (same initial weights).
        o.run_dir = dir_b.path().toStdString();
        o.workers = 1;
        Trainer sequential(o);
        for (const std::vector<size_t>& group : balanced_slices(batch, 2)) {
            QCOMPARE(group.size(), size_t{2});
            std::vector<TrainingSample> slice;
            for (const size_t i : group) {
                slice.push_back(batch[i]);
            }
            LossBreakdown bd;
            (training_loss(sequential.model(), slice, HipieLossWeights{}, &bd, o.grounding_weight) *
             0.5)
                .backward();
        }
        const auto expected = take_grads(sequential);
        // step_on leaves its (norm-clipped) gradients in .grad after the update.
        parallel.step_on(batch);
        const auto got = take_grads(parallel);
        QVERIFY(expected.size() > 10);
        QCOMPARE(got.size(), expected.size());
        for (const auto& [name, g] : expected) {
            QVERIFY2(got.count(name) == 1, name.c_str());
            QCOMPARE(got.at(name).sizes().vec(), g.sizes().vec());
        }
        // step_on clips the global norm in place: one factor for every tensor, the ratio of
        // the global norms.
        double ng = 0, ne = 0;
        for (const auto& [name, g] : expected) {
            ne += g.pow(2).sum().item<double>();
            ng += got.at(name).pow(2).sum().item<double>();
        }
        const double scale = std::sqrt(ng / ne);
        QVERIFY(scale > 0.0 && scale <= 1.0 + 1e-6);
        for (const auto& [name, g] : expected) {
            const double diff = (got.at(name) - g * scale).abs().max().item<double>();
            const double ref = g.abs().max().item<double>() * scale + 1e-12;
            QVERIFY2(diff <= 1e-4 * ref + 1e-9, qPrintable(QString("%1: diff %2 of %3")
                                                               .arg(QString::fromStdString(name))
                                                               .arg(diff)
                                                               .arg(ref)));
        }
    }

    // A run started with init_model_dir holds the source model's exact weights and tokenizer;
    // freeze_clip leaves the tower without gradients while the rest trains.
    void init_from_model_folder() {
        QTemporaryDir src_dir, dst_dir;
        Trainer source(small_trainer_options(src_dir.path(), 13, 2));
        source.run({});
        TrainerOptions o = small_trainer_options(dst_dir.path(), 99, 3);
        o.init_model_dir = src_dir.path().toStdString() + "/model";
        o.freeze_clip = true;
        Trainer target(o);
        QCOMPARE(target.tokenizer().vocab_size(), source.tokenizer().vocab_size());
        const std::string difference = tensor_difference(source.model(), target.model());
        QVERIFY2(difference.empty(), difference.c_str());
        const std::vector<TrainingSample> batch = target.make_batch(0);
        const auto bytes = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        const QByteArray tok = bytes(src_dir.path() + "/model/tokenizer.model");
        QVERIFY(!tok.isEmpty());
        QCOMPARE(bytes(dst_dir.path() + "/model/tokenizer.model"), tok);
        target.step_on(batch);
        int clip_grads = 0, trained = 0;
        for (const auto& p : target.model().root->named_parameters(true)) {
            const bool clip = p.key().rfind("model.vision_tower.", 0) == 0;
            if (p.value().grad().defined()) {
                (clip ? clip_grads : trained) += 1;
            }
        }
        QCOMPARE(clip_grads, 0);
        QVERIFY(trained > 10);
        o.init_model_dir = dst_dir.path().toStdString() + "/nowhere";
        QTemporaryDir bad_dir;
        o.run_dir = bad_dir.path().toStdString();
        QVERIFY_THROWS_EXCEPTION(segllm::Error, Trainer{o});
    }

    // llm_layers above the init model's stacks identity layers on top: every loaded tensor is
    // the source's, the new layers' output projections are zero, so the grown model gives the
    // source's loss on the same batch; they train from step 1; fewer layers are refused.
    void grow_llm_from_init() {
        QTemporaryDir src_dir, dst_dir, bad_dir;
        Trainer source(small_trainer_options(src_dir.path(), 13, 2));
        source.run({});
        const std::int64_t layers = source.model().config.llm.num_hidden_layers;
        TrainerOptions o = small_trainer_options(dst_dir.path(), 99, 3);
        o.init_model_dir = src_dir.path().toStdString() + "/model";
        o.llm_layers = static_cast<int>(layers + 2);
        o.freeze_clip = true;
        Trainer grown(o);
        QCOMPARE(grown.model().config.llm.num_hidden_layers, layers + 2);
        std::map<std::string, at::Tensor> got;
        for (const auto& [name, t] : grown.model().named_tensors()) {
            got[name] = t;
        }
        const auto src = source.model().named_tensors();
        for (const auto& [name, t] : src) {
            QVERIFY2(got.count(name) && at::equal(got.at(name), t), name.c_str());
        }
        int zero = 0, fresh = 0;
        for (std::int64_t l = layers; l < layers + 2; ++l) {
            const std::string p = "model.layers." + std::to_string(l) + ".";
            for (const char* part : {"self_attn.o_proj.weight", "mlp.down_proj.weight"}) {
                QVERIFY2(got.count(p + part), (p + part).c_str());
                QCOMPARE(got.at(p + part).abs().max().item<double>(), 0.0);
                ++zero;
            }
            for (const char* part : {"self_attn.q_proj.weight", "mlp.up_proj.weight"}) {
                QVERIFY(got.at(p + part).abs().max().item<double>() > 0.0);
                ++fresh;
            }
        }
        QCOMPARE(zero, 4);
        QCOMPARE(fresh, 4);
        size_t per_layer = 0;
        for (const auto& entry : src) {
            per_layer += entry.first.rfind("model.layers.0.", 0) == 0;
        }
        QVERIFY(per_layer >= 9);
        QCOMPARE(got.size(), src.size() + 2 * per_layer);

        const std::vector<TrainingSample> batch = grown.make_batch(0);
        LossBreakdown a, b;
        {
            at::NoGradGuard no_grad;
            // Grounding weight 0: the training-only probes are not part of the model folder.
            training_loss(source.model(), batch, HipieLossWeights{}, &a, 0.0);
            training_loss(grown.model(), batch, HipieLossWeights{}, &b, 0.0);
        }
        QVERIFY2(std::abs(a.total - b.total) <= 1e-5 * std::abs(a.total),
                 qPrintable(QString("%1 vs %2").arg(a.total).arg(b.total)));
        QCOMPARE(b.lm, a.lm);

        grown.step_on(batch);
        const std::string top = "model.layers." + std::to_string(layers + 1);
        QVERIFY(grown.model()
                    .root->named_parameters(true)[top + ".mlp.down_proj.weight"]
                    .abs()
                    .max()
                    .item<double>() > 0.0);
        grown.save();
        QCOMPARE(model::load_segllm_config(dst_dir.path().toStdString() + "/model/config.json")
                     .llm.num_hidden_layers,
                 layers + 2);

        o.run_dir = bad_dir.path().toStdString();
        o.llm_layers = static_cast<int>(layers - 1);
        try {
            Trainer shrunk(o);
            QFAIL("fewer layers than the init model were accepted");
        } catch (const segllm::Error& e) {
            QVERIFY2(QString(e.what()).contains("config.json") &&
                         QString(e.what()).contains(QString::number(layers - 1)),
                     e.what());
        }
    }

    // llm_heads and rope_theta re-read an init model's LLM weights (all of them, unchanged) as
    // another head split and RoPE base: the config says so, the function changes, the run's
    // config.json keeps them; a head count that does not divide the hidden size is refused.
    void llm_heads_and_rope_from_init() {
        QTemporaryDir src_dir, dst_dir, bad_dir;
        Trainer source(small_trainer_options(src_dir.path(), 13, 2));
        source.run({});
        const model::LlamaConfig& before = source.model().config.llm;
        QVERIFY(before.num_attention_heads != 2);
        QVERIFY(before.rope_theta != 1e6);
        TrainerOptions o = small_trainer_options(dst_dir.path(), 99, 3);
        o.init_model_dir = src_dir.path().toStdString() + "/model";
        o.llm_heads = 2;
        o.rope_theta = 1e6;
        Trainer changed(o);
        const model::LlamaConfig& after = changed.model().config.llm;
        QCOMPARE(after.num_attention_heads, std::int64_t{2});
        QCOMPARE(after.num_key_value_heads, std::int64_t{2});
        QCOMPARE(after.rope_theta, 1e6);
        QCOMPARE(after.hidden_size, before.hidden_size);
        const std::string difference = tensor_difference(source.model(), changed.model());
        QVERIFY2(difference.empty(), difference.c_str());
        const std::vector<TrainingSample> batch = changed.make_batch(0);
        LossBreakdown la, lb;
        {
            at::NoGradGuard no_grad;
            training_loss(source.model(), batch, HipieLossWeights{}, &la, 0.0);
            training_loss(changed.model(), batch, HipieLossWeights{}, &lb, 0.0);
        }
        QVERIFY2(std::abs(la.total - lb.total) > 1e-6 * std::abs(la.total),
                 qPrintable(QString("%1 vs %2").arg(la.total).arg(lb.total)));
        changed.save();
        const model::SegllmConfig saved =
            model::load_segllm_config(dst_dir.path().toStdString() + "/model/config.json");
        QCOMPARE(saved.llm.num_attention_heads, std::int64_t{2});
        QCOMPARE(saved.llm.rope_theta, 1e6);

        o.run_dir = bad_dir.path().toStdString();
        o.llm_heads = 3;
        try {
            Trainer bad(o);
            QFAIL("3 heads of a hidden size that 3 does not divide were accepted");
        } catch (const segllm::Error& e) {
            QVERIFY2(QString(e.what()).contains("3 attention heads"), e.what());
        }
    }

    // With mixed_size_fraction 1 every conversation has its own size in 96..512; with 0 all are
    // 128x128.
    void mixed_sizes() {
        QTemporaryDir dir;
        TrainerOptions o = small_trainer_options(dir.path(), 9, 10);
        o.batch = 6;
        o.mixed_size_fraction = 1.0;
        Trainer mixed(o);
        int not_default = 0;
        for (const TrainingSample& s : mixed.make_batch(0)) {
            QVERIFY(s.frame.orig_w >= synth::kMinImageSide &&
                    s.frame.orig_w <= synth::kMaxImageSide);
            QVERIFY(s.frame.orig_h >= synth::kMinImageSide &&
                    s.frame.orig_h <= synth::kMaxImageSide);
            not_default += (s.frame.orig_w != 128 || s.frame.orig_h != 128);
        }
        QVERIFY(not_default >= 5);
        QTemporaryDir dir2;
        o = small_trainer_options(dir2.path(), 9, 10);
        o.batch = 6;
        Trainer fixed(o);
        for (const TrainingSample& s : fixed.make_batch(0)) {
            QCOMPARE(s.frame.orig_w, 128);
            QCOMPARE(s.frame.orig_h, 128);
        }
    }
};

QTEST_APPLESS_MAIN(TestStages)
#include "test_stages.moc"
