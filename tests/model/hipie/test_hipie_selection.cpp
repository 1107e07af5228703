// The SegLLM selection rule (segllm-reference.md 4.3) on hand-made logits, IoUs and boxes: the
// score formula by hand, the reference class never chosen, class-aware NMS at IoU 0.7, top-k
// truncation and the padded-frame boxes.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/model/hipie/hipie_selection.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm::hipie;

namespace {
double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

// Rows of 8 token logits: the first 4 set to `ref`, the last 4 to `tgt`.
at::Tensor logits_rows(const std::vector<std::pair<double, double>>& rows) {
    std::vector<double> v;
    for (const auto& [ref, tgt] : rows) {
        for (int i = 0; i < 4; ++i)
            v.push_back(ref);
        for (int i = 0; i < 4; ++i)
            v.push_back(tgt);
    }
    return at::tensor(v, at::kDouble).view({static_cast<int64_t>(rows.size()), 8}).to(at::kFloat);
}

at::Tensor box_rows(const std::vector<std::array<double, 4>>& rows) {
    std::vector<double> v;
    for (const auto& r : rows)
        v.insert(v.end(), r.begin(), r.end());
    return at::tensor(v, at::kDouble).view({static_cast<int64_t>(rows.size()), 4}).to(at::kFloat);
}
}  // namespace

class TestHipieSelection : public QObject {
    Q_OBJECT

private slots:
    void scoreFormulaByHand() {
        // One query: reference tokens {-1, 0, 1, 2} (mean 0.5), target {1, 2, 3, 4} (mean 2.5),
        // raw IoU 0.3.
        const at::Tensor logits = at::tensor({-1.0, 0.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0}, at::kDouble)
                                      .view({1, 8})
                                      .to(at::kFloat);
        const at::Tensor ious = at::tensor({0.3}, at::kDouble).to(at::kFloat);
        const at::Tensor boxes = box_rows({{0.5, 0.5, 0.2, 0.4}});
        HipieSelectionOptions o;
        o.side = 100.0;
        const HipieSelection s = select_target(logits, ious, boxes, o);
        QCOMPARE(static_cast<int>(s.ranked.size()), 2);
        const double target = std::sqrt(sigmoid(2.5) * sigmoid(0.3));  // 0.79669...
        const double reference = std::sqrt(sigmoid(0.5) * sigmoid(0.3));
        QVERIFY(std::abs(s.ranked[0].score - target) < 1e-6);
        QCOMPARE(s.ranked[0].cls, int64_t{1});
        QVERIFY(std::abs(s.ranked[1].score - reference) < 1e-6);
        QCOMPARE(s.chosen.query, int64_t{0});
        QCOMPARE(s.chosen.cls, int64_t{1});
        QCOMPARE(s.chosen_rank, int64_t{0});
        // Box (cx, cy, w, h) = (0.5, 0.5, 0.2, 0.4) -> xyxy (40, 30, 60, 70) at side 100.
        QVERIFY(std::abs(s.chosen.box[0] - 40.0F) < 1e-4F);
        QVERIFY(std::abs(s.chosen.box[1] - 30.0F) < 1e-4F);
        QVERIFY(std::abs(s.chosen.box[2] - 60.0F) < 1e-4F);
        QVERIFY(std::abs(s.chosen.box[3] - 70.0F) < 1e-4F);
    }

    void referenceClassNeverChosen() {
        // q0: the reference class scores highest of everything; q1: a weaker target.
        const at::Tensor logits = logits_rows({{5.0, -1.0}, {-3.0, 1.0}});
        const at::Tensor ious = at::zeros({2});
        const at::Tensor boxes = box_rows({{0.2, 0.2, 0.1, 0.1}, {0.8, 0.8, 0.1, 0.1}});
        const HipieSelection s = select_target(logits, ious, boxes, HipieSelectionOptions{});
        QCOMPARE(static_cast<int>(s.ranked.size()), 4);
        QCOMPARE(s.ranked[0].query, int64_t{0});
        QCOMPARE(s.ranked[0].cls, int64_t{0});
        QCOMPARE(s.chosen.query, int64_t{1});
        QCOMPARE(s.chosen.cls, int64_t{1});
        QCOMPARE(s.chosen_rank, int64_t{1});
        QVERIFY(std::abs(s.chosen.score - std::sqrt(sigmoid(1.0) * 0.5)) < 1e-6);
    }

    void classAwareNms() {
        // q0 target, box A; q1 target, weaker, IoU(A) = 0.905 -> suppressed;
        // q2 reference-class argmax with q1's box -> kept (other class);
        // q3 target, IoU(A) = 0.6 -> kept.
        const at::Tensor logits = logits_rows({{-2.0, 3.0}, {-2.0, 2.0}, {4.0, -2.0}, {-2.0, 1.0}});
        const at::Tensor ious = at::zeros({4});
        const at::Tensor boxes = box_rows({{0.30, 0.3, 0.2, 0.2},
                                           {0.31, 0.3, 0.2, 0.2},
                                           {0.31, 0.3, 0.2, 0.2},
                                           {0.35, 0.3, 0.2, 0.2}});
        const HipieSelection s = select_target(logits, ious, boxes, HipieSelectionOptions{});
        QCOMPARE(s.kept, (std::vector<int64_t>{2, 0, 3}));
        QCOMPARE(static_cast<int>(s.ranked.size()), 6);
        for (const auto& c : s.ranked) {
            QVERIFY(c.query != 1);
        }
        QCOMPARE(s.chosen.query, int64_t{0});
        QCOMPARE(s.chosen.cls, int64_t{1});
        // Without q0 and q1 in the way the best target among survivors is q3.
        const HipieSelection s2 = select_target(logits.narrow(0, 2, 2), ious.narrow(0, 2, 2),
                                                boxes.narrow(0, 2, 2), HipieSelectionOptions{});
        QCOMPARE(s2.chosen.query, int64_t{1});
    }

    void nmsThresholdBoundary() {
        // Two target boxes with IoU 0.6: both kept at threshold 0.6001, one at 0.5999.
        const at::Tensor logits = logits_rows({{-2.0, 3.0}, {-2.0, 2.0}});
        const at::Tensor boxes = box_rows({{0.5, 0.5, 0.4, 0.2}, {0.5, 0.55, 0.4, 0.2}});
        // Overlap height 0.15 of 0.2: IoU = 0.06 / (0.08 + 0.08 - 0.06) = 0.6.
        HipieSelectionOptions o;
        o.nms_iou = 0.6001;
        QCOMPARE(select_target(logits, at::zeros({2}), boxes, o).kept.size(), size_t{2});
        o.nms_iou = 0.5999;
        QCOMPARE(select_target(logits, at::zeros({2}), boxes, o).kept.size(), size_t{1});
    }

    void truncationFallback() {
        // k = 1 keeps only the reference entry; the chosen target comes from the survivors.
        const at::Tensor logits = logits_rows({{5.0, -1.0}, {-3.0, 1.0}});
        const at::Tensor boxes = box_rows({{0.2, 0.2, 0.1, 0.1}, {0.8, 0.8, 0.1, 0.1}});
        HipieSelectionOptions o;
        o.max_detections = 1;
        const HipieSelection s = select_target(logits, at::zeros({2}), boxes, o);
        QCOMPARE(static_cast<int>(s.ranked.size()), 1);
        QCOMPARE(s.chosen_rank, int64_t{-1});
        QCOMPARE(s.chosen.query, int64_t{1});
        QCOMPARE(s.chosen.cls, int64_t{1});
    }

    void rejectsBadShapes() {
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 select_target(at::zeros({3, 7}), at::zeros({3}), at::zeros({3, 4}),
                                               HipieSelectionOptions{}));
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 select_target(at::zeros({3, 8}), at::zeros({2}), at::zeros({3, 4}),
                                               HipieSelectionOptions{}));
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 select_target(at::zeros({0, 8}), at::zeros({0}), at::zeros({0, 4}),
                                               HipieSelectionOptions{}));
    }
};

QTEST_APPLESS_MAIN(TestHipieSelection)
#include "test_hipie_selection.moc"
