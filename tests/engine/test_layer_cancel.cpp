// Cancelling a running round inside the LLM layers (and an image encoding inside the CLIP
// layers) on a tiny random SegLLM: the flag set from the progress callback after the N-th
// decoder layer of the round stops it right after that layer with engine::Cancelled, and the
// session is exactly as before (rounds, tokens, instances, KV cache length); its next round
// gives the same mask, box, score and candidates as a session that never saw the cancelled one.

// LibTorch headers (through the fixture) before Qt's, whose `slots` macro clashes with them.
#include "tests/engine/engine_fixture.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <atomic>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/engine/engine.h"

using segllm::Mask;
using segllm::engine::AskOptions;
using segllm::engine::Engine;
using segllm::engine::RoundResult;
using segllm::engine::Session;
using segllm::engine::SessionOptions;

namespace {

constexpr int kWidth = 128;
constexpr int kHeight = 96;

const std::vector<std::string> kPrompts = {
    "Segment the red circle.",
    "Find the shape left of [1].",
    "Show me [2] and [1].",
};

Mask rectangle(int x0, int y0, int x1, int y1) {
    Mask m(kWidth, kHeight);
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
            m.at(x, y) = 1;
        }
    }
    return m;
}

// Everything observable about a session's conversation.
struct Snapshot {
    int rounds = 0;
    std::vector<int> tokens;
    std::int64_t cached = 0;
    std::vector<Mask> masks;
    std::vector<float> scores;
    std::vector<bool> edited;
    bool operator==(const Snapshot& o) const {
        return rounds == o.rounds && tokens == o.tokens && cached == o.cached && masks == o.masks &&
               scores == o.scores && edited == o.edited;
    }
};

Snapshot snapshot(const Session& s) {
    Snapshot snap;
    snap.rounds = s.round_count();
    snap.tokens = s.conversation_tokens();
    snap.cached = s.cached_positions();
    for (const auto& i : s.instances()) {
        snap.masks.push_back(i.mask);
        snap.scores.push_back(i.score);
        snap.edited.push_back(i.edited);
    }
    return snap;
}

// Exactly the same result (same computation, so bit-equal floats).
void identical(const RoundResult& a, const RoundResult& b) {
    QCOMPARE(a.round, b.round);
    QVERIFY(a.mask == b.mask);
    QCOMPARE(a.box, b.box);
    QVERIFY2(a.score == b.score,
             (std::to_string(a.score) + " vs " + std::to_string(b.score)).c_str());
    QCOMPARE(a.alternatives.size(), b.alternatives.size());
    for (std::size_t i = 0; i < a.alternatives.size(); ++i) {
        QVERIFY(a.alternatives[i].score == b.alternatives[i].score);
        QCOMPARE(a.alternatives[i].box, b.alternatives[i].box);
    }
}

}  // namespace

class TestLayerCancel : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::optional<Engine> engine_;
    segllm::RgbImage image_;
    segllm::RgbImage other_;
    int layers_ = 0;

    Session open(bool incremental) {
        SessionOptions options;
        options.incremental = incremental;
        Session s(*engine_, options);
        s.open_image(image_, "scene");
        return s;
    }

    // Rounds 1 and 2; with `stale`, instance 1 corrected by hand so that round 2's keys and
    // values must be recomputed by the next ask (two LLM forwards in incremental mode).
    void prepare(Session& s, bool stale) {
        s.ask(kPrompts[0]);
        s.ask(kPrompts[1]);
        if (stale) {
            s.correct_mask(1, rectangle(5, 5, 40, 40));
        }
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const auto tiny = segllm::test::make_tiny_model(tmp_.path().toStdString());
        engine_.emplace(Engine::from_model(tiny.model, {}, "tiny-random"));
        layers_ = static_cast<int>(tiny.model->config().llm.num_hidden_layers);
        QCOMPARE(layers_, 4);
        image_ = segllm::test::scene_image(5, kWidth, kHeight);
        other_ = segllm::test::scene_image(6, kWidth, kHeight);
    }

    // `cancel_after`: the decoder layer (counted over every forward of the round) after which
    // the flag is set. With a stale round 2 the incremental session runs two forwards (round 2
    // again, then round 3): after layer 4 the first one is cut at its last layer; after layer 5
    // round 2 is already appended to the cache and round 3 is cut after its first layer.
    void cancelAfterDecoderLayer_data() {
        QTest::addColumn<bool>("incremental");
        QTest::addColumn<bool>("stale");
        QTest::addColumn<int>("cancel_after");
        QTest::addColumn<int>("layers_run");  // decoder layers of the whole round
        QTest::newRow("incremental, layer 1") << true << false << 1 << 4;
        QTest::newRow("incremental, layer 3") << true << false << 3 << 4;
        QTest::newRow("stale round, layer 2") << true << true << 2 << 8;
        QTest::newRow("stale round, layer 4") << true << true << 4 << 8;
        QTest::newRow("stale round, layer 5") << true << true << 5 << 8;
        QTest::newRow("stale round, layer 7") << true << true << 7 << 8;
        QTest::newRow("recompute, layer 1") << false << false << 1 << 4;
        QTest::newRow("recompute, layer 3") << false << true << 3 << 4;
    }
    void cancelAfterDecoderLayer() {
        QFETCH(bool, incremental);
        QFETCH(bool, stale);
        QFETCH(int, cancel_after);
        QFETCH(int, layers_run);

        // The uncancelled round reports "llm" once at the stage start, then once per layer.
        {
            Session s = open(incremental);
            prepare(s, stale);
            int llm_calls = 0;
            AskOptions count;
            count.progress = [&](const std::string& stage, double) {
                llm_calls += stage == "llm" ? 1 : 0;
            };
            s.ask(kPrompts[2], {}, count);
            QCOMPARE(llm_calls, 1 + layers_run);
        }

        Session s = open(incremental);
        prepare(s, stale);
        const Snapshot before = snapshot(s);
        const std::vector<segllm::engine::EncodeInput> inputs = {s.encode_input(1),
                                                                 s.encode_input(2)};
        std::atomic<bool> cancel{false};
        int layers_seen = -1;  // the "llm" call at the stage start is not a layer
        std::vector<std::string> after_cancel;
        std::vector<double> fractions;
        AskOptions options;
        options.cancel = &cancel;
        options.progress = [&](const std::string& stage, double fraction) {
            if (cancel) {
                after_cancel.push_back(stage);
            }
            if (stage == "llm") {
                fractions.push_back(fraction);
                ++layers_seen;
                if (layers_seen == cancel_after) {
                    cancel = true;
                }
            }
        };
        bool cancelled = false;
        try {
            s.ask(kPrompts[2], {}, options);
        } catch (const segllm::engine::Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        // Stopped right after that layer: no further layer, no later stage.
        QCOMPARE(layers_seen, cancel_after);
        QVERIFY2(after_cancel.empty(), after_cancel.empty() ? "" : after_cancel.front().c_str());
        // Fractions 0.1 + 0.6 * (layers done / layers of the round), by hand.
        QCOMPARE(static_cast<int>(fractions.size()), cancel_after + 1);
        for (int i = 0; i <= cancel_after; ++i) {
            const double expected = 0.1 + 0.6 * static_cast<double>(i) / layers_run;
            QVERIFY(std::fabs(fractions[static_cast<std::size_t>(i)] - expected) < 1e-12);
        }

        // The session is exactly as before.
        QVERIFY(snapshot(s) == before);
        QCOMPARE(s.cached_positions(), before.cached);
        QCOMPARE(s.round_count(), 2);
        QCOMPARE(static_cast<int>(s.instances().size()), 2);
        QVERIFY(s.encode_input(1).mask_frame == inputs[0].mask_frame);
        QVERIFY(s.encode_input(2).mask_frame == inputs[1].mask_frame);

        // Its next round equals a session that never saw the cancelled round.
        Session clean = open(incremental);
        prepare(clean, stale);
        const RoundResult expected = clean.ask(kPrompts[2]);
        const RoundResult got = s.ask(kPrompts[2]);
        identical(got, expected);
        QCOMPARE(s.cached_positions(), clean.cached_positions());
        QCOMPARE(s.conversation_tokens(), clean.conversation_tokens());
        // And it is the round the recompute mode gives (the cache holds no cancelled rows).
        if (incremental) {
            QCOMPARE(s.cached_positions(),
                     static_cast<std::int64_t>(s.conversation_tokens().size()));
        }
    }

    // A second cancelled round in a row, then an undo: the cache length follows the rounds.
    void repeatedCancelThenUndo() {
        Session s = open(true);
        prepare(s, false);
        const std::int64_t two_rounds = s.cached_positions();
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::atomic<bool> cancel{false};
            int llm = 0;
            AskOptions options;
            options.cancel = &cancel;
            options.progress = [&](const std::string& stage, double) {
                if (stage == "llm" && ++llm == 3) {
                    cancel = true;
                }
            };
            QVERIFY_THROWS_EXCEPTION(segllm::engine::Cancelled, s.ask(kPrompts[2], {}, options));
            QCOMPARE(s.cached_positions(), two_rounds);
        }
        s.undo();
        Session one = open(true);
        one.ask(kPrompts[0]);
        QCOMPARE(s.cached_positions(), one.cached_positions());
        identical(s.ask(kPrompts[1]), one.ask(kPrompts[1]));
    }

    // Opening a new image cancelled after the first CLIP layer: the old image and conversation
    // stay, nothing new is cached, and the cancelled image opens normally afterwards.
    void imageEncodingCancelAfterClipLayer() {
        Session s = open(true);
        s.ask(kPrompts[0]);
        const Snapshot before = snapshot(s);
        const int cached = engine_->cached_images();
        std::atomic<bool> cancel{false};
        bool armed = true;
        std::vector<double> image_fractions;
        AskOptions options;
        options.cancel = &cancel;
        options.progress = [&](const std::string& stage, double fraction) {
            if (stage == "image") {
                image_fractions.push_back(fraction);
                if (armed && fraction > 0.0) {
                    cancel = true;  // the first CLIP layer's report
                }
            }
        };
        QVERIFY_THROWS_EXCEPTION(segllm::engine::Cancelled,
                                 s.open_image(other_, "other-cancelled", options));
        // 0 at the start, then the first layer's report; nothing after it.
        QCOMPARE(static_cast<int>(image_fractions.size()), 2);
        QVERIFY(image_fractions[1] > 0.0 && image_fractions[1] < 1.0);
        QVERIFY(snapshot(s) == before);
        QCOMPARE(engine_->cached_images(), cached);
        QVERIFY(s.has_image());

        cancel = false;
        armed = false;
        image_fractions.clear();
        s.open_image(other_, "other-cancelled", options);
        QCOMPARE(s.round_count(), 0);
        QCOMPARE(engine_->cached_images(), cached + 1);
        QCOMPARE(image_fractions.back(), 1.0);
    }
};

QTEST_APPLESS_MAIN(TestLayerCancel)
#include "test_layer_cancel.moc"
