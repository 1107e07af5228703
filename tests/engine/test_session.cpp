// The session engine on a tiny random SegLLM: the exact tokens of a multi-round conversation,
// incremental (KV cache) == recompute, corrections reaching later rounds, undo / delete /
// clear, cancellation and errors leaving the session unchanged, candidates, the image cache.

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
using segllm::engine::Engine;
using segllm::engine::RoundResult;
using segllm::engine::Session;
using segllm::engine::SessionOptions;

namespace {

constexpr int kWidth = 128;  // = the tiny decoder side: the frame is the image plus padding
constexpr int kHeight = 96;

template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Everything observable about a session's conversation state.
struct Snapshot {
    int rounds = 0;
    std::vector<int> tokens;
    std::int64_t cached = 0;
    std::vector<Mask> masks;
    std::vector<bool> deleted;
    bool operator==(const Snapshot& o) const {
        return rounds == o.rounds && tokens == o.tokens && cached == o.cached && masks == o.masks &&
               deleted == o.deleted;
    }
};

Snapshot snapshot(const Session& s) {
    Snapshot snap;
    snap.rounds = s.round_count();
    snap.tokens = s.conversation_tokens();
    snap.cached = s.cached_positions();
    for (const auto& i : s.instances()) {
        snap.masks.push_back(i.mask);
        snap.deleted.push_back(i.deleted);
    }
    return snap;
}

void append(std::vector<int>& out, const std::vector<int>& more) {
    out.insert(out.end(), more.begin(), more.end());
}

const std::vector<std::string> kPrompts = {
    "Segment the red circle.", "Find the shape left of [1].",        "Show me [2] and [1].",
    "Now the blue square.",    "Where is the shape nearest to [3]?",
};

void same_result(const RoundResult& a, const RoundResult& b) {
    QCOMPARE(a.round, b.round);
    QVERIFY(a.mask == b.mask);
    QCOMPARE(a.box, b.box);
    QVERIFY2(std::fabs(a.score - b.score) <= 1e-4F,
             (std::to_string(a.score) + " vs " + std::to_string(b.score)).c_str());
    QCOMPARE(a.alternatives.size(), b.alternatives.size());
}

Mask rectangle(int x0, int y0, int x1, int y1) {
    Mask m(kWidth, kHeight);
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
            m.at(x, y) = 1;
        }
    }
    return m;
}

}  // namespace

class TestSession : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::optional<Engine> engine_;
    std::shared_ptr<const segllm::model::SegllmModel> model_;
    segllm::RgbImage image_;
    segllm::RgbImage other_;
    int image_rows_ = 0;

    Session open(SessionOptions options = {}) {
        Session s(*engine_, options);
        s.open_image(image_, "scene");
        return s;
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const auto tiny = segllm::test::make_tiny_model(tmp_.path().toStdString());
        model_ = tiny.model;
        engine_.emplace(Engine::from_model(model_, {}, "tiny-random"));
        image_ = segllm::test::scene_image(5, kWidth, kHeight);
        other_ = segllm::test::scene_image(6, kWidth, kHeight);
        image_rows_ = engine_->info().image_rows;
        QCOMPARE(image_rows_, 64);  // 64 px CLIP crop, patch 8
        QCOMPARE(engine_->info().decoder_side, 128);
    }

    // The exact token sequence of a 3-round conversation with references, assembled by hand
    // from the template's pieces.
    void threeRoundTokens() {
        Session s = open();
        const RoundResult r1 = s.ask(kPrompts[0]);
        const RoundResult r2 = s.ask(kPrompts[1]);
        const RoundResult r3 = s.ask(kPrompts[2]);
        QCOMPARE(r2.references, std::vector<int>{1});
        QCOMPARE(r3.references, (std::vector<int>{2, 1}));
        QCOMPARE(r3.model_text, std::string("Show me instance 2 and instance 1."));
        const segllm::text::Tokenizer& tok = *engine_->model().tokenizer();
        const int video = tok.video_id();
        const std::string system = segllm::text::vicuna_system_prompt();
        std::vector<int> expected = {tok.bos_id()};
        append(expected, tok.encode(system + " USER: "));
        append(expected, std::vector<int>(static_cast<std::size_t>(image_rows_), video));
        append(expected, tok.encode(" Segment the red circle. ASSISTANT: "));
        append(expected, {tok.seg_id(), tok.eos_id()});
        append(expected, tok.encode("USER: "));
        append(expected, {video, video});
        append(expected, tok.encode("Find the shape left of instance 1. ASSISTANT: "));
        append(expected, {tok.seg_id(), tok.eos_id()});
        append(expected, tok.encode("USER: "));
        append(expected, {video, video, video, video});
        append(expected, tok.encode("Show me instance 2 and instance 1. ASSISTANT: "));
        append(expected, {tok.seg_id(), tok.eos_id()});
        QCOMPARE(s.conversation_tokens(), expected);
        QCOMPARE(tok.encode(s.conversation_text()), expected);
        QCOMPARE(s.cached_positions(), static_cast<std::int64_t>(expected.size()));
        // Round 1 ran everything; round 3 only its own tokens.
        QCOMPARE(r1.timings.tokens_run + r2.timings.tokens_run + r3.timings.tokens_run,
                 static_cast<std::int64_t>(expected.size()));
    }

    void resultFields() {
        Session s = open();
        std::vector<std::string> stages;
        std::vector<double> fractions;
        segllm::engine::AskOptions options;
        options.request_id = 77;
        options.progress = [&](const std::string& stage, double f) {
            stages.push_back(stage);
            fractions.push_back(f);
        };
        const RoundResult r = s.ask(kPrompts[0], {}, options);
        QCOMPARE(r.request_id, std::uint64_t{77});
        QCOMPARE(r.round, 1);
        QCOMPARE(r.instance_id, 1);
        QCOMPARE(r.prompt, kPrompts[0]);
        QCOMPARE(r.mask.width, kWidth);
        QCOMPARE(r.mask.height, kHeight);
        // The box is the mask's tight box, computed here by a naive scan.
        int x0 = kWidth, y0 = kHeight, x1 = -1, y1 = -1;
        for (int y = 0; y < kHeight; ++y) {
            for (int x = 0; x < kWidth; ++x) {
                if (r.mask.at(x, y)) {
                    x0 = std::min(x0, x);
                    y0 = std::min(y0, y);
                    x1 = std::max(x1, x);
                    y1 = std::max(y1, y);
                }
            }
        }
        if (x1 >= 0) {
            QCOMPARE(r.box, (segllm::PixelBox{x0, y0, x1, y1}));
        } else {
            QCOMPARE(r.box.x1, -1);
        }
        QVERIFY(!r.alternatives.empty());
        for (std::size_t i = 0; i < r.alternatives.size(); ++i) {
            QCOMPARE(r.alternatives[i].rank, i);
            if (i > 0) {
                QVERIFY(r.alternatives[i].score <= r.alternatives[i - 1].score);
            }
        }
        QVERIFY(r.timings.total_ms >= r.timings.llm_ms);
        QVERIFY(r.timings.llm_ms > 0.0);
        QCOMPARE(stages.front(), std::string("prompt"));
        QCOMPARE(stages.back(), std::string("mask"));
        QCOMPARE(fractions.back(), 1.0);
        for (std::size_t i = 1; i < fractions.size(); ++i) {
            QVERIFY(fractions[i] >= fractions[i - 1]);
        }
    }

    void incrementalEqualsRecompute() {
        Session inc = open();
        SessionOptions recompute;
        recompute.incremental = false;
        Session rec = open(recompute);
        for (const std::string& p : kPrompts) {
            const RoundResult a = inc.ask(p);
            const RoundResult b = rec.ask(p);
            same_result(a, b);
        }
        QCOMPARE(inc.conversation_tokens(), rec.conversation_tokens());
        QCOMPARE(rec.cached_positions(), std::int64_t{0});
        QCOMPARE(inc.cached_positions(),
                 static_cast<std::int64_t>(inc.conversation_tokens().size()));
    }

    // A hand-corrected mask is what later rounds encode, in the frame and as the box vector.
    void correctionChangesEncodeInput() {
        Session s = open();
        s.ask(kPrompts[0]);
        const Mask hand = rectangle(10, 20, 29, 39);
        s.correct_mask(1, hand);
        QVERIFY(s.instance(1).edited);
        QVERIFY(s.instance(1).mask == hand);
        QCOMPARE(s.instance(1).box, (segllm::PixelBox{10, 20, 29, 39}));
        const auto in = s.encode_input(1);
        // 128x96 into a 128 frame: scale 1, the mask padded below.
        QCOMPARE(in.mask_frame.width, 128);
        QCOMPARE(in.mask_frame.height, 128);
        for (int y = 0; y < 128; ++y) {
            for (int x = 0; x < 128; ++x) {
                const bool want = x >= 10 && x <= 29 && y >= 20 && y <= 39;
                QCOMPARE(in.mask_frame.at(x, y) != 0, want);
            }
        }
        QCOMPARE(in.box_frame[0], 10.0);
        QCOMPARE(in.box_frame[1], 20.0);
        QCOMPARE(in.box_frame[2], 30.0);
        QCOMPARE(in.box_frame[3], 40.0);
        // (top, left, bottom, right) / side.
        QCOMPARE(in.box_vector[0], 20.0F / 128);
        QCOMPARE(in.box_vector[1], 10.0F / 128);
        QCOMPARE(in.box_vector[2], 40.0F / 128);
        QCOMPARE(in.box_vector[3], 30.0F / 128);

        // The next round reads the corrected rows: it differs from an uncorrected session's
        // round 2 and equals a recompute session with the same correction.
        Session plain = open();
        plain.ask(kPrompts[0]);
        SessionOptions recompute;
        recompute.incremental = false;
        Session rec = open(recompute);
        rec.ask(kPrompts[0]);
        rec.correct_mask(1, hand);
        const RoundResult corrected = s.ask(kPrompts[1]);
        const RoundResult uncorrected = plain.ask(kPrompts[1]);
        same_result(corrected, rec.ask(kPrompts[1]));
        QVERIFY(corrected.score != uncorrected.score || corrected.mask != uncorrected.mask);
    }

    // Correcting an instance that a later round referenced drops the cache from that round;
    // the next round then equals a recompute of the whole conversation.
    void correctionInvalidatesLaterRounds() {
        Session s = open();
        SessionOptions recompute;
        recompute.incremental = false;
        Session rec = open(recompute);
        for (int i = 0; i < 3; ++i) {
            s.ask(kPrompts[static_cast<std::size_t>(i)]);
            rec.ask(kPrompts[static_cast<std::size_t>(i)]);
        }
        const std::int64_t full = s.cached_positions();
        const Mask hand = rectangle(60, 30, 90, 70);
        s.correct_mask(2, hand);  // referenced first by round 3
        rec.correct_mask(2, hand);
        const auto& tokens = s.conversation_tokens();
        QVERIFY(s.cached_positions() < full);
        QVERIFY(s.cached_positions() > 0);
        // Rounds 1 and 2 stay cached: the cache ends where round 3 starts.
        QCOMPARE(s.conversation_tokens(), tokens);
        const RoundResult a = s.ask(kPrompts[3]);
        same_result(a, rec.ask(kPrompts[3]));
        QCOMPARE(s.cached_positions(), static_cast<std::int64_t>(s.conversation_tokens().size()));

        // Choosing another candidate is a correction as well.
        const std::size_t rank = s.candidates(1).size() - 1;
        s.choose_candidate(1, rank);
        rec.choose_candidate(1, rank);
        QVERIFY(s.instance(1).mask == s.candidate_mask(1, rank));
        QCOMPARE(s.instance(1).score, s.candidates(1)[rank].score);
        same_result(s.ask(kPrompts[4]), rec.ask(kPrompts[4]));
    }

    void candidateAtPoint() {
        Session s = open();
        s.ask(kPrompts[0]);
        const auto candidates = s.candidates(1);
        QVERIFY(!candidates.empty());
        // Independent search: the first rank whose mask holds the pixel, for a few pixels.
        const std::vector<std::pair<int, int>> points = {{5, 5}, {64, 48}, {100, 20}, {30, 80}};
        std::vector<Mask> masks;
        for (const auto& c : candidates) {
            masks.push_back(s.candidate_mask(1, c.rank));
        }
        for (const auto& [x, y] : points) {
            std::optional<std::size_t> want;
            for (std::size_t r = 0; r < masks.size() && !want; ++r) {
                if (masks[r].at(x, y)) {
                    want = r;
                }
            }
            QCOMPARE(s.candidate_at(1, x, y), want);
        }
        QVERIFY(!error_of([&] { s.candidate_mask(1, candidates.size()); }).empty());
        QVERIFY(!error_of([&] { s.candidate_mask(2, 0); }).empty());
    }

    void undoTruncatesCache() {
        Session s = open();
        s.ask(kPrompts[0]);
        s.ask(kPrompts[1]);
        const Snapshot two = snapshot(s);
        const RoundResult third = s.ask(kPrompts[2]);
        s.undo();
        QVERIFY(snapshot(s) == two);
        same_result(s.ask(kPrompts[2]), third);
        s.undo();
        s.undo();
        s.undo();
        QCOMPARE(s.round_count(), 0);
        QCOMPARE(s.cached_positions(), std::int64_t{0});
        QVERIFY(!error_of([&] { s.undo(); }).empty());
    }

    void deleteAndClear() {
        Session s = open();
        s.ask(kPrompts[0]);
        s.ask(kPrompts[1]);
        s.delete_instance(1);
        QVERIFY(s.instance(1).deleted);
        QVERIFY(contains(error_of([&] { s.ask("Find the shape left of [1]."); }), "deleted"));
        const RoundResult r = s.ask("Find the shape above [2].");
        QCOMPARE(r.instance_id, 3);  // ids do not shift
        const segllm::ProjectImage project = s.to_project_image();
        QCOMPARE(project.rounds.size(), std::size_t{3});
        QCOMPARE(project.rounds[0].produced_instance, 0);
        QCOMPARE(project.rounds[2].produced_instance, 3);
        QCOMPARE(project.rounds[2].references, std::vector<int>{2});
        QCOMPARE(project.instances.size(), std::size_t{2});
        QCOMPARE(project.instances[0].id, 2);
        QCOMPARE(project.instances[1].round, 3);
        QCOMPARE(project.width, kWidth);
        s.clear();
        QCOMPARE(s.round_count(), 0);
        QVERIFY(s.instances().empty());
        QCOMPARE(s.cached_positions(), std::int64_t{0});
        QCOMPARE(s.ask(kPrompts[0]).instance_id, 1);
    }

    void errorsLeaveSessionUnchanged_data() {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QList<int>>("refs");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << "" << QList<int>{} << "empty";
        QTest::newRow("blank") << "  \t " << QList<int>{} << "empty";
        QTest::newRow("[0]") << "Find the shape left of [0]." << QList<int>{} << "[0]";
        QTest::newRow("future [k]") << "Find [3]." << QList<int>{} << "[3]";
        QTest::newRow("own round") << "Find [2]." << QList<int>{} << "[2]";
        QTest::newRow("explicit unknown") << "Find it." << QList<int>{7} << "[7]";
        QTest::newRow("special token") << "Find <seg> now." << QList<int>{} << "special token";
        QString long_prompt;
        for (int i = 0; i < 1200; ++i) {
            long_prompt += "circle ";
        }
        QTest::newRow("beyond context") << long_prompt << QList<int>{} << "context length";
    }
    void errorsLeaveSessionUnchanged() {
        QFETCH(QString, prompt);
        QFETCH(QList<int>, refs);
        QFETCH(QString, message);
        Session s = open();
        s.ask(kPrompts[0]);
        const Snapshot before = snapshot(s);
        const std::string error = error_of(
            [&] { s.ask(prompt.toStdString(), std::vector<int>(refs.begin(), refs.end())); });
        QVERIFY2(contains(error, message.toStdString()), error.c_str());
        QVERIFY(snapshot(s) == before);
        // And the session still works, as if nothing had happened.
        Session fresh = open();
        fresh.ask(kPrompts[0]);
        same_result(s.ask(kPrompts[1]), fresh.ask(kPrompts[1]));
    }

    void otherErrors() {
        Session none(*engine_);
        QVERIFY(contains(error_of([&] { none.ask(kPrompts[0]); }), "no image"));
        Session s = open();
        s.ask(kPrompts[0]);
        const Snapshot before = snapshot(s);
        const std::string missing = tmp_.filePath("missing.png").toStdString();
        QVERIFY(contains(error_of([&] { s.open_image(missing); }), "missing.png"));
        QVERIFY(snapshot(s) == before);
        QVERIFY(s.has_image());
        QVERIFY(!error_of([&] { s.correct_mask(1, Mask(5, 5)); }).empty());
        QVERIFY(!error_of([&] { s.correct_mask(4, rectangle(0, 0, 3, 3)); }).empty());
        QVERIFY(!error_of([&] { s.delete_instance(9); }).empty());
        QVERIFY(snapshot(s) == before);
    }

    void cancellationLeavesSessionUnchanged_data() {
        QTest::addColumn<QString>("stage");
        QTest::newRow("references") << "references";
        QTest::newRow("llm") << "llm";
        QTest::newRow("decode") << "decode";
    }
    void cancellationLeavesSessionUnchanged() {
        QFETCH(QString, stage);
        Session s = open();
        s.ask(kPrompts[0]);
        s.ask(kPrompts[1]);
        s.correct_mask(1, rectangle(5, 5, 40, 40));  // round 2 must be recomputed next
        const Snapshot before = snapshot(s);
        std::atomic<bool> cancel{false};
        segllm::engine::AskOptions options;
        options.cancel = &cancel;
        options.progress = [&](const std::string& st, double) {
            if (st == stage.toStdString()) {
                cancel = true;
            }
        };
        bool cancelled = false;
        try {
            s.ask(kPrompts[2], {}, options);
        } catch (const segllm::engine::Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QVERIFY(snapshot(s) == before);
        SessionOptions recompute;
        recompute.incremental = false;
        Session rec = open(recompute);
        rec.ask(kPrompts[0]);
        rec.ask(kPrompts[1]);
        rec.correct_mask(1, rectangle(5, 5, 40, 40));
        same_result(s.ask(kPrompts[2]), rec.ask(kPrompts[2]));
    }

    void maskMemoryOff() {
        SessionOptions off;
        off.mask_memory = false;
        Session s = open(off);
        s.ask(kPrompts[0]);
        const RoundResult r = s.ask(kPrompts[1]);
        QCOMPARE(r.references, std::vector<int>{1});
        QCOMPARE(r.model_text, std::string("Find the shape left of instance 1."));
        const int video = engine_->model().tokenizer()->video_id();
        const auto tokens = s.conversation_tokens();
        QCOMPARE(static_cast<int>(std::count(tokens.begin(), tokens.end(), video)), image_rows_);
        // Switching memory on mid-conversation re-tokenizes and rebuilds the cache; the next
        // round equals a session that had it on from the start.
        s.set_options(SessionOptions{});
        Session on = open();
        on.ask(kPrompts[0]);
        on.ask(kPrompts[1]);
        QCOMPARE(s.conversation_tokens(), on.conversation_tokens());
        QCOMPARE(s.cached_positions(), std::int64_t{0});
        same_result(s.ask(kPrompts[2]), on.ask(kPrompts[2]));
    }

    // A saved conversation restored into a new session: the same tokens and instances, and
    // the next round equals a session whose instances were all set by hand to the saved masks
    // (a restored instance is encoded from its mask and the mask's tight box).
    void restoreFromProject() {
        Session s = open();
        s.ask(kPrompts[0]);
        s.ask(kPrompts[1]);
        s.correct_mask(1, rectangle(8, 8, 50, 60));
        s.ask(kPrompts[2]);
        s.delete_instance(3);
        const segllm::ProjectImage saved = s.to_project_image();
        Session back = open();
        back.restore(saved);
        QCOMPARE(back.round_count(), 3);
        QCOMPARE(back.conversation_tokens(), s.conversation_tokens());
        QCOMPARE(back.cached_positions(), std::int64_t{0});
        QVERIFY(back.instance(1).mask == s.instance(1).mask);
        QVERIFY(back.instance(2).mask == s.instance(2).mask);
        QVERIFY(back.instance(1).edited);
        QVERIFY(back.instance(3).deleted);
        QVERIFY(back.candidates(1).empty());

        Session same = open();
        for (int k = 1; k <= 3; ++k) {
            same.ask(kPrompts[static_cast<std::size_t>(k - 1)]);
        }
        same.correct_mask(1, s.instance(1).mask);
        same.correct_mask(2, s.instance(2).mask);
        same.correct_mask(3, Mask(kWidth, kHeight));
        same.delete_instance(3);
        same_result(back.ask(kPrompts[3]), same.ask(kPrompts[3]));
        const std::string next = "Find the shape with the same colour as [2].";
        same_result(back.ask(next), same.ask(next));

        segllm::ProjectImage bad = saved;
        bad.rounds[1].references = {2};
        const Snapshot before = snapshot(back);
        QVERIFY(contains(error_of([&] { back.restore(bad); }), "references instance 2"));
        bad = saved;
        bad.width = 50;
        QVERIFY(!error_of([&] { back.restore(bad); }).empty());
        QVERIFY(snapshot(back) == before);
    }

    void imageCache() {
        segllm::engine::EngineOptions options;
        options.image_cache_size = 2;
        const Engine engine = Engine::from_model(model_, options);
        Session s(engine);
        s.open_image(image_, "a");
        QVERIFY(s.image_encode_ms() > 0.0);
        const RoundResult first = s.ask(kPrompts[0]);
        s.open_image(other_, "b");
        QCOMPARE(s.round_count(), 0);  // a new image starts a new conversation
        QCOMPARE(engine.cached_images(), 2);
        QCOMPARE(engine.cache_hits(), std::int64_t{0});
        s.open_image(image_, "a");
        QCOMPARE(engine.cache_hits(), std::int64_t{1});
        QCOMPARE(s.image_encode_ms(), 0.0);
        same_result(s.ask(kPrompts[0]), first);
        s.open_image(segllm::test::scene_image(7, 100, 120), "c");  // evicts "b"
        QCOMPARE(engine.cached_images(), 2);
        s.open_image(other_, "b");
        QCOMPARE(engine.cache_hits(), std::int64_t{1});
        QCOMPARE(s.image_width(), kWidth);
    }
};

QTEST_APPLESS_MAIN(TestSession)
#include "test_session.moc"
