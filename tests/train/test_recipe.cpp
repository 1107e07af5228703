// The pieces of the training recipe beyond the reference losses (trainer.h, clip_pretrain.h):
// the CLIP attribute pretraining (patch labels read from the scene, loss falls), the
// training-only grounding probe (its loss is added with its weight and it never enters the
// model file), the <seg> detach switch (HIPIE's gradient stops at the <seg> tokens), the
// LLaMA-style initialisation of the LLM, and the instance attributes of the training targets.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/image/frame.h"
#include "core/image/mask.h"
#include "core/synth/conversation.h"
#include "core/synth/random.h"
#include "core/synth/scene.h"
#include "core/train/clip_pretrain.h"
#include "core/train/trainer.h"
#include "core/weights/checkpoint.h"
#include "tests/train/small_trainer_options.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

using namespace segllm;
using namespace segllm::train;

namespace {

TrainerOptions small_options(const QString& dir) {
    return small_trainer_options(dir, 11, 20);
}

// Colour / kind label of the instance drawn at pixel (x, y): the last one whose mask holds it.
std::pair<std::int64_t, std::int64_t> label_at(const synth::Scene& s, int x, int y) {
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    for (const synth::Instance& i : s.instances) {
        if (i.mask.at(x, y) != 0) {
            out.first = 1 + static_cast<int>(i.colour);
            out.second = i.kind == synth::InstanceKind::dot
                             ? 1 + static_cast<std::int64_t>(synth::all_shapes().size())
                             : 1 + static_cast<int>(i.shape);
        }
    }
    return out;
}

// Whether the last backward left a non-zero gradient on a parameter of `module` whose name starts
// with `prefix` ("" for any).
bool gradient_reaches(const torch::nn::Module& module, const std::string& prefix) {
    for (const auto& p : module.named_parameters(true)) {
        if (p.key().rfind(prefix, 0) == 0 && p.value().grad().defined() &&
            p.value().grad().abs().sum().item<double>() > 0) {
            return true;
        }
    }
    return false;
}

// The loss breakdown of `batch` (no gradients) with `weight`, a weight of the model, set to
// `value` for the call and restored after it.
LossBreakdown loss_at_weight(TrainingModel& m, const std::vector<TrainingSample>& batch,
                             double& weight, double value) {
    at::NoGradGuard no_grad;
    const double kept = weight;
    weight = value;
    LossBreakdown b;
    training_loss(m, batch, HipieLossWeights{}, &b, 1.0);
    weight = kept;
    return b;
}

}  // namespace

class TestRecipe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { segllm::init_torch_threads(1); }

    // A 128 px scene seen at 64 px with 8 px patches: patch (i, j) covers source pixels
    // 16 i .. 16 i + 15, its centre is source pixel (16 j + 8, 16 i + 8).
    void patch_labels_square_scene() {
        synth::Rng rng(77);
        const synth::Scene scene = synth::generate_scene(rng, {});
        const PatchLabels labels = clip_patch_labels(scene, 64, 8);
        QCOMPARE(labels.colour.size(), size_t{64});
        int objects = 0;
        for (int i = 0; i < 8; ++i) {
            for (int j = 0; j < 8; ++j) {
                const auto expected = label_at(scene, 16 * j + 8, 16 * i + 8);
                QCOMPARE(labels.colour[static_cast<size_t>(i * 8 + j)], expected.first);
                QCOMPARE(labels.kind[static_cast<size_t>(i * 8 + j)], expected.second);
                objects += expected.first != 0 ? 1 : 0;
            }
        }
        QVERIFY(objects > 0);  // the scene's objects are seen by some patches
    }

    // 200 x 100: the short side 100 -> 64 (x 0.64), width 128, centre crop from x = 32; the
    // centre of patch (i, j) is resized (36 + 8 j, 4 + 8 i) -> source floor(./0.64).
    void patch_labels_wide_scene() {
        synth::Rng rng(78);
        synth::SceneOptions so;
        so.width = 200;
        so.height = 100;
        const synth::Scene scene = synth::generate_scene(rng, so);
        const PatchLabels labels = clip_patch_labels(scene, 64, 8);
        for (int i = 0; i < 8; ++i) {
            for (int j = 0; j < 8; ++j) {
                const int x = static_cast<int>(std::floor((36.0 + 8 * j) / 0.64));
                const int y = static_cast<int>(std::floor((4.0 + 8 * i) / 0.64));
                const auto expected = label_at(scene, x, y);
                QCOMPARE(labels.colour[static_cast<size_t>(i * 8 + j)], expected.first);
                QCOMPARE(labels.kind[static_cast<size_t>(i * 8 + j)], expected.second);
            }
        }
        QVERIFY_EXCEPTION_THROWN(clip_patch_labels(scene, 60, 8), Error);
    }

    void clip_pretraining_learns() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        ClipPretrainOptions po;
        po.steps = 40;
        po.batch = 4;
        po.seed = 3;
        std::vector<double> losses;
        const ClipPretrainReport last = pretrain_clip(
            trainer.model(), po, [&](const ClipPretrainReport& r) { losses.push_back(r.loss); });
        QCOMPARE(losses.size(), size_t{40});
        QCOMPARE(last.step, std::int64_t{40});
        double first = 0, final = 0;
        for (size_t i = 0; i < 5; ++i) {
            first += losses[i];
            final += losses[losses.size() - 1 - i];
        }
        QVERIFY2(final < 0.8 * first,
                 qPrintable(QString("first %1 last %2").arg(first / 5).arg(final / 5)));
        QVERIFY(last.patch_accuracy > 0.5 && last.patch_accuracy <= 1.0);
    }

    // run() pretrains and freezes the tower before step 1; a resumed run keeps it frozen.
    void clip_frozen_after_pretraining_and_resume() {
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.steps = 1;
        o.clip_pretrain_steps = 2;
        o.clip_pretrain_batch = 2;
        auto tower_frozen = [](Trainer& t) {
            for (const auto& p : t.model().root->model->vision_tower->parameters(true)) {
                if (p.requires_grad()) {
                    return false;
                }
            }
            return true;
        };
        {
            Trainer trainer(o);
            QVERIFY(!tower_frozen(trainer));
            trainer.run(nullptr);
            QVERIFY(tower_frozen(trainer));
        }
        QVERIFY(std::filesystem::exists(o.run_dir + "/clip_pretrain.json"));
        o.resume = true;
        o.steps = 2;
        Trainer resumed(o);
        QCOMPARE(resumed.step_count(), std::int64_t{1});
        QVERIFY(tower_frozen(resumed));
    }

    // hard_rounds, first_forms, mask_rounds and encode_keep reach the samples and are kept on
    // resume; a state
    // naming an unknown form is refused with the file's name.
    void supervision_choice_kept_on_resume() {
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.steps = 1;
        o.hard_rounds = 0.5;
        o.first_forms = {synth::Form::touching, synth::Form::above};
        o.mask_rounds = 3;
        o.encode_keep = 0.8;
        {
            Trainer trainer(o);
            QCOMPARE(trainer.sample_options().max_mask_rounds, 3);
            QCOMPARE(trainer.sample_options().keep_probability, 0.8);
            trainer.run(nullptr);
        }
        TrainerOptions again = small_options(dir.path());  // the defaults given
        again.resume = true;
        again.steps = 2;
        {
            Trainer resumed(again);
            const SampleOptions so = resumed.sample_options();
            QCOMPARE(so.hard_rounds, 0.5);
            QCOMPARE(so.max_mask_rounds, 3);
            QCOMPARE(so.keep_probability, 0.8);
            QVERIFY(so.first_forms == o.first_forms);
        }
        const std::string state_path = again.run_dir + "/trainer_state.json";
        QFile file(QString::fromStdString(state_path));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QString text = QString::fromUtf8(file.readAll());
        file.close();
        QVERIFY(text.contains("\"touching\""));
        text.replace("\"touching\"", "\"touchy\"");
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text.toUtf8());
        file.close();
        try {
            Trainer broken(again);
            QFAIL("a state with an unknown form was accepted");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("trainer_state.json") && what.contains("touchy"),
                     qPrintable(what));
        }
    }

    void training_targets_carry_the_instance_attributes() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        synth::ConversationOptions co;
        co.min_rounds = 3;
        co.max_rounds = 3;
        const synth::Conversation c = synth::generate_conversation(21, {}, co);
        synth::Rng rng(1);
        const TrainingSample s =
            build_sample(c, trainer.tokenizer(), trainer.sample_options(), rng);
        QCOMPARE(s.segs.size(), c.rounds.size());
        for (size_t r = 0; r < c.rounds.size(); ++r) {
            const synth::Instance& inst =
                c.scene.instances[static_cast<size_t>(c.rounds[r].answer)];
            QCOMPARE(s.segs[r].target.colour, static_cast<int>(inst.colour));
            const int kind = inst.kind == synth::InstanceKind::dot
                                 ? static_cast<int>(synth::all_shapes().size())
                                 : static_cast<int>(inst.shape);
            QCOMPARE(s.segs[r].target.kind, kind);
            if (s.segs[r].has_reference) {
                QVERIFY(s.segs[r].reference.colour >= 0 && s.segs[r].reference.kind >= 0);
            }
        }
    }

    // Each <seg> carries its round's expression words for the word probe: the form, the size
    // word of a size round and the extreme of an extreme round (-1 elsewhere).
    void training_targets_carry_the_expression_words() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        synth::ConversationOptions co;
        co.min_rounds = 8;
        co.max_rounds = 8;
        std::set<int> forms;
        bool size = false, extreme = false;
        for (std::uint64_t seed = 1; seed <= 80; ++seed) {
            const synth::Conversation c = synth::generate_conversation(seed, {}, co);
            synth::Rng rng(seed);
            const TrainingSample s =
                build_sample(c, trainer.tokenizer(), trainer.sample_options(), rng);
            QCOMPARE(s.segs.size(), c.rounds.size());
            for (size_t r = 0; r < c.rounds.size(); ++r) {
                const synth::Expression& e = c.rounds[r].spec;
                const SegSample& sg = s.segs[r];
                QCOMPARE(sg.form, static_cast<int>(e.form));
                forms.insert(sg.form);
                QCOMPARE(sg.size_word, e.form == synth::Form::size ? static_cast<int>(e.size) : -1);
                QCOMPARE(sg.extreme,
                         e.form == synth::Form::extreme ? static_cast<int>(e.extreme) : -1);
                size = size || sg.size_word >= 0;
                extreme = extreme || sg.extreme >= 0;
            }
        }
        QVERIFY(size && extreme);
        QVERIFY(forms.size() >= 12);
        QVERIFY(*forms.rbegin() < kWordForms);
    }

    // The word probe: only with its weight above 0; its term (cross-entropy of the form, the
    // size word and the extreme, summed over the <seg>s and divided by their count) enters the
    // total with its weight, reaches the LLM, is saved beside the run and kept on resume.
    void word_probe() {
        QTemporaryDir plain_dir;
        Trainer plain(small_options(plain_dir.path()));
        QVERIFY(!plain.model().word_probe);
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.word_probe_weight = 1.5;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        QVERIFY(m.word_probe);
        QCOMPARE(m.word_probe->weight.size(0), kWordForms + kWordSizes + kWordExtremes);
        QCOMPARE(m.probes().size(), size_t{3});
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 1.0).backward();
        QVERIFY(std::isfinite(bd.word_probe) && bd.word_probe > 0.0);
        QVERIFY(gradient_reaches(*m.root, "model.layers."));
        // The term, exactly: with the probe's weights and biases zero every group's logits are
        // equal, so each cross-entropy is log(classes of the group); with a bias of 30 on form 0
        // alone, a round of form 0 costs about 0 and every other round about 30.
        int segs = 0, form_zero = 0, sized = 0, extremes = 0;
        for (const TrainingSample& sample : batch) {
            for (const SegSample& sg : sample.segs) {
                ++segs;
                form_zero += sg.form == 0 ? 1 : 0;
                sized += sg.size_word >= 0 ? 1 : 0;
                extremes += sg.extreme >= 0 ? 1 : 0;
            }
        }
        const auto loss_with_bias = [&](double form_zero_bias) {
            at::NoGradGuard no_grad;
            m.word_probe->weight.zero_();
            m.word_probe->bias.zero_();
            m.word_probe->bias[0].fill_(form_zero_bias);
            LossBreakdown b;
            training_loss(m, batch, HipieLossWeights{}, &b, 1.0);
            return b;
        };
        const LossBreakdown uniform = loss_with_bias(0.0), pinned = loss_with_bias(30.0);
        const double want = (segs * std::log(double(kWordForms)) + sized * std::log(2.0) +
                             extremes * std::log(double(kWordExtremes))) /
                            segs;
        QVERIFY2(std::abs(uniform.word_probe - want) < 1e-4,
                 qPrintable(QString("%1 vs %2").arg(uniform.word_probe).arg(want)));
        // log(15 + e^30) - 30 ~ 0 for form-0 rounds, log(15 + e^30) ~ 30 for the others.
        const double shift = (segs - form_zero) * 30.0 - segs * std::log(double(kWordForms));
        QVERIFY2(
            std::abs((pinned.word_probe - uniform.word_probe) - shift / segs) < 1e-3,
            qPrintable(
                QString("%1 vs %2").arg(pinned.word_probe - uniform.word_probe).arg(shift / segs)));
        const LossBreakdown off = loss_at_weight(m, batch, m.word_probe_weight, 0.0);
        const LossBreakdown on = loss_at_weight(m, batch, m.word_probe_weight, 1.5);
        QCOMPARE(off.word_probe, 0.0);
        QVERIFY(std::abs((on.total - off.total) - 1.5 * on.word_probe) < 1e-3 * on.total);
        trainer.save();
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/word_probe.safetensors"));
        TrainerOptions again = small_options(dir.path());
        again.resume = true;
        Trainer resumed(again);
        QCOMPARE(resumed.model().word_probe_weight, 1.5);
        QVERIFY(at::equal(resumed.model().word_probe->bias, m.word_probe->bias));
    }

    // The grounding term enters the total with its weight; the probe is not in the model file.
    void grounding_probe_loss_and_file() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        at::NoGradGuard no_grad;
        LossBreakdown off, on, twice;
        training_loss(trainer.model(), batch, HipieLossWeights{}, &off, 0.0);
        training_loss(trainer.model(), batch, HipieLossWeights{}, &on, 1.0);
        training_loss(trainer.model(), batch, HipieLossWeights{}, &twice, 2.0);
        QCOMPARE(off.grounding, 0.0);
        QCOMPARE(off.query_probe, 0.0);
        QVERIFY(on.grounding > 0.0);
        // The query probe (colour and kind of each matched query's object) shares the weight.
        QVERIFY(on.query_probe > 0.0);
        QCOMPARE(twice.query_probe, on.query_probe);
        const double probes = on.grounding + on.query_probe;
        QVERIFY(std::abs((on.total - off.total) - probes) < 1e-3 * on.total);
        QVERIFY(std::abs((twice.total - off.total) - 2.0 * probes) < 1e-3 * twice.total);
        trainer.save();
        const auto ckpt =
            weights::Checkpoint::open(dir.path().toStdString() + "/model/model.safetensors");
        for (const std::string& name : ckpt.names()) {
            QVERIFY2(name.find("probe") == std::string::npos, name.c_str());
        }
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/grounding_probe.safetensors"));
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/query_probe.safetensors"));
    }

    // Cells of the position grid: row-major, centres on the far edge in the last row/column.
    void position_cells() {
        QCOMPARE(position_cell(0.0F, 0.0F, 4), std::int64_t{0});
        QCOMPARE(position_cell(0.3F, 0.6F, 4), std::int64_t{2 * 4 + 1});
        QCOMPARE(position_cell(1.0F, 0.5F, 4), std::int64_t{2 * 4 + 3});
        QCOMPARE(position_cell(0.99F, 1.0F, 4), std::int64_t{15});
        QCOMPARE(position_cell(0.5F, 0.5F, 1), std::int64_t{0});
        QCOMPARE(position_cell(0.5F, 0.5F, 0), std::int64_t{-1});
    }

    // With a position grid both probes also name the object's cell: their outputs grow by G*G,
    // the cell logits receive gradient from the probe losses, and a resumed run keeps the grid.
    void probe_position_cells() {
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.probe_cells = 3;
        o.patch_probe_weight = 3.0;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        QCOMPARE(m.probe_cells, 3);
        QTemporaryDir plain_dir;
        Trainer plain_trainer(small_options(plain_dir.path()));
        const std::int64_t plain_grounding = plain_trainer.model().grounding_probe->weight.size(0);
        const std::int64_t plain_query = plain_trainer.model().query_probe->weight.size(0);
        QCOMPARE(m.grounding_probe->weight.size(0), plain_grounding + 9);
        QCOMPARE(m.query_probe->weight.size(0), plain_query + 9);
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 1.0).backward();
        QVERIFY(std::isfinite(bd.total));
        // The patch probe (where each image row's patch lies) only exists with a grid; its term
        // enters the total with grounding weight x patch_probe_weight.
        const LossBreakdown bd1 = loss_at_weight(m, batch, m.patch_probe_weight, 1.0);
        QVERIFY(std::abs((bd.total - bd1.total) - 2.0 * bd.patch_probe) < 1e-3 * bd.total);
        QVERIFY(!plain_trainer.model().patch_probe);
        QVERIFY(m.patch_probe);
        QCOMPARE(m.patch_probe->weight.size(0), std::int64_t{2 + 9});
        QVERIFY(bd.patch_probe > 0.0);
        QCOMPARE(m.probes().size(), size_t{3});
        // It reaches the projector (the CLIP tower may be frozen; the projector never is).
        QVERIFY(gradient_reaches(*m.root, "model.mm_projector."));
        for (const torch::nn::Linear& probe : {m.grounding_probe, m.query_probe, m.patch_probe}) {
            const at::Tensor cell_rows =
                probe->weight.grad().narrow(0, probe->weight.size(0) - 9, 9);
            QVERIFY(cell_rows.abs().sum().item<double>() > 0.0);
        }
        trainer.save();
        TrainerOptions again = small_options(dir.path());
        again.resume = true;  // probe_cells 0 given: the run's 3 wins
        Trainer resumed(again);
        QCOMPARE(resumed.model().probe_cells, 3);
        QCOMPARE(resumed.model().patch_probe_weight, 3.0);
        QCOMPARE(resumed.model().query_probe->weight.size(0), plain_query + 9);
        QVERIFY(at::equal(resumed.model().query_probe->weight, m.query_probe->weight));
        QVERIFY(at::equal(resumed.model().patch_probe->weight, m.patch_probe->weight));
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/patch_probe.safetensors"));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 TrainingModel::create(m.config, 1, at::Device(at::kCPU), 9));
    }

    // With patch_squares the patch probe also reads x^2 and y^2 of each patch centre: two more
    // outputs, both trained, and a resumed run keeps them.
    void patch_probe_squares() {
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.probe_cells = 3;
        o.patch_squares = true;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        QVERIFY(m.patch_squares);
        QCOMPARE(m.patch_probe->weight.size(0), std::int64_t{4 + 9});
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 1.0).backward();
        QVERIFY(std::isfinite(bd.patch_probe) && bd.patch_probe > 0.0);
        const at::Tensor square_rows = m.patch_probe->weight.grad().narrow(0, 2, 2);
        QVERIFY(square_rows.abs().sum().item<double>() > 0.0);
        // The targets are x^2 and y^2 of the patch centres: with the square outputs pinned at 1
        // and then at 0 (sigmoid of +-30), the probe loss differs by mean(2 - 2 (x^2 + y^2)).
        const std::vector<float> centres = patch_centres(m.config.vision.num_patches());
        double squares = 0;
        for (const float c : centres) {
            squares += static_cast<double>(c) * c;
        }
        const double n = static_cast<double>(centres.size() / 2);
        const auto loss_with_square_bias = [&](double bias) {
            at::NoGradGuard no_grad;
            m.patch_probe->weight.narrow(0, 2, 2).zero_();
            m.patch_probe->bias.narrow(0, 2, 2).fill_(bias);
            LossBreakdown b;
            training_loss(m, batch, HipieLossWeights{}, &b, 1.0);
            return b.patch_probe;
        };
        const double high = loss_with_square_bias(30.0), low = loss_with_square_bias(-30.0);
        QVERIFY2(
            std::abs((high - low) - (2.0 - 2.0 * squares / n)) < 1e-4,
            qPrintable(QString("%1 - %2 vs %3").arg(high).arg(low).arg(2.0 - 2.0 * squares / n)));
        trainer.save();
        TrainerOptions again = small_options(dir.path());
        again.resume = true;  // patch_squares false given: the run's setting wins
        Trainer resumed(again);
        QVERIFY(resumed.model().patch_squares);
        QVERIFY(at::equal(resumed.model().patch_probe->weight, m.patch_probe->weight));
        // Without a position grid there is no patch probe to give the squares to.
        QVERIFY_THROWS_EXCEPTION(Error,
                                 TrainingModel::create(m.config, 1, at::Device(at::kCPU), 0, true));
    }

    // The size probe's target: log2 of the box area over 1/25 of the frame; degenerate sides
    // are floored at one pixel of 4096.
    void size_probe_targets() {
        QCOMPARE(size_probe_target({0.5F, 0.5F, 0.2F, 0.2F}), 0.0F);
        QVERIFY(std::abs(size_probe_target({0.1F, 0.9F, 0.4F, 0.2F}) - 1.0F) < 1e-6F);
        QVERIFY(std::abs(size_probe_target({0.5F, 0.5F, 0.1F, 0.1F}) + 2.0F) < 1e-6F);
        const float floor = std::log2(25.0F / 4096.0F / 4096.0F);
        QVERIFY(std::abs(size_probe_target({0.5F, 0.5F, 0.0F, -1.0F}) - floor) < 1e-4F);
    }

    // The size probes: one output on the decoder's query features and one on the <seg> tokens'
    // halves, only when their weight is above 0. The query term (every decoder layer's matched
    // query of every target, against size_probe_target of the target's box) and the token term
    // (the mean over the halves of every <seg>, each against the object it names) enter the
    // total with that weight, reach the segmentator and the LLM, are saved beside the run and
    // are kept on resume.
    void size_probe() {
        QTemporaryDir plain_dir;
        Trainer plain(small_options(plain_dir.path()));
        QVERIFY(!plain.model().size_probe);
        QVERIFY(!plain.model().seg_size_probe);
        QCOMPARE(plain.model().probes().size(), size_t{2});
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.size_probe_weight = 2.0;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        QVERIFY(m.size_probe);
        QCOMPARE(m.size_probe_weight, 2.0);
        QCOMPARE(m.size_probe->weight.size(0), std::int64_t{1});
        QCOMPARE(m.seg_size_probe->weight.size(0), std::int64_t{1});
        QCOMPARE(m.probes().size(), size_t{4});
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 1.0).backward();
        QVERIFY(std::isfinite(bd.size_probe) && bd.size_probe > 0.0);
        QVERIFY(std::isfinite(bd.seg_size_probe) && bd.seg_size_probe > 0.0);
        QVERIFY(m.size_probe->weight.grad().abs().sum().item<double>() > 0.0);
        QVERIFY(m.seg_size_probe->weight.grad().abs().sum().item<double>() > 0.0);
        QVERIFY(gradient_reaches(*m.root, "model.layers."));
        QVERIFY(gradient_reaches(*m.segmentator, ""));
        // The term enters the total with its weight.
        const LossBreakdown off = loss_at_weight(m, batch, m.size_probe_weight, 0.0);
        const LossBreakdown twice = loss_at_weight(m, batch, m.size_probe_weight, 2.0);
        QCOMPARE(off.size_probe, 0.0);
        QCOMPARE(off.seg_size_probe, 0.0);
        QVERIFY(std::abs((twice.total - off.total) -
                         2.0 * (twice.size_probe + twice.seg_size_probe)) < 1e-3 * twice.total);
        // The targets, exactly: with the probe's output pinned at +-b (zero weight, bias b) the
        // term is sum |b -+ t| / n, so the two differ by 2 sum(t) / n and their sum says how many
        // rows were probed (every decoder layer repeats each target).
        double target_sum = 0, half_sum = 0;
        int named = 0, halves = 0;
        for (const TrainingSample& sample : batch) {
            for (const SegSample& sg : sample.segs) {
                half_sum += size_probe_target(sg.target.box) +
                            (sg.has_reference ? size_probe_target(sg.reference.box) : 0.0F);
                halves += sg.has_reference ? 2 : 1;
                if (!sg.supervised) {
                    continue;
                }
                if (sg.has_reference) {
                    target_sum += size_probe_target(sg.reference.box);
                    ++named;
                }
                target_sum += size_probe_target(sg.target.box);
                ++named;
            }
        }
        QVERIFY(named > 0);
        QCOMPARE(bd.targets, named);
        const auto loss_with_bias = [&](double bias) {
            at::NoGradGuard no_grad;
            for (const torch::nn::Linear& probe : {m.size_probe, m.seg_size_probe}) {
                probe->weight.zero_();
                probe->bias.fill_(bias);
            }
            LossBreakdown b;
            training_loss(m, batch, HipieLossWeights{}, &b, 1.0);
            return b;
        };
        const LossBreakdown pinned_high = loss_with_bias(100.0),
                            pinned_low = loss_with_bias(-100.0);
        // The token term is a mean over the halves: it differs by 2 mean(t).
        QVERIFY2(std::abs((pinned_low.seg_size_probe - pinned_high.seg_size_probe) / 2.0 -
                          half_sum / halves) < 1e-3,
                 qPrintable(QString("%1 vs %2")
                                .arg((pinned_low.seg_size_probe - pinned_high.seg_size_probe) / 2.0)
                                .arg(half_sum / halves)));
        const double high = pinned_high.size_probe, low = pinned_low.size_probe;
        const double rows = (high + low) / 2.0 * named / 100.0;
        const double layers = rows / named;
        QVERIFY2(layers >= 1.0 && std::abs(layers - std::round(layers)) < 1e-3,
                 qPrintable(QString::number(layers)));
        QVERIFY2(std::abs((low - high) / 2.0 * named - std::round(layers) * target_sum) <
                     1e-3 * std::max(1.0, std::abs(target_sum)),
                 qPrintable(QString("%1 vs %2")
                                .arg((low - high) / 2.0 * named)
                                .arg(std::round(layers) * target_sum)));
        trainer.save();
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/size_probe.safetensors"));
        QVERIFY(std::filesystem::exists(dir.path().toStdString() + "/seg_size_probe.safetensors"));
        TrainerOptions again = small_options(dir.path());
        again.resume = true;  // weight 0 given: the run's 2 wins
        Trainer resumed(again);
        QCOMPARE(resumed.model().size_probe_weight, 2.0);
        QVERIFY(at::equal(resumed.model().size_probe->bias, m.size_probe->bias));
        QVERIFY(at::equal(resumed.model().seg_size_probe->bias, m.seg_size_probe->bias));
    }

    // The image rows an instance covers: a 128 px scene seen at 64 px in an 8 x 8 grid (16 source
    // pixels a patch); a sliver of a patch (less than a tenth of the fullest one) does not count.
    void covered_patches_square_scene() {
        const ModelFrame frame = make_model_frame(128, 128, 128);
        Mask mask(128, 128);
        for (int y = 32; y < 48; ++y) {
            for (int x = 16; x < 49; ++x) {  // columns 1 and 2, and one pixel column of 3
                mask.at(x, y) = 255;
            }
        }
        QCOMPARE(covered_patches(mask, frame, 64, 8), (std::vector<std::int64_t>{17, 18}));
        for (int y = 32; y < 48; ++y) {
            for (int x = 49; x < 52; ++x) {  // 64 pixels of column 3: a quarter of the fullest
                mask.at(x, y) = 255;
            }
        }
        QCOMPARE(covered_patches(mask, frame, 64, 8), (std::vector<std::int64_t>{17, 18, 19}));
        QCOMPARE(covered_patches(Mask(128, 128), frame, 64, 8), std::vector<std::int64_t>{});
        QVERIFY_THROWS_EXCEPTION(Error, covered_patches(Mask(64, 64), frame, 64, 8));
    }

    // A 256 x 128 scene: CLIP resizes it to 128 x 64 and keeps the centre 64 x 64 (source x
    // 64..191); HIPIE's frame of side 128 holds it at half scale in its top-left corner.
    void covered_patches_wide_scene() {
        const ModelFrame frame = make_model_frame(256, 128, 128);
        Mask outside(128, 128);
        Mask inside(128, 128);
        for (int y = 0; y < 16; ++y) {
            for (int x = 0; x < 15; ++x) {
                outside.at(x, y) = 255;  // source x 0..29: cropped away
            }
            for (int x = 32; x < 48; ++x) {
                inside.at(x, y) = 255;  // source x 64..95, y 0..31: 16 source px a patch
            }
        }
        QCOMPARE(covered_patches(outside, frame, 64, 8), std::vector<std::int64_t>{});
        QCOMPARE(covered_patches(inside, frame, 64, 8), (std::vector<std::int64_t>{0, 1, 8, 9}));
    }

    // Attention supervision: its term (-log of the attention mass on the object's image rows)
    // enters the total with its weight, reaches the supervised layer and no later one, and a
    // resumed run keeps the weight and the layer.
    void attention_supervision() {
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.attend_weight = 2.0;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        const std::int64_t layers = m.config.llm.num_hidden_layers;
        QCOMPARE(m.attend_layer, layers / 2);
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 0.0).backward();
        QVERIFY(bd.attend > 0.0);
        QVERIFY(bd.attend_mass > 0.0 && bd.attend_mass < 1.0);
        QVERIFY(std::abs(bd.attend + std::log(bd.attend_mass)) < 5.0);
        LossBreakdown off;
        m.attend_weight = 0.0;
        {
            at::NoGradGuard no_grad;
            training_loss(m, batch, HipieLossWeights{}, &off, 0.0);
        }
        m.attend_weight = 2.0;
        QCOMPARE(off.attend, 0.0);
        QVERIFY(std::abs((bd.total - off.total) - 2.0 * bd.attend) < 1e-3 * bd.total);
        // Only the attention term differs between the two: check that it reaches the query
        // projection of the supervised layer.
        for (auto& p : m.root->parameters(true)) {
            p.mutable_grad() = at::Tensor();
        }
        {
            LossBreakdown again;
            const std::vector<TrainingSample> one = {batch.front()};
            const at::Tensor with = training_loss(m, one, HipieLossWeights{}, &again, 0.0);
            m.attend_weight = 0.0;
            const at::Tensor without = training_loss(m, one, HipieLossWeights{}, &again, 0.0);
            m.attend_weight = 2.0;
            (with - without).backward();
        }
        const auto grad_of = [&](const std::string& name) {
            for (const auto& p : m.root->named_parameters(true)) {
                if (p.key() == name) {
                    return p.value().grad().defined() ? p.value().grad().abs().sum().item<double>()
                                                      : 0.0;
                }
            }
            return -1.0;
        };
        const std::string layer = "model.layers." + std::to_string(layers / 2) + ".self_attn.";
        // (the shared terms cancel up to rounding in the later layer)
        const double supervised = grad_of(layer + "q_proj.weight");
        const double later =
            grad_of("model.layers." + std::to_string(layers - 1) + ".self_attn.q_proj.weight");
        QVERIFY2(supervised > 0.0 && later < 1e-4 * supervised,
                 qPrintable(QString("supervised %1 later %2").arg(supervised).arg(later)));
        trainer.save();
        TrainerOptions resume = small_options(dir.path());
        resume.resume = true;
        Trainer resumed(resume);
        QCOMPARE(resumed.model().attend_weight, 2.0);
        QCOMPARE(resumed.model().attend_layer, layers / 2);
        QCOMPARE(resumed.model().attend_reference_layer, layers / 2);
        // The look at [k] in an earlier layer (two hops): its term reaches that layer.
        QTemporaryDir two_dir;
        TrainerOptions two = small_options(two_dir.path());
        two.attend_weight = 1.0;
        two.attend_reference_layer = 0;
        Trainer two_hops(two);
        QCOMPARE(two_hops.model().attend_reference_layer, std::int64_t{0});
        LossBreakdown bd_two;
        training_loss(two_hops.model(), two_hops.make_batch(0), HipieLossWeights{}, &bd_two, 0.0)
            .backward();
        QVERIFY(bd_two.attend > 0.0 && std::isfinite(bd_two.attend));
        QTemporaryDir bad_dir;
        TrainerOptions bad = small_options(bad_dir.path());
        bad.attend_weight = 1.0;
        bad.attend_layer = static_cast<int>(layers);
        QVERIFY_THROWS_EXCEPTION(Error, Trainer{bad});
        QTemporaryDir bad_ref_dir;
        TrainerOptions bad_ref = small_options(bad_ref_dir.path());
        bad_ref.attend_weight = 1.0;
        bad_ref.attend_reference_layer = static_cast<int>(layers) + 1;
        QVERIFY_THROWS_EXCEPTION(Error, Trainer{bad_ref});
    }

    // With the detach switch the HIPIE losses no longer reach segmentator_predictor (the LM
    // loss never does: it reads the hidden states, not the <seg> tokens; the probe is off).
    void rival_term_in_training() {
        // Off by default: the samples hold no rivals and none reach the loss. With a weight,
        // the term enters the total with it, and its gradient reaches the LLM through the <seg>
        // tokens.
        QTemporaryDir plain_dir;
        Trainer plain(small_options(plain_dir.path()));
        for (const TrainingSample& sample : plain.make_batch(0)) {
            for (const SegSample& sg : sample.segs) {
                QVERIFY(sg.rivals.empty());
            }
        }
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.select_rival_weight = 2.0;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        std::size_t rivals = 0;
        for (const TrainingSample& sample : batch) {
            for (const SegSample& sg : sample.segs) {
                rivals += sg.rivals.size();
            }
        }
        QVERIFY(rivals > 0);
        HipieLossWeights w;
        LossBreakdown off, on;
        {
            at::NoGradGuard no_grad;
            training_loss(m, batch, w, &off, 1.0);
        }
        QCOMPARE(off.select_rival, 0.0);
        w.loss_select_rival = 2.0;
        training_loss(m, batch, w, &on, 1.0).backward();
        QVERIFY2(std::isfinite(on.select_rival) && on.select_rival > 0.0,
                 std::to_string(on.select_rival).c_str());
        QVERIFY(std::abs((on.total - off.total) - 2.0 * on.select_rival) < 1e-4 * on.total);
        QVERIFY(gradient_reaches(*m.root, "model.layers."));
    }

    void word_look() {
        // The last head of the word-look layer, at the state before each <seg>, on the deciding
        // word: -log of that attention, averaged over the <seg> that have such a word.
        QTemporaryDir dir;
        TrainerOptions o = small_options(dir.path());
        o.attend_word_weight = 1.5;
        o.attend_word_layer = 1;
        Trainer trainer(o);
        TrainingModel& m = trainer.model();
        QCOMPARE(m.attend_word_weight, 1.5);
        QCOMPARE(m.attend_word_layer, std::int64_t{1});
        const std::vector<TrainingSample> batch = trainer.make_batch(0);
        int words = 0;
        for (const TrainingSample& sample : batch) {
            for (const SegSample& sg : sample.segs) {
                words += sg.word_position >= 0 ? 1 : 0;
            }
        }
        QVERIFY(words > 0);
        // The loss by hand from the captured attention of that layer.
        const BatchForward f = forward_batch(m, batch, false);
        QVERIFY(f.word_attention.defined());
        QVERIFY(!f.attention.defined());  // the answer / [k] looks stay off
        const std::int64_t heads = f.word_attention.size(1);
        double want = 0;
        double mass = 0;
        for (size_t i = 0; i < batch.size(); ++i) {
            for (const SegSample& sg : batch[i].segs) {
                if (sg.word_position >= 0) {
                    const double a = f.word_attention[static_cast<std::int64_t>(i)][heads - 1]
                                                     [sg.position - 1][sg.word_position]
                                                         .item<double>();
                    want += -std::log(a + 1e-6);
                    mass += a;
                }
            }
        }
        want /= words;
        LossBreakdown bd;
        training_loss(m, batch, HipieLossWeights{}, &bd, 1.0).backward();
        QVERIFY2(std::abs(bd.attend_word - want) < 1e-4 * want,
                 (std::to_string(bd.attend_word) + " " + std::to_string(want)).c_str());
        QVERIFY(std::abs(bd.attend_word_mass - mass / words) < 1e-5);
        QVERIFY(gradient_reaches(*m.root, "model.layers.1."));
        const LossBreakdown off = loss_at_weight(m, batch, m.attend_word_weight, 0.0);
        const LossBreakdown on = loss_at_weight(m, batch, m.attend_word_weight, 1.5);
        QCOMPARE(off.attend_word, 0.0);
        QVERIFY(std::abs((on.total - off.total) - 1.5 * on.attend_word) < 1e-4 * on.total);
        // A layer the model does not have is refused.
        QTemporaryDir bad_dir;
        TrainerOptions bad = small_options(bad_dir.path());
        bad.attend_word_weight = 1.0;
        bad.attend_word_layer = 99;
        QVERIFY_THROWS_EXCEPTION(segllm::Error, Trainer{bad});
    }

    void detach_stops_hipie_at_the_seg_tokens() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        const std::vector<TrainingSample> batch = trainer.make_batch(1);
        auto predictor_grad = [&](bool detach) {
            for (auto& p : trainer.model().root->parameters(true)) {
                p.mutable_grad() = at::Tensor();
            }
            LossBreakdown bd;
            training_loss(trainer.model(), batch, HipieLossWeights{}, &bd, 0.0, detach).backward();
            double norm = 0;
            for (const auto& p : trainer.model().root->named_parameters(true)) {
                if (p.key().rfind("model.segmentator_predictor.", 0) == 0 &&
                    p.value().grad().defined()) {
                    norm += p.value().grad().pow(2).sum().item<double>();
                }
            }
            return std::sqrt(norm);
        };
        // Left with the detach: only the 1e-3 mean(e^2) regulariser of the <seg> tokens.
        const double full = predictor_grad(false), detached = predictor_grad(true);
        QVERIFY(full > 0.0);
        QVERIFY2(detached < 1e-3 * full,
                 qPrintable(QString("full %1 detached %2").arg(full).arg(detached)));
    }

    // LLaMA's initialisation (std 0.02, zero biases) for the LLM and projectors; CLIP keeps its
    // own (its class embedding is not 0.02-scaled).
    void llm_initialisation() {
        QTemporaryDir dir;
        Trainer trainer(small_options(dir.path()));
        for (const auto& p : trainer.model().root->named_parameters(true)) {
            const std::string& k = p.key();
            if (k == "model.embed_tokens.weight" || k == "lm_head.weight" ||
                k == "model.layers.0.self_attn.q_proj.weight" ||
                k == "model.mm_projector.0.weight") {
                const double sd = p.value().std().item<double>();
                QVERIFY2(sd > 0.017 && sd < 0.023, (k + " std " + std::to_string(sd)).c_str());
            }
            if (k == "model.mm_projector.0.bias") {
                QCOMPARE(p.value().abs().max().item<double>(), 0.0);
            }
            if (k == "model.norm.weight") {
                QCOMPARE(p.value().min().item<double>(), 1.0);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestRecipe)
#include "test_recipe.moc"
