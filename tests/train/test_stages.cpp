// The training schedule pieces of trainer.h: the grounding stage (HIPIE skipped: no HIPIE terms,
// no gradient into the segmentator, the probe still trained), data-parallel worker slices (the
// gradients equal those of the same slices run one after the other), the probe on every <seg>
// (not only the mask-supervised ones) and mixed-size conversations.

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

#include <cmath>
#include <map>
#include <string>

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

    // Two worker threads give the gradients of the two half-batches weighted 1/2 each and run
    // one after the other on this thread.
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
        for (int half = 0; half < 2; ++half) {
            const std::vector<TrainingSample> slice(batch.begin() + 2 * half,
                                                    batch.begin() + 2 * half + 2);
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
        const auto a = source.model().named_tensors(), b = target.model().named_tensors();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].first, b[i].first);
            QVERIFY2(at::equal(a[i].second, b[i].second), a[i].first.c_str());
        }
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
