// Training samples from shapes-world conversations: labels only on the assistant <seg> and
// </s>, the <video> count (N image rows + 2 per reference), the 0/1 keep masks, the
// no-mask-memory ablation, and the targets / encode inputs against the synth masks mapped to
// the padded frame by independent loops. A BPE tokenizer is trained on the world's sentences.

#include "core/common/error.h"
#include "core/synth/conversation.h"
#include "core/text/tokenizer.h"
#include "core/train/sample.h"
#include "core/train/world_tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

using namespace segllm;
using namespace segllm::train;

class TestSample : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<text::Tokenizer> tokenizer_;

    // Conversations of 3..4 rounds with at least one reference.
    synth::Conversation conversation(std::uint64_t seed, int w = 128, int h = 128) {
        for (std::uint64_t s = seed;; s += 1000) {
            synth::Conversation c = synth::generate_conversation(s, synth::SceneOptions{w, h},
                                                                 synth::ConversationOptions{3, 4});
            for (const auto& r : c.rounds) {
                if (!r.references.empty()) {
                    return c;
                }
            }
        }
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        WorldTokenizerOptions options;
        options.sentences = 800;
        const std::string path = train_world_tokenizer(dir_.path().toStdString(), options);
        tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(path));
        QCOMPARE(tokenizer_->vocab_size(), 512 + 11);
    }

    void labels_only_on_assistant_tokens() {
        synth::Rng rng(1);
        for (std::uint64_t seed = 0; seed < 5; ++seed) {
            const synth::Conversation c = conversation(seed);
            const TrainingSample s = build_sample(c, *tokenizer_, SampleOptions{}, rng);
            QCOMPARE(s.labels.size(), s.input_ids.size());
            int segs = 0, ends = 0;
            for (size_t i = 0; i < s.labels.size(); ++i) {
                if (s.labels[i] == kIgnoreLabel) {
                    QVERIFY(i == 0 || (s.input_ids[i] != tokenizer_->seg_id() &&
                                       s.input_ids[i] != tokenizer_->eos_id()));
                    continue;
                }
                QCOMPARE(s.labels[i], s.input_ids[i]);
                if (s.labels[i] == tokenizer_->seg_id()) {
                    ++segs;
                    // the assistant answer is exactly "<seg></s>"
                    QCOMPARE(s.input_ids[i + 1], tokenizer_->eos_id());
                    const std::string before = tokenizer_->decode(
                        {s.input_ids.begin(), s.input_ids.begin() + static_cast<long>(i)});
                    QVERIFY2(before.size() > 12 &&
                                 before.compare(before.size() - 12, 12, " ASSISTANT: ") == 0,
                             before.c_str());
                } else {
                    QCOMPARE(s.labels[i], tokenizer_->eos_id());
                    QCOMPARE(s.input_ids[i - 1], tokenizer_->seg_id());
                    ++ends;
                }
            }
            QCOMPARE(segs, static_cast<int>(c.rounds.size()));
            QCOMPARE(ends, static_cast<int>(c.rounds.size()));
            QCOMPARE(s.input_ids[0], tokenizer_->bos_id());
            QCOMPARE(s.segs.size(), c.rounds.size());
            for (const SegSample& sg : s.segs) {
                QCOMPARE(s.input_ids[static_cast<size_t>(sg.position)], tokenizer_->seg_id());
            }
        }
    }

    void placeholders_and_keep_masks() {
        synth::Rng rng(2);
        int zeros = 0, ones = 0;
        for (std::uint64_t seed = 10; seed < 20; ++seed) {
            const synth::Conversation c = conversation(seed);
            const TrainingSample s = build_sample(c, *tokenizer_, SampleOptions{}, rng);
            int references = 0;
            for (const auto& r : c.rounds) {
                references += static_cast<int>(r.references.size());
            }
            int videos = 0;
            for (int id : s.input_ids) {
                videos += id == tokenizer_->video_id() ? 1 : 0;
            }
            QCOMPARE(videos, 64 + 2 * references);
            QCOMPARE(static_cast<int>(s.image_positions.size()), 64);
            QCOMPARE(static_cast<int>(s.encodes.size()), references);
            for (const EncodeInput& e : s.encodes) {
                QCOMPARE(s.input_ids[static_cast<size_t>(e.mask_position)], tokenizer_->video_id());
                QCOMPARE(e.box_position, e.mask_position + 1);
                for (float k : {e.mask_keep, e.box_keep}) {
                    QVERIFY(k == 0.0F || k == 1.0F);
                    (k == 0.0F ? zeros : ones) += 1;
                }
            }
            int supervised = 0;
            for (const SegSample& sg : s.segs) {
                supervised += sg.supervised ? 1 : 0;
            }
            QCOMPARE(supervised, 2);
        }
        QVERIFY(zeros > 3 && ones > 3);  // Bernoulli(0.5) over > 20 rows
        // keep_probability 1 (--encode-keep 1) keeps every row of a training sample
        SampleOptions all;
        all.keep_probability = 1.0;
        const TrainingSample kept = build_sample(conversation(10), *tokenizer_, all, rng);
        QVERIFY(!kept.encodes.empty());
        for (const EncodeInput& e : kept.encodes) {
            QCOMPARE(e.mask_keep, 1.0F);
            QCOMPARE(e.box_keep, 1.0F);
        }
        // evaluation samples keep every row
        SampleOptions eval;
        eval.training = false;
        const TrainingSample s = build_sample(conversation(10), *tokenizer_, eval, rng);
        for (const EncodeInput& e : s.encodes) {
            QCOMPARE(e.mask_keep, 1.0F);
            QCOMPARE(e.box_keep, 1.0F);
        }
    }

    // hard_rounds 1: the two mask-supervised <seg> are the hard rounds (positional,
    // interactional, attribute) where there are two, all of them and then others where there
    // are fewer; hard_rounds 0 (the default) spends no random draw on it, hard_rounds 1 exactly
    // one, and the uniform choice does pass hard rounds over. Each <seg> carries its round's
    // relation.
    void hard_rounds_are_supervised_first() {
        QCOMPARE(hard_relation(synth::RelationType::absolute), false);
        QCOMPARE(hard_relation(synth::RelationType::hierarchical), false);
        QCOMPARE(hard_relation(synth::RelationType::positional), true);
        int with_hard = 0, mixed = 0, uniform_missed = 0;
        for (std::uint64_t seed = 200; seed < 240; ++seed) {
            const synth::Conversation c = synth::generate_conversation(
                seed, synth::SceneOptions{128, 128}, synth::ConversationOptions{4, 8});
            int hard = 0;
            for (const auto& r : c.rounds) {
                hard += hard_relation(r.type) ? 1 : 0;
            }
            SampleOptions first;
            first.hard_rounds = 1.0;
            synth::Rng rng_first(seed);
            const TrainingSample s = build_sample(c, *tokenizer_, first, rng_first);
            int supervised = 0, supervised_hard = 0;
            for (size_t i = 0; i < s.segs.size(); ++i) {
                QCOMPARE(s.segs[i].relation, c.rounds[i].type);
                if (s.segs[i].supervised) {
                    ++supervised;
                    supervised_hard += hard_relation(s.segs[i].relation) ? 1 : 0;
                }
            }
            QCOMPARE(supervised, 2);
            QCOMPARE(supervised_hard, std::min(hard, 2));
            with_hard += hard > 0 ? 1 : 0;
            mixed += hard > 0 && hard < static_cast<int>(c.rounds.size()) ? 1 : 0;

            // The default: one draw fewer than hard_rounds 1 (everything before the choice
            // draws the same), so the stream of a run without the option is unchanged.
            synth::Rng rng_uniform(seed);
            const TrainingSample u = build_sample(c, *tokenizer_, SampleOptions{}, rng_uniform);
            rng_uniform.next();
            QCOMPARE(rng_uniform.next(), rng_first.next());
            int uniform_hard = 0;
            for (const SegSample& sg : u.segs) {
                uniform_hard += sg.supervised && hard_relation(sg.relation) ? 1 : 0;
            }
            uniform_missed += uniform_hard < std::min(hard, 2) ? 1 : 0;
        }
        // the check above must have had conversations where the choice matters, and the
        // uniform choice must miss hard rounds in some of them
        QVERIFY2(mixed >= 10,
                 qPrintable(QString("%1 of 40 with hard and other rounds").arg(mixed)));
        QVERIFY(with_hard >= 10);
        QVERIFY2(
            uniform_missed >= 5,
            qPrintable(QString("uniform choice missed hard rounds in %1").arg(uniform_missed)));
    }

    // first_forms: under hard_rounds 1 the rounds of those forms are supervised before the
    // other hard rounds, with no draw more than hard_rounds alone; max_mask_rounds sets how many
    // <seg> are supervised.
    void first_forms_and_mask_rounds() {
        QVERIFY(synth::form_named("touching") == synth::Form::touching);
        QVERIFY(synth::form_named("left_of") == synth::Form::left_of);
        QVERIFY(!synth::form_named("left of"));
        QVERIFY(!synth::form_named(""));
        const std::vector<synth::Form> first = {synth::Form::above, synth::Form::left_of};
        const auto is_first = [&first](int form) {
            return std::find(first.begin(), first.end(), static_cast<synth::Form>(form)) !=
                   first.end();
        };
        int decided = 0, plain_missed = 0;
        for (std::uint64_t seed = 300; seed < 400; ++seed) {
            const synth::Conversation c = synth::generate_conversation(
                seed, synth::SceneOptions{128, 128}, synth::ConversationOptions{4, 8});
            int wanted = 0, hard = 0;
            for (const auto& r : c.rounds) {
                wanted += is_first(static_cast<int>(r.spec.form)) ? 1 : 0;
                hard += hard_relation(r.type) ? 1 : 0;
            }
            SampleOptions plain;
            plain.hard_rounds = 1.0;
            SampleOptions with_first = plain;
            with_first.first_forms = first;
            synth::Rng rng_plain(seed), rng_first(seed);
            const TrainingSample p = build_sample(c, *tokenizer_, plain, rng_plain);
            const TrainingSample s = build_sample(c, *tokenizer_, with_first, rng_first);
            QCOMPARE(rng_first.next(), rng_plain.next());  // the same draws
            int supervised = 0, supervised_first = 0, supervised_hard = 0, plain_first = 0;
            for (size_t i = 0; i < s.segs.size(); ++i) {
                QCOMPARE(s.segs[i].form, static_cast<int>(c.rounds[i].spec.form));
                if (s.segs[i].supervised) {
                    ++supervised;
                    supervised_first += is_first(s.segs[i].form) ? 1 : 0;
                    supervised_hard += hard_relation(s.segs[i].relation) ? 1 : 0;
                }
                plain_first += p.segs[i].supervised && is_first(p.segs[i].form) ? 1 : 0;
            }
            QCOMPARE(supervised, 2);
            QCOMPARE(supervised_first, std::min(wanted, 2));
            QCOMPARE(supervised_hard, std::min(hard, 2));  // the hard rounds still come next
            if (wanted > 0 && hard > wanted) {
                ++decided;
                plain_missed += plain_first < std::min(wanted, 2) ? 1 : 0;
            }

            // max_mask_rounds: that many <seg> (all where there are fewer)
            for (int m : {1, 3, 8}) {
                SampleOptions more;
                more.max_mask_rounds = m;
                synth::Rng rng(seed);
                const TrainingSample t = build_sample(c, *tokenizer_, more, rng);
                int n = 0;
                for (const SegSample& sg : t.segs) {
                    n += sg.supervised ? 1 : 0;
                }
                QCOMPARE(n, std::min(m, static_cast<int>(c.rounds.size())));
            }
        }
        // conversations where first_forms changes the choice, and hard_rounds alone misses
        // some of those rounds
        QVERIFY2(decided >= 10, qPrintable(QString("%1 of 100 decided").arg(decided)));
        QVERIFY2(plain_missed >= 3,
                 qPrintable(QString("hard_rounds alone missed %1").arg(plain_missed)));
    }

    void no_mask_memory_drops_the_rows() {
        synth::Rng rng(3);
        const synth::Conversation c = conversation(30);
        SampleOptions options;
        options.mask_memory = false;
        const TrainingSample s = build_sample(c, *tokenizer_, options, rng);
        QVERIFY(s.encodes.empty());
        int videos = 0;
        for (int id : s.input_ids) {
            videos += id == tokenizer_->video_id() ? 1 : 0;
        }
        QCOMPARE(videos, 64);
        // the text still names the instance
        QVERIFY(tokenizer_->decode(s.input_ids).find("instance ") != std::string::npos);
        // references still give reference targets
        bool any_reference = false;
        for (const SegSample& sg : s.segs) {
            any_reference = any_reference || sg.has_reference;
        }
        QVERIFY(any_reference);
    }

    void answers_that_vanish_in_the_frame() {
        // 512 x 96 scales by 1/4 into the 128 px frame: a one-pixel answer leaves no pixel there
        // (bilinear over a 4-pixel support), so the conversation cannot be supervised.
        synth::Conversation c = conversation(7, 512, 96);
        QVERIFY(answers_fit_frame(c, 128));
        synth::Rng rng(1);
        (void)build_sample(c, *tokenizer_, SampleOptions{}, rng);
        Mask& last = c.scene.instances[static_cast<size_t>(c.rounds.back().answer)].mask;
        std::fill(last.data.begin(), last.data.end(), std::uint8_t{0});
        last.at(301, 50) = 1;
        QVERIFY(!answers_fit_frame(c, 128));
        QVERIFY(answers_fit_frame(c, 512));  // at full scale the pixel stays
        try {
            (void)build_sample(c, *tokenizer_, SampleOptions{}, rng);
            QFAIL("a vanished answer was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("empty in the 128 px frame") != std::string::npos,
                     e.what());
        }
    }

    void rivals_are_the_other_instances() {
        // Every <seg>'s rivals: the boxes of all instances but its answer and the instance [k]
        // names, in instance order; none unless asked for.
        synth::Rng rng(4);
        SampleOptions with;
        with.rivals = true;
        bool any_reference = false;
        for (std::uint64_t seed : {40, 41, 42}) {
            const synth::Conversation c = conversation(seed, 128, 96);
            const TrainingSample s = build_sample(c, *tokenizer_, with, rng);
            for (const SegSample& sg : build_sample(c, *tokenizer_, SampleOptions{}, rng).segs) {
                QVERIFY(sg.rivals.empty());
            }
            for (size_t r = 0; r < c.rounds.size(); ++r) {
                const SegSample& sg = s.segs[r];
                const int ref =
                    c.rounds[r].references.empty()
                        ? -1
                        : c.rounds[static_cast<size_t>(c.rounds[r].references[0] - 1)].answer;
                any_reference = any_reference || ref >= 0;
                std::vector<std::array<float, 4>> want;
                for (size_t id = 0; id < c.scene.instances.size(); ++id) {
                    if (static_cast<int>(id) != c.rounds[r].answer && static_cast<int>(id) != ref) {
                        want.push_back(frame_target(c.scene.instances[id].mask, s.frame, 4).box);
                    }
                }
                QCOMPARE(sg.rivals.size(), want.size());
                QVERIFY(sg.rivals == want);
            }
        }
        QVERIFY(any_reference);
        // An instance that vanishes in the frame is no rival: 512 x 96 scales by 1/4 into 128.
        synth::Conversation c = conversation(7, 512, 96);
        int gone = -1;
        for (size_t id = 0; id < c.scene.instances.size() && gone < 0; ++id) {
            bool answered = false;
            for (const synth::Round& round : c.rounds) {
                answered = answered || round.answer == static_cast<int>(id);
            }
            if (!answered) {
                gone = static_cast<int>(id);
            }
        }
        QVERIFY(gone >= 0);
        const size_t before = build_sample(c, *tokenizer_, with, rng).segs[0].rivals.size();
        Mask& m = c.scene.instances[static_cast<size_t>(gone)].mask;
        std::fill(m.data.begin(), m.data.end(), std::uint8_t{0});
        m.at(301, 50) = 1;
        const TrainingSample s = build_sample(c, *tokenizer_, with, rng);
        QCOMPARE(s.segs[0].rivals.size(), before - 1);
    }

    void word_positions_point_at_the_deciding_word() {
        // Each <seg>'s word position holds its expression's deciding word, within its own round
        // (before the <seg>); -1 for the colour / shape forms.
        synth::Rng rng(5);
        int found = 0;
        for (std::uint64_t seed = 100; seed < 130; ++seed) {
            const synth::Conversation c = conversation(seed);
            const TrainingSample s = build_sample(c, *tokenizer_, SampleOptions{}, rng);
            int round_start = 0;
            for (size_t r = 0; r < c.rounds.size(); ++r) {
                const SegSample& sg = s.segs[r];
                const std::string word = synth::deciding_word(c.rounds[r].spec);
                if (word.empty()) {
                    QCOMPARE(sg.word_position, -1);
                } else {
                    QVERIFY2(sg.word_position > round_start && sg.word_position < sg.position,
                             word.c_str());
                    const std::vector<int> pieces = tokenizer_->encode(word);
                    QCOMPARE(s.input_ids[static_cast<size_t>(sg.word_position)], pieces.back());
                    ++found;
                }
                round_start = sg.position;
            }
        }
        QVERIFY(found > 20);
    }

    void targets_are_the_frame_masks() {
        // 128 x 96 image, side 128: scale 1, the frame is the image padded by 32 rows below.
        synth::Rng rng(4);
        const synth::Conversation c = conversation(40, 128, 96);
        const TrainingSample s = build_sample(c, *tokenizer_, SampleOptions{}, rng);
        QCOMPARE(s.frame.resized_h, 96);
        auto check = [&](const FrameTarget& t, const Mask& orig) {
            QCOMPARE(t.mask.width, 128);
            QCOMPARE(t.mask.height, 128);
            int x0 = 1000, y0 = 1000, x1 = -1, y1 = -1;
            for (int y = 0; y < 128; ++y) {
                for (int x = 0; x < 128; ++x) {
                    const int expected = y < 96 ? (orig.at(x, y) != 0 ? 1 : 0) : 0;
                    QCOMPARE(t.mask.at(x, y) != 0 ? 1 : 0, expected);
                    if (expected != 0) {
                        x0 = std::min(x0, x);
                        y0 = std::min(y0, y);
                        x1 = std::max(x1, x);
                        y1 = std::max(y1, y);
                    }
                }
            }
            // box (cx, cy, w, h) with exclusive ends, / 128
            QVERIFY(std::abs(t.box[0] - (x0 + x1 + 1) / 256.0) < 1e-6);
            QVERIFY(std::abs(t.box[1] - (y0 + y1 + 1) / 256.0) < 1e-6);
            QVERIFY(std::abs(t.box[2] - (x1 + 1 - x0) / 128.0) < 1e-6);
            QVERIFY(std::abs(t.box[3] - (y1 + 1 - y0) / 128.0) < 1e-6);
            QCOMPARE(t.grid.size(), size_t{32 * 32});
            for (int i = 0; i < 32; ++i) {
                for (int j = 0; j < 32; ++j) {
                    const int y = 4 * i + 2, x = 4 * j + 2;
                    const float expected = y < 96 && orig.at(x, y) != 0 ? 1.0F : 0.0F;
                    QCOMPARE(t.grid[static_cast<size_t>(i) * 32 + j], expected);
                }
            }
        };
        for (size_t r = 0; r < c.rounds.size(); ++r) {
            const SegSample& sg = s.segs[r];
            check(sg.target, c.scene.instances[static_cast<size_t>(c.rounds[r].answer)].mask);
            QCOMPARE(sg.has_reference, !c.rounds[r].references.empty());
            if (sg.has_reference) {
                const int ref = c.rounds[r].references[0];
                check(sg.reference, c.scene
                                        .instances[static_cast<size_t>(
                                            c.rounds[static_cast<size_t>(ref - 1)].answer)]
                                        .mask);
            }
        }
        // box-encode vectors: (row_min, col_min, row_max, col_max) / 128 of the referenced mask
        for (const EncodeInput& e : s.encodes) {
            const Mask& m = c.scene
                                .instances[static_cast<size_t>(
                                    c.rounds[static_cast<size_t>(e.round - 1)].answer)]
                                .mask;
            int x0 = 1000, y0 = 1000, x1 = -1, y1 = -1;
            for (int y = 0; y < 96; ++y) {
                for (int x = 0; x < 128; ++x) {
                    if (m.at(x, y) != 0) {
                        x0 = std::min(x0, x);
                        y0 = std::min(y0, y);
                        x1 = std::max(x1, x);
                        y1 = std::max(y1, y);
                    }
                }
            }
            QVERIFY(std::abs(e.box[0] - y0 / 128.0F) < 1e-6);
            QVERIFY(std::abs(e.box[1] - x0 / 128.0F) < 1e-6);
            QVERIFY(std::abs(e.box[2] - y1 / 128.0F) < 1e-6);
            QVERIFY(std::abs(e.box[3] - x1 / 128.0F) < 1e-6);
            QCOMPARE(e.crop.channels, 3);
            QCOMPARE(e.crop.width, 64);
        }
    }
};

QTEST_APPLESS_MAIN(TestSample)
#include "test_sample.moc"
