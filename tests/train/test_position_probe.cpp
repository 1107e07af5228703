// The position probe (core/train/position_probe.h, `segllm probe-position`): the ridge read-out
// finds a linear target and finds nothing in noise, the patch centres are row-major, a probe
// run reports every read-out with its row counts and repeats itself for a seed, bad options are
// refused, and on the shipped model the CLIP patch features say where their patch lies.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/model/config.h"
#include "core/synth/conversation.h"
#include "core/synth/random.h"
#include "core/text/tokenizer.h"
#include "core/train/position_probe.h"
#include "core/train/trainer.h"
#include "tests/train/small_trainer_options.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace segllm;
using namespace segllm::train;

namespace {

at::Tensor alternate_rows(std::int64_t n) {
    return (at::arange(n) % 2 == 0);
}

const PositionFit* find_fit(const PositionProbeReport& r, const std::string& features,
                            const std::string& subset) {
    for (const PositionFit& f : r.fits) {
        if (f.features == features && f.subset == subset) {
            return &f;
        }
    }
    return nullptr;
}

}  // namespace

class TestPositionProbe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        segllm::init_torch_threads(1);
        at::manual_seed(5);
    }

    void ridge_finds_a_linear_target() {
        const at::Tensor x = at::randn({400, 6});
        const at::Tensor w = at::tensor({0.5F, -1.0F, 0.0F, 2.0F, 0.25F, 0.0F}).view({6, 1});
        const at::Tensor y = at::cat({x.mm(w) + 3.0, -x.narrow(1, 2, 1)}, 1);
        const std::vector<double> r2 = ridge_r2(x, y, alternate_rows(400), 1e-4);
        QCOMPARE(r2.size(), size_t(2));
        QVERIFY2(r2[0] > 0.99, std::to_string(r2[0]).c_str());
        QVERIFY2(r2[1] > 0.99, std::to_string(r2[1]).c_str());
    }

    void ridge_finds_nothing_in_noise() {
        const at::Tensor x = at::randn({600, 8});
        const at::Tensor y = at::rand({600, 2});
        const std::vector<double> r2 = ridge_r2(x, y, alternate_rows(600), 1e-3);
        QVERIFY2(r2[0] < 0.05 && r2[1] < 0.05,
                 (std::to_string(r2[0]) + " " + std::to_string(r2[1])).c_str());
    }

    void ridge_scores_only_the_subset_asked() {
        // Rows 1, 3, 5, ... are scored; the subset keeps those with a target far from the fit:
        // a subset scored alone differs from all the other rows scored together.
        const at::Tensor x = at::randn({300, 3});
        const at::Tensor y = x.narrow(1, 0, 1).pow(3);
        const at::Tensor fit = alternate_rows(300);
        const at::Tensor subset = fit.logical_not() & (x.narrow(1, 0, 1).squeeze(1) > 1.0);
        const double all = ridge_r2(x, y, fit, 1e-4)[0];
        const double some = ridge_r2(x, y, fit, 1e-4, subset)[0];
        QVERIFY(std::isfinite(all) && std::isfinite(some));
        QVERIFY(std::abs(all - some) > 0.05);
    }

    void ridge_refuses_bad_shapes() {
        const at::Tensor x = at::randn({10, 3});
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 ridge_r2(x, at::randn({9, 2}), alternate_rows(10), 0.0));
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 ridge_r2(x, at::randn({10, 2}), alternate_rows(9), 0.0));
        // every row fits: none to score
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 ridge_r2(x, at::randn({10, 2}), at::ones({10}, at::kBool), 0.0));
    }

    void patch_centres_are_row_major() {
        const std::vector<float> c = patch_centres(4);
        const std::vector<float> want = {0.25F, 0.25F, 0.75F, 0.25F, 0.25F, 0.75F, 0.75F, 0.75F};
        QCOMPARE(c, want);
        QVERIFY_THROWS_EXCEPTION(segllm::Error, patch_centres(5));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, patch_centres(0));
    }

    void probe_reports_every_read_out() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Trainer trainer(small_trainer_options(dir.path(), 3, 1));
        PositionProbeOptions o;
        o.conversations = 10;
        o.max_rounds = 3;
        o.batch = 4;
        int last = 0;
        const PositionProbeReport r =
            probe_positions(trainer.model(), trainer.tokenizer(), o, [&](int done, int total) {
                QCOMPARE(total, 10);
                QVERIFY(done > last);
                last = done;
            });
        QCOMPARE(last, 10);
        QCOMPARE(r.conversations, std::int64_t(10));
        QVERIFY(r.rounds >= 10 && r.rounds <= 30);
        // 3 patch read-outs, the <seg> state -> answer centre per subset (7), and for the rounds
        // with a reference the <seg> state -> [k]'s centre and -> answer minus [k] (5 each);
        // then the word read-outs, each only when both halves have two rows of its rounds.
        const auto word_fit = [](const PositionFit& f) {
            return f.target == "large / area" || f.target == "far / distance" ||
                   f.target == "right / below" || f.target == "colour / shared";
        };
        const auto words = std::count_if(r.fits.begin(), r.fits.end(), word_fit);
        QCOMPARE(r.fits.size() - static_cast<size_t>(words), size_t(3 + 7 + 5 + 5));
        QVERIFY(std::all_of(r.fits.end() - words, r.fits.end(), word_fit));
        const std::int64_t patches = trainer.model().config.vision.num_patches();
        for (const char* features : {"clip patches", "image rows", "llm at image rows"}) {
            const PositionFit* f = find_fit(r, features, "all");
            QVERIFY2(f != nullptr, features);
            QCOMPARE(f->fit_rows, 5 * patches);
            QCOMPARE(f->scored_rows, 5 * patches);
            QVERIFY(std::isfinite(f->r2_x) && std::isfinite(f->r2_y));
        }
        const PositionFit* seg = find_fit(r, "<seg> state", "all");
        QVERIFY(seg != nullptr);
        QCOMPARE(seg->fit_rows + seg->scored_rows, r.rounds);
        const PositionFit* first = find_fit(r, "<seg> state", "round 1");
        QVERIFY(first != nullptr);
        QCOMPARE(first->scored_rows, std::int64_t(5));
        // Attention looks: the answer's rows for every subset of the <seg> state, [k]'s rows for
        // the rounds with a reference; one best head per layer; masses between 0 and 1.
        QCOMPARE(r.looks.size(), size_t(7 + 5));
        const std::int64_t layers = trainer.model().config.llm.num_hidden_layers;
        std::int64_t answer_rounds = 0;
        for (const AttentionLook& l : r.looks) {
            if (l.rows == "answer" && l.subset == "all") {
                answer_rounds = l.rounds;
            }
            if (l.rounds == 0) {
                QVERIFY(l.layers.empty());
                continue;
            }
            QCOMPARE(static_cast<std::int64_t>(l.layers.size()), layers);
            QVERIFY(l.uniform > 0.0 && l.uniform < 1.0);
            for (size_t k = 0; k < l.layers.size(); ++k) {
                QVERIFY(l.layers[k] >= 0.0 && l.layers[k] <= 1.0);
                QVERIFY(l.heads[k] >= 0 &&
                        l.heads[k] < trainer.model().config.llm.num_attention_heads);
            }
        }
        QVERIFY(answer_rounds > 0 && answer_rounds <= r.rounds);
        std::int64_t reference_rounds = 0;
        for (const AttentionLook& l : r.looks) {
            if (l.rows == "instance [k]" && l.subset == "all") {
                reference_rounds = l.rounds;
            }
        }
        QVERIFY(reference_rounds > 0 && reference_rounds < r.rounds);
        for (const char* target : {"[k] centre", "answer - [k]"}) {
            const auto it = std::find_if(r.fits.begin(), r.fits.end(), [&](const PositionFit& f) {
                return f.target == target && f.subset == "all";
            });
            QVERIFY2(it != r.fits.end(), target);
            QCOMPARE(it->features, std::string("<seg> state"));
            QCOMPARE(it->fit_rows + it->scored_rows, reference_rounds);
        }
        QCOMPARE(r.looks.front().rows, std::string("answer"));
        QCOMPARE(r.looks.back().rows, std::string("instance [k]"));
        // The model is left in training mode, and the same options give the same figures.
        QVERIFY(trainer.model().root->is_training());
        const PositionProbeReport again = probe_positions(trainer.model(), trainer.tokenizer(), o);
        QCOMPARE(again.fits.size(), r.fits.size());
        for (size_t i = 0; i < r.fits.size(); ++i) {
            QCOMPARE(again.fits[i].scored_rows, r.fits[i].scored_rows);
            if (std::isfinite(r.fits[i].r2_x)) {
                QCOMPARE(again.fits[i].r2_x, r.fits[i].r2_x);
                QCOMPARE(again.fits[i].r2_y, r.fits[i].r2_y);
            }
        }
    }

    // The word read-outs: one row per round of their forms, in the conversations the probe
    // draws (regenerated here from the same seeds), fitted on the even ones.
    void probe_word_read_outs() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Trainer trainer(small_trainer_options(dir.path(), 3, 1));
        PositionProbeOptions o;
        o.conversations = 60;
        o.max_rounds = 8;
        o.batch = 8;
        const PositionProbeReport r = probe_positions(trainer.model(), trainer.tokenizer(), o);
        const SampleOptions so = sample_options_for(trainer.model().config, true, false);
        synth::ConversationOptions co;
        co.min_rounds = 1;
        co.max_rounds = o.max_rounds;
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> want;  // fit, scored
        for (int i = 0; i < o.conversations; ++i) {
            const synth::Conversation c = draw_conversation(
                synth::mix_seed(o.seed, static_cast<std::uint64_t>(i)), 0.0, co, so.hipie_side);
            for (const synth::Round& round : c.rounds) {
                std::string target;
                switch (round.spec.form) {
                    case synth::Form::size:
                        target = "large / area";
                        break;
                    case synth::Form::nearest:
                    case synth::Form::farthest:
                        target = "far / distance";
                        break;
                    case synth::Form::left_of:
                    case synth::Form::right_of:
                    case synth::Form::above:
                    case synth::Form::below:
                        target = "right / below";
                        break;
                    case synth::Form::same_colour:
                    case synth::Form::same_shape:
                        target = "colour / shared";
                        break;
                    default:
                        continue;
                }
                auto& [fit, scored] = want[target];
                (i % 2 == 0 ? fit : scored) += 1;
            }
        }
        QVERIFY(want.count("right / below") == 1);  // 60 conversations hold side rounds
        for (const auto& [target, rows] : want) {
            const auto it = std::find_if(r.fits.begin(), r.fits.end(),
                                         [&](const PositionFit& f) { return f.target == target; });
            if (rows.first < 2 || rows.second < 2) {
                QVERIFY2(it == r.fits.end(), target.c_str());
                continue;
            }
            QVERIFY2(it != r.fits.end(), target.c_str());
            QCOMPARE(it->features, std::string("<seg> state"));
            QCOMPARE(it->fit_rows, rows.first);
            QCOMPARE(it->scored_rows, rows.second);
        }
    }

    void probe_refuses_bad_options() {
        QTemporaryDir dir;
        Trainer trainer(small_trainer_options(dir.path(), 3, 1));
        PositionProbeOptions o;
        o.conversations = 3;
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 probe_positions(trainer.model(), trainer.tokenizer(), o));
        o.conversations = 8;
        o.max_rounds = 9;
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 probe_positions(trainer.model(), trainer.tokenizer(), o));
        o.max_rounds = 2;
        o.ridge = -1;
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 probe_positions(trainer.model(), trainer.tokenizer(), o));
    }

    // The shipped model's frozen CLIP tower says where each patch lies (a linear read-out gets
    // R^2 above 0.9 on 2000 conversations); with 100 conversations it is still far above 0.8.
    void shipped_clip_patches_know_their_place() {
        const std::string dir = SEGLLM_SOURCE_DIR "/resources/models/segllm-tiny";
        const model::SegllmConfig config = model::load_segllm_config(dir + "/config.json");
        const text::Tokenizer tokenizer = text::Tokenizer::load(dir);
        TrainingModel m = TrainingModel::create(config, 0);
        load_model_weights(m, dir + "/model.safetensors");
        PositionProbeOptions o;
        o.conversations = 100;
        const PositionProbeReport r = probe_positions(m, tokenizer, o);
        const PositionFit* clip = find_fit(r, "clip patches", "all");
        QVERIFY(clip != nullptr);
        QVERIFY2(clip->r2_x > 0.8 && clip->r2_y > 0.8,
                 (std::to_string(clip->r2_x) + " " + std::to_string(clip->r2_y)).c_str());
    }
};

QTEST_GUILESS_MAIN(TestPositionProbe)
#include "test_position_probe.moc"
