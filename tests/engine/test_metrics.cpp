// cIoU / gIoU of synthetic-world.md and the overlay, on hand-made masks with values computed
// by hand.

#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "core/common/error.h"
#include "core/engine/metrics.h"
#include "core/engine/overlay.h"

using segllm::Mask;
using segllm::engine::BenchmarkScores;
using segllm::engine::IouTally;

namespace {

// A w x h mask from rows of '#' (set) and '.' (unset).
Mask mask_of(const std::vector<std::string>& rows) {
    Mask m(static_cast<int>(rows.front().size()), static_cast<int>(rows.size()));
    for (int y = 0; y < m.height; ++y) {
        for (int x = 0; x < m.width; ++x) {
            m.at(x, y) = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#';
        }
    }
    return m;
}

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private slots:
    void iou_data() {
        QTest::addColumn<QStringList>("a");
        QTest::addColumn<QStringList>("b");
        QTest::addColumn<double>("iou");
        QTest::newRow("overlap 1 of 7") << QStringList{"##..", "##..", "...."}
                                        << QStringList{"....", ".##.", ".##."} << 1.0 / 7.0;
        QTest::newRow("equal") << QStringList{"#.#", ".#."} << QStringList{"#.#", ".#."} << 1.0;
        QTest::newRow("disjoint") << QStringList{"#..", "..."} << QStringList{"..#", "..."} << 0.0;
        QTest::newRow("both empty")
            << QStringList{"...", "..."} << QStringList{"...", "..."} << 1.0;
        QTest::newRow("prediction empty")
            << QStringList{"...", "..."} << QStringList{"..#", "..."} << 0.0;
        QTest::newRow("inside") << QStringList{"###", "###"} << QStringList{".#.", "..."}
                                << 1.0 / 6.0;
    }
    void iou() {
        QFETCH(QStringList, a);
        QFETCH(QStringList, b);
        QFETCH(double, iou);
        auto rows = [](const QStringList& l) {
            std::vector<std::string> out;
            for (const QString& s : l) {
                out.push_back(s.toStdString());
            }
            return out;
        };
        QCOMPARE(segllm::engine::mask_iou(mask_of(rows(a)), mask_of(rows(b))), iou);
    }

    void sizeMismatch() {
        bool thrown = false;
        try {
            segllm::engine::mask_iou(Mask(2, 2), Mask(3, 2));
        } catch (const segllm::Error& e) {
            thrown = std::string(e.what()).find("3x2") != std::string::npos;
        }
        QVERIFY(thrown);
        IouTally t;
        QVERIFY_THROWS_EXCEPTION(segllm::Error, t.add(Mask(2, 2), Mask(2, 3)));
        QCOMPARE(t.count, 0);
    }

    void tally() {
        IouTally t;
        QCOMPARE(t.ciou(), 0.0);
        QCOMPARE(t.giou(), 0.0);
        // I=1 U=7; I=2 U=2; empty union (IoU 1).
        t.add(mask_of({"##..", "##..", "...."}), mask_of({"....", ".##.", ".##."}));
        t.add(mask_of({"#.#"}), mask_of({"#.#"}));
        t.add(mask_of({"..."}), mask_of({"..."}));
        QCOMPARE(t.intersection, std::int64_t{3});
        QCOMPARE(t.union_, std::int64_t{9});
        QCOMPARE(t.count, 3);
        QCOMPARE(t.ciou(), 3.0 / 9.0);
        QCOMPARE(t.giou(), (1.0 / 7.0 + 1.0 + 1.0) / 3.0);
        IouTally empty_only;
        empty_only.add(Mask(2, 2), Mask(2, 2));
        QCOMPARE(empty_only.ciou(), 1.0);
    }

    void benchmarkJson() {
        BenchmarkScores s;
        // Conversation A: round 1 absolute I=1 U=7, round 2 positional I=0 U=2.
        // Conversation B: round 1 absolute I=2 U=2.
        s.add(1, "absolute", mask_of({"##..", "##..", "...."}), mask_of({"....", ".##.", ".##."}));
        s.add(2, "positional", mask_of({"#."}), mask_of({".#"}));
        s.add(1, "absolute", mask_of({"#.#"}), mask_of({"#.#"}));
        const auto j = nlohmann::json::parse(s.to_json());
        QCOMPARE(j["rounds"].size(), std::size_t{2});
        QCOMPARE(j["rounds"][0]["round"].get<int>(), 1);
        QCOMPARE(j["rounds"][0]["ciou"].get<double>(), 3.0 / 9.0);
        QCOMPARE(j["rounds"][0]["giou"].get<double>(), (1.0 / 7.0 + 1.0) / 2.0);
        QCOMPARE(j["rounds"][0]["count"].get<int>(), 2);
        QCOMPARE(j["rounds"][1]["round"].get<int>(), 2);
        QCOMPARE(j["rounds"][1]["ciou"].get<double>(), 0.0);
        QCOMPARE(j["types"]["absolute"]["count"].get<int>(), 2);
        QCOMPARE(j["types"]["positional"]["giou"].get<double>(), 0.0);
        QCOMPARE(j["overall"]["ciou"].get<double>(), 3.0 / 11.0);
        QCOMPARE(j["overall"]["giou"].get<double>(), (1.0 / 7.0 + 0.0 + 1.0) / 3.0);
        QCOMPARE(j["overall"]["count"].get<int>(), 3);
        QVERIFY(s.to_table().find("positional") != std::string::npos);
        // No error analysis asked: no "outcomes" and no outcome table.
        QVERIFY(!j.contains("outcomes"));
        QVERIFY(s.to_table().find("what was segmented") == std::string::npos);
    }

    // What a prediction segmented: IoU > 0.5 with the target first, then with an instance the
    // round's [k] names, then with another earlier answer; exactly 0.5 is not a hit.
    void outcomeClassification() {
        using segllm::engine::classify_outcome;
        using segllm::engine::RoundOutcome;
        const Mask target = mask_of({"##....", "##....", "......"});
        const Mask named = mask_of({"....##", "....##", "......"});
        const Mask other = mask_of({"......", "......", "######"});
        // 3 of `named`'s 4 pixels and nothing else (IoU 3/4 with `named`, 0 with `other`).
        const Mask near_named = mask_of({"....##", ".....#", "......"});
        const Mask half_target = mask_of({"#.....", "#.....", "......"});  // IoU exactly 0.5
        const std::vector<const Mask*> refs = {&named};
        const std::vector<const Mask*> earlier = {&other};
        QCOMPARE(classify_outcome(target, target, refs, earlier), RoundOutcome::target);
        QCOMPARE(classify_outcome(near_named, target, refs, earlier), RoundOutcome::referenced);
        QCOMPARE(classify_outcome(other, target, refs, earlier), RoundOutcome::earlier);
        QCOMPARE(classify_outcome(half_target, target, refs, earlier), RoundOutcome::elsewhere);
        // The same prediction as an earlier answer that the round does not name.
        QCOMPARE(classify_outcome(near_named, target, {}, {&other, &named}), RoundOutcome::earlier);
        // The target wins over a named instance that is the same object.
        QCOMPARE(classify_outcome(target, target, {&target}, {}), RoundOutcome::target);
        QCOMPARE(classify_outcome(mask_of({"......", "......", "......"}), target, refs, earlier),
                 RoundOutcome::elsewhere);
    }

    // The analysis in the JSON (counts per type and overall) and in the table (shares).
    void outcomeReport() {
        using segllm::engine::RoundOutcome;
        BenchmarkScores s;
        // (outcome, the prediction's IoU with the target, the best candidate's IoU)
        s.add_outcome("positional", RoundOutcome::referenced, 0.1, 0.9);
        s.add_outcome("positional", RoundOutcome::target, 0.7, 0.8);
        s.add_outcome("positional", RoundOutcome::elsewhere, 0.0, 0.5);  // exactly 0.5: not found
        s.add_outcome("absolute", RoundOutcome::earlier, 0.2, 0.6);
        s.add_outcome("", RoundOutcome::target, 0.9, 0.4);  // no type: only in "overall"
        QVERIFY(s.has_outcomes());
        const auto j = nlohmann::json::parse(s.to_json());
        const auto& p = j["outcomes"]["positional"];
        QCOMPARE(p["rounds"].get<int>(), 3);
        QCOMPARE(p["target"].get<int>(), 1);
        QCOMPARE(p["referenced"].get<int>(), 1);
        QCOMPARE(p["earlier"].get<int>(), 0);
        QCOMPARE(p["elsewhere"].get<int>(), 1);
        QCOMPARE(p["candidate"].get<int>(), 2);
        // hit IoU: the one target round; best candidate: (0.9 + 0.8 + 0.5) / 3.
        QCOMPARE(p["target_iou"].get<double>(), 0.7);
        QVERIFY(std::abs(p["best_candidate_iou"].get<double>() - 2.2 / 3) < 1e-12);
        QCOMPARE(j["outcomes"]["absolute"]["earlier"].get<int>(), 1);
        const auto& o = j["outcomes"]["overall"];
        QCOMPARE(o["rounds"].get<int>(), 5);
        QCOMPARE(o["target"].get<int>(), 2);
        QCOMPARE(o["candidate"].get<int>(), 3);
        QVERIFY(std::abs(o["target_iou"].get<double>() - 0.8) < 1e-12);           // (0.7 + 0.9) / 2
        QVERIFY(std::abs(o["best_candidate_iou"].get<double>() - 0.64) < 1e-12);  // 3.2 / 5
        QCOMPARE(j["outcomes"]["absolute"]["target_iou"].get<double>(), 0.0);     // no target round
        QCOMPARE(j["outcomes"].size(), std::size_t{3});
        const std::string table = s.to_table();
        QVERIFY(table.find("what was segmented") != std::string::npos);
        // positional: target 1/3, [k] 1/3, earlier 0, other 1/3, candidates 2/3, 3 rounds.
        QVERIFY2(
            table.find("  positional        0.33    0.33    0.00    0.33    0.67       3   0.700"
                       "   0.733") != std::string::npos,
            table.c_str());
        QVERIFY2(
            table.find("  overall           0.40    0.20    0.20    0.20    0.60       5   0.800"
                       "   0.640") != std::string::npos,
            table.c_str());
    }

    // The analysis by form: scores and outcomes in the JSON, a row of shares in the table.
    void formReport() {
        using segllm::engine::RoundOutcome;
        BenchmarkScores s;
        const Mask truth = mask_of({"##..", "##..", "...."});
        const Mask hit = mask_of({"##..", "#...", "...."});   // IoU 3/4
        const Mask miss = mask_of({"..##", "..##", "...."});  // IoU 0
        s.add_form("size", hit, truth, RoundOutcome::target, 0.75, 0.75);
        s.add_form("size", miss, truth, RoundOutcome::elsewhere, 0.0, 0.75);
        s.add_form("left_of", miss, truth, RoundOutcome::referenced, 0.0, 0.2);
        const auto j = nlohmann::json::parse(s.to_json());
        QCOMPARE(j["forms"].size(), std::size_t{2});
        const auto& size = j["forms"]["size"];
        QCOMPARE(size["count"].get<int>(), 2);
        QCOMPARE(size["ciou"].get<double>(), 3.0 / 12.0);  // (3 + 0) / (4 + 8)
        QCOMPARE(size["rounds"].get<int>(), 2);
        QCOMPARE(size["target"].get<int>(), 1);
        QCOMPARE(size["elsewhere"].get<int>(), 1);
        QCOMPARE(size["candidate"].get<int>(), 2);
        QCOMPARE(j["forms"]["left_of"]["referenced"].get<int>(), 1);
        QCOMPARE(j["forms"]["left_of"]["candidate"].get<int>(), 0);
        const std::string table = s.to_table();
        QVERIFY2(table.find(
                     "  size             0.2500    0.50    0.00    0.00    0.50    1.00       2") !=
                     std::string::npos,
                 table.c_str());
        QVERIFY2(table.find(
                     "  left_of          0.0000    0.00    1.00    0.00    0.00    0.00       1") !=
                     std::string::npos,
                 table.c_str());
        // Forms alone are not the per-type analysis.
        QVERIFY(!s.has_outcomes());
    }

    void overlay() {
        segllm::RgbImage image(3, 3);
        for (auto& v : image.data) {
            v = 100;
        }
        // A 3x3 mask: every pixel but the centre is on the boundary.
        const Mask full = mask_of({"###", "###", "###"});
        const Mask none = mask_of({"...", "...", "..."});
        const auto c0 = segllm::engine::instance_colour(0);
        const auto out = segllm::engine::render_overlay(image, {full, none}, 0.25);
        for (int y = 0; y < 3; ++y) {
            for (int x = 0; x < 3; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const int want = (x == 1 && y == 1)
                                         ? static_cast<int>(std::lround(0.75 * 100 + 0.25 * c0[c]))
                                         : c0[c];
                    QCOMPARE(static_cast<int>(out.pixel(x, y)[c]), want);
                }
            }
        }
        QVERIFY(segllm::engine::instance_colour(1) != c0);
        QVERIFY(segllm::engine::instance_colour(12) == c0);
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 segllm::engine::render_overlay(image, {Mask(2, 3)}));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::engine::render_overlay(image, {}, 1.5));
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"
