// The HIPIE criterion against hand computation and naive float64 loops: box conversion and GIoU
// on hand-computed boxes, focal and dice element by element, the matching cost, the matching
// itself (brute force), one layer's loss terms, the proposal loss, the batched mask head against
// the per-query one, and the training decode against decode().

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "core/common/error.h"
#include "core/model/hipie/hipie_model.h"
#include "core/train/hipie_loss.h"
#include "core/train/query_masks.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace segllm::train;

namespace {

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

// RetinaNet focal loss of one element, float64.
double naive_focal(double logit, double y, double alpha = 0.25, double gamma = 2.0) {
    const double p = sigmoid(logit);
    const double ce = -(y * std::log(p) + (1 - y) * std::log(1 - p));
    const double pt = y == 1.0 ? p : 1 - p;
    const double at = y == 1.0 ? alpha : 1 - alpha;
    return at * std::pow(1 - pt, gamma) * ce;
}

double naive_dice(const std::vector<double>& logits, const std::vector<double>& y) {
    double st = 0, s = 0, t = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        st += sigmoid(logits[i]) * y[i];
        s += sigmoid(logits[i]);
        t += y[i];
    }
    return 1 - (2 * st + 1) / (s + t + 1);
}

struct Box {
    double x0, y0, x1, y1;
};
Box xyxy(const at::Tensor& cxcywh) {
    const double cx = cxcywh[0].item<double>(), cy = cxcywh[1].item<double>();
    const double w = cxcywh[2].item<double>(), h = cxcywh[3].item<double>();
    return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}
double naive_iou(const Box& a, const Box& b) {
    const double iw = std::max(0.0, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
    const double ih = std::max(0.0, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
    const double inter = iw * ih;
    const double uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
    return inter / uni;
}
double naive_giou(const Box& a, const Box& b) {
    const double iw = std::max(0.0, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
    const double ih = std::max(0.0, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
    const double inter = iw * ih;
    const double uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
    const double enc = (std::max(a.x1, b.x1) - std::min(a.x0, b.x0)) *
                       (std::max(a.y1, b.y1) - std::min(a.y0, b.y0));
    return inter / uni - (enc - uni) / enc;
}

std::vector<double> values(const at::Tensor& t) {
    const at::Tensor c = t.detach().to(at::kDouble).contiguous().flatten();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A random prediction of q queries, t tokens and side x side masks, and n targets.
struct Problem {
    HipieLayerPrediction pred;
    std::vector<HipieTarget> targets;
};
Problem make_problem(int64_t q, int64_t t, int64_t side, int n, uint64_t seed) {
    at::manual_seed(seed);
    Problem p;
    p.pred.logits = at::randn({q, t}) * 2;
    p.pred.boxes = at::cat({at::rand({q, 2}) * 0.6 + 0.2, at::rand({q, 2}) * 0.3 + 0.05}, 1);
    p.pred.masks = at::randn({q, side, side}) * 3;
    p.pred.ious = at::randn({q});
    for (int i = 0; i < n; ++i) {
        HipieTarget g;
        g.box = at::cat({at::rand({2}) * 0.6 + 0.2, at::rand({2}) * 0.3 + 0.05});
        g.mask = (at::rand({side, side}) > 0.6).to(at::kFloat);
        g.token_begin = i % 2 == 0 ? t / 2 : 0;
        g.token_end = i % 2 == 0 ? t : t / 2;
        p.targets.push_back(g);
    }
    return p;
}

// Matching cost of query qi and target ti, float64 loops (class, L1, GIoU, mask focal, dice).
double naive_cost(const Problem& p, int64_t qi, size_t ti) {
    const HipieTarget& g = p.targets[ti];
    const std::vector<double> logits = values(p.pred.logits[qi]);
    double cls = 0;
    for (int64_t k = g.token_begin; k < g.token_end; ++k) {
        const double pr = sigmoid(logits[static_cast<size_t>(k)]);
        const double pos = 0.25 * std::pow(1 - pr, 2.0) * -std::log(pr + 1e-8);
        const double neg = 0.75 * std::pow(pr, 2.0) * -std::log(1 - pr + 1e-8);
        cls += pos - neg;
    }
    cls /= static_cast<double>(g.token_end - g.token_begin);
    const std::vector<double> pb = values(p.pred.boxes[qi]), gb = values(g.box);
    double l1 = 0;
    for (size_t k = 0; k < 4; ++k) {
        l1 += std::abs(pb[k] - gb[k]);
    }
    const double giou = naive_giou(xyxy(p.pred.boxes[qi]), xyxy(g.box));
    const std::vector<double> ml = values(p.pred.masks[qi]), y = values(g.mask);
    double focal = 0;
    for (size_t k = 0; k < ml.size(); ++k) {
        const double pr = sigmoid(ml[k]);
        const double pos = 0.25 * std::pow(1 - pr, 2.0) * -std::log(pr + 1e-8);
        const double neg = 0.75 * std::pow(pr, 2.0) * -std::log(1 - pr + 1e-8);
        focal += y[k] * pos + (1 - y[k]) * neg;
    }
    focal /= static_cast<double>(ml.size());
    return 2 * cls + 5 * l1 - 2 * giou + 5 * focal + 5 * naive_dice(ml, y);
}

}  // namespace

class TestHipieLoss : public QObject {
    Q_OBJECT

private slots:
    void boxes_by_hand() {
        const at::Tensor b = box_cxcywh_to_xyxy(at::tensor({0.5, 0.4, 0.2, 0.6}, at::kDouble));
        QVERIFY(at::allclose(b, at::tensor({0.4, 0.1, 0.6, 0.7}, at::kDouble)));
        // a = [0,2]^2, b = [1,3]^2: inter 1, union 7, enclosing 9 -> 1/7 - 2/9 = -5/63.
        // c = [2,3] x [0,1] next to [0,1]^2: inter 0, union 2, enclosing 3 -> -1/3.
        const at::Tensor a =
            at::tensor({0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 1.0, 1.0}, at::kDouble).view({2, 4});
        const at::Tensor c =
            at::tensor({1.0, 1.0, 3.0, 3.0, 2.0, 0.0, 3.0, 1.0}, at::kDouble).view({2, 4});
        const at::Tensor g = generalized_box_iou(a, c);
        QVERIFY(std::abs(g[0][0].item<double>() - (-5.0 / 63.0)) < 1e-12);
        QVERIFY(std::abs(g[1][1].item<double>() - (-1.0 / 3.0)) < 1e-12);
        QVERIFY(std::abs(pairwise_box_iou(a, c)[0][0].item<double>() - 1.0 / 7.0) < 1e-12);
        // identical boxes: GIoU 1
        QVERIFY(std::abs(generalized_box_iou(a, a)[1][1].item<double>() - 1.0) < 1e-12);
    }

    void focal_and_dice_elementwise() {
        at::manual_seed(3);
        const at::Tensor logits = at::randn({4, 9}, at::kDouble) * 3;
        const at::Tensor y = (at::rand({4, 9}, at::kDouble) > 0.5).to(at::kDouble);
        const at::Tensor f = sigmoid_focal_loss(logits, y, 0.25, 2.0);
        const std::vector<double> l = values(logits), t = values(y), fv = values(f);
        for (size_t i = 0; i < l.size(); ++i) {
            QVERIFY(std::abs(fv[i] - naive_focal(l[i], t[i])) < 1e-12);
        }
        const std::vector<double> d = values(dice_loss(logits, y));
        for (size_t r = 0; r < 4; ++r) {
            const std::vector<double> lr(l.begin() + r * 9, l.begin() + (r + 1) * 9);
            const std::vector<double> tr(t.begin() + r * 9, t.begin() + (r + 1) * 9);
            QVERIFY(std::abs(d[r] - naive_dice(lr, tr)) < 1e-12);
        }
    }

    void matching_cost_against_loops() {
        const Problem p = make_problem(6, 8, 4, 2, 11);
        const at::Tensor cost = matching_cost(p.pred, p.targets, HipieLossWeights{});
        QCOMPARE(cost.size(0), 6);
        QCOMPARE(cost.size(1), 2);
        for (int64_t q = 0; q < 6; ++q) {
            for (size_t t = 0; t < 2; ++t) {
                const double c = cost[q][static_cast<int64_t>(t)].item<double>();
                QVERIFY2(std::abs(c - naive_cost(p, q, t)) < 1e-5,
                         qPrintable(QString("q %1 t %2: %3 vs %4")
                                        .arg(q)
                                        .arg(t)
                                        .arg(c)
                                        .arg(naive_cost(p, q, t))));
            }
        }
    }

    void matching_is_optimal() {
        for (uint64_t seed = 0; seed < 5; ++seed) {
            const Problem p = make_problem(5, 8, 4, 2, 100 + seed);
            const std::vector<int64_t> m = match_queries(p.pred, p.targets, HipieLossWeights{});
            QCOMPARE(m.size(), size_t{2});
            QVERIFY(m[0] != m[1]);
            double best = std::numeric_limits<double>::infinity();
            for (int64_t a = 0; a < 5; ++a) {
                for (int64_t b = 0; b < 5; ++b) {
                    if (a != b) {
                        best = std::min(best, naive_cost(p, a, 0) + naive_cost(p, b, 1));
                    }
                }
            }
            QVERIFY(std::abs(naive_cost(p, m[0], 0) + naive_cost(p, m[1], 1) - best) < 1e-5);
        }
        const Problem p = make_problem(1, 8, 4, 2, 7);
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 match_queries(p.pred, p.targets, HipieLossWeights{}));
    }

    void layer_loss_against_loops() {
        const Problem p = make_problem(5, 8, 4, 2, 21);
        const std::vector<int64_t> queries = {3, 1};
        const HipieLossTerms terms = layer_loss(p.pred, p.targets, queries, HipieLossWeights{});
        // class: focal over every (query, token), positive on matched queries' spans
        const std::vector<double> logits = values(p.pred.logits);
        double cls = 0;
        for (int64_t q = 0; q < 5; ++q) {
            for (int64_t k = 0; k < 8; ++k) {
                double y = 0;
                for (size_t t = 0; t < 2; ++t) {
                    if (queries[t] == q && k >= p.targets[t].token_begin &&
                        k < p.targets[t].token_end) {
                        y = 1;
                    }
                }
                cls += naive_focal(logits[static_cast<size_t>(q * 8 + k)], y);
            }
        }
        double l1 = 0, giou = 0, mask = 0, dice = 0;
        std::vector<double> iou_target(5, 0.0);
        for (size_t t = 0; t < 2; ++t) {
            const std::vector<double> pb = values(p.pred.boxes[queries[t]]);
            const std::vector<double> gb = values(p.targets[t].box);
            for (size_t k = 0; k < 4; ++k) {
                l1 += std::abs(pb[k] - gb[k]);
            }
            const Box a = xyxy(p.pred.boxes[queries[t]]), b = xyxy(p.targets[t].box);
            giou += 1 - naive_giou(a, b);
            iou_target[static_cast<size_t>(queries[t])] = naive_iou(a, b);
            const std::vector<double> ml = values(p.pred.masks[queries[t]]);
            const std::vector<double> y = values(p.targets[t].mask);
            double f = 0;
            for (size_t k = 0; k < ml.size(); ++k) {
                f += naive_focal(ml[k], y[k]);
            }
            mask += f / static_cast<double>(ml.size());
            dice += naive_dice(ml, y);
        }
        double iou = 0;
        const std::vector<double> io = values(p.pred.ious);
        for (size_t q = 0; q < 5; ++q) {
            const double s = sigmoid(io[q]);
            iou += -(iou_target[q] * std::log(s) + (1 - iou_target[q]) * std::log(1 - s));
        }
        QVERIFY(std::abs(terms.cls.item<double>() - cls) < 1e-4);
        QVERIFY(std::abs(terms.l1.item<double>() - l1) < 1e-5);
        QVERIFY(std::abs(terms.giou.item<double>() - giou) < 1e-5);
        QVERIFY(std::abs(terms.mask.item<double>() - mask) < 1e-5);
        QVERIFY(std::abs(terms.dice.item<double>() - dice) < 1e-5);
        QVERIFY(std::abs(terms.iou.item<double>() - iou) < 1e-4);
        const double weighted = 2 * cls + 5 * l1 + 2 * giou + 5 * mask + 5 * dice + 2 * iou;
        QVERIFY(std::abs(terms.weighted(HipieLossWeights{}).item<double>() - weighted) < 1e-3);
    }

    void selection_term_by_hand() {
        // Two targets on 3 queries x 4 tokens; the term is -log softmax over the queries of the
        // mean logit on each target's tokens, at its matched query.
        const Problem p = make_problem(3, 4, 4, 2, 5);
        HipieLayerPrediction pred = p.pred;
        pred.logits = at::tensor({1.0F, 3.0F, -2.0F, 0.0F,    // query 0
                                  0.5F, -0.5F, 2.0F, 4.0F,    // query 1
                                  -1.0F, 1.0F, 0.0F, -4.0F})  // query 2
                          .view({3, 4});
        std::vector<HipieTarget> targets = p.targets;
        targets[0].token_begin = 0;
        targets[0].token_end = 2;  // means: 2, 0, 0
        targets[1].token_begin = 2;
        targets[1].token_end = 4;  // means: -1, 3, -2
        const std::vector<int64_t> queries = {2, 1};
        const double first = -(0.0 - std::log(std::exp(2.0) + 2.0));
        const double second = -(3.0 - std::log(std::exp(-1.0) + std::exp(3.0) + std::exp(-2.0)));
        HipieLossWeights w;
        QCOMPARE(w.loss_select, 0.0);  // the reference has no such term
        const HipieLossTerms terms = layer_loss(pred, targets, queries, w);
        QVERIFY(std::abs(terms.select.item<double>() - (first + second)) < 1e-5);
        // weighted() adds it with its weight, and only then
        const double without = terms.weighted(w).item<double>();
        w.loss_select = 3.0;
        QVERIFY(std::abs(terms.weighted(w).item<double>() - without - 3.0 * (first + second)) <
                1e-4);

        // The pair term: on target 0's tokens the other target's query (1, mean 0) against the
        // matched query (2, mean 0): softplus(0) = ln 2; on target 1's tokens query 2 (-2)
        // against query 1 (3): softplus(-5).
        const double pair = std::log(2.0) + std::log1p(std::exp(-5.0));
        QCOMPARE(w.loss_select_pair, 0.0);  // off unless asked
        QVERIFY(std::abs(terms.select_pair.item<double>() - pair) < 1e-5);
        const double with_select = terms.weighted(w).item<double>();
        w.loss_select_pair = 4.0;
        QVERIFY(std::abs(terms.weighted(w).item<double>() - with_select - 4.0 * pair) < 1e-4);
        // One target: no pair.
        const HipieLossTerms single = layer_loss(pred, {targets[1]}, {1}, w);
        QCOMPARE(single.select_pair.item<double>(), 0.0);
    }

    void rival_term_by_hand() {
        // 5 queries x 2 tokens; one target (tokens 0..1) matched to query 0. Queries 1 and 2 sit
        // on rival A, query 3 on rival B (IoU >= 0.5), query 4 on nothing; rival C has no query.
        HipieLayerPrediction pred;
        pred.logits = at::tensor({2.0F, 0.0F,    // query 0: mean 1
                                  3.0F, 1.0F,    // query 1: mean 2 (on A)
                                  -1.0F, -1.0F,  // query 2: mean -1 (on A)
                                  0.5F, 0.5F,    // query 3: mean 0.5 (on B)
                                  9.0F, 9.0F})   // query 4: mean 9 (on nothing)
                          .view({5, 2});
        pred.boxes = at::tensor({0.2F,  0.2F,  0.2F, 0.2F,   // on the answer
                                 0.6F,  0.6F,  0.2F, 0.2F,   // exactly A
                                 0.61F, 0.6F,  0.2F, 0.2F,   // IoU 0.905 with A
                                 0.2F,  0.62F, 0.2F, 0.22F,  // IoU 0.83 with B
                                 0.9F,  0.1F,  0.1F, 0.1F})  // off every object
                         .view({5, 4});
        HipieTarget t;
        t.box = at::tensor({0.2F, 0.2F, 0.2F, 0.2F});
        t.token_begin = 0;
        t.token_end = 2;
        t.rivals = at::tensor({0.6F, 0.6F, 0.2F, 0.2F,   // A
                               0.2F, 0.6F, 0.2F, 0.2F,   // B
                               0.6F, 0.2F, 0.1F, 0.1F})  // C
                       .view({3, 4});
        HipieLossWeights w;
        QCOMPARE(w.loss_select_rival, 0.0);  // off unless asked
        const HipieLossTerms terms = layer_loss(pred, {t}, {0}, w);
        const double a = std::log(std::exp(2.0) + std::exp(-1.0));
        const double want = -(1.0 - std::log(std::exp(1.0) + std::exp(a) + std::exp(0.5)));
        QVERIFY2(std::abs(terms.select_rival.item<double>() - want) < 1e-5,
                 std::to_string(terms.select_rival.item<double>()).c_str());
        const double without = terms.weighted(w).item<double>();
        w.loss_select_rival = 3.0;
        QVERIFY(std::abs(terms.weighted(w).item<double>() - without - 3.0 * want) < 1e-4);

        // The gradient reaches the answer's query (down the loss: up its logits), the queries on
        // the rivals (down), and not the query on nothing.
        pred.logits.requires_grad_(true);
        layer_loss(pred, {t}, {0}, w).select_rival.backward();
        const at::Tensor g = pred.logits.grad().sum(1);
        QVERIFY(g[0].item<double>() < 0);
        QVERIFY(g[1].item<double>() > 0 && g[2].item<double>() > 0 && g[3].item<double>() > 0);
        QCOMPARE(g[4].item<double>(), 0.0);

        // No rival with a query on it, no rivals, or no rival tensor: no term.
        HipieTarget lonely = t;
        lonely.rivals = at::tensor({0.6F, 0.2F, 0.1F, 0.1F}).view({1, 4});
        QCOMPARE(layer_loss(pred, {lonely}, {0}, w).select_rival.item<double>(), 0.0);
        lonely.rivals = at::zeros({0, 4});
        QCOMPARE(layer_loss(pred, {lonely}, {0}, w).select_rival.item<double>(), 0.0);
        lonely.rivals = at::Tensor();
        QCOMPARE(layer_loss(pred, {lonely}, {0}, w).select_rival.item<double>(), 0.0);
        // The matched query itself never counts as a rival, even on a rival's box.
        HipieTarget self = t;
        self.rivals = at::tensor({0.2F, 0.2F, 0.2F, 0.2F}).view({1, 4});
        QCOMPARE(layer_loss(pred, {self}, {0}, w).select_rival.item<double>(), 0.0);
        // Rival boxes of the wrong shape are refused.
        HipieTarget bad = t;
        bad.rivals = at::zeros({2, 3});
        QVERIFY_THROWS_EXCEPTION(segllm::Error, layer_loss(pred, {bad}, {0}, w));
    }

    void loss_has_gradients() {
        Problem p = make_problem(5, 8, 4, 2, 5);
        p.pred.logits.requires_grad_(true);
        p.pred.masks.requires_grad_(true);
        const at::Tensor loss =
            hipie_layer_loss(p.pred, p.targets, HipieLossWeights{}).weighted(HipieLossWeights{});
        loss.backward();
        QVERIFY(p.pred.logits.grad().abs().sum().item<double>() > 0);
        QVERIFY(p.pred.masks.grad().abs().sum().item<double>() > 0);
    }

    void proposal_loss_against_loops() {
        at::manual_seed(9);
        const at::Tensor logits = at::randn({6});
        const at::Tensor boxes =
            at::cat({at::rand({6, 2}) * 0.6 + 0.2, at::rand({6, 2}) * 0.3 + 0.05}, 1);
        const Problem p = make_problem(6, 8, 4, 2, 31);
        const HipieLossTerms terms = proposal_loss(logits, boxes, p.targets, HipieLossWeights{});
        // brute-force matching with the binary class cost + L1 + GIoU
        const std::vector<double> lv = values(logits);
        auto cost = [&](int64_t k, size_t t) {
            const double pr = sigmoid(lv[static_cast<size_t>(k)]);
            const double cls = 0.25 * std::pow(1 - pr, 2.0) * -std::log(pr + 1e-8) -
                               0.75 * std::pow(pr, 2.0) * -std::log(1 - pr + 1e-8);
            const std::vector<double> pb = values(boxes[k]), gb = values(p.targets[t].box);
            double l1 = 0;
            for (size_t i = 0; i < 4; ++i) {
                l1 += std::abs(pb[i] - gb[i]);
            }
            return 2 * cls + 5 * l1 - 2 * naive_giou(xyxy(boxes[k]), xyxy(p.targets[t].box));
        };
        double best = std::numeric_limits<double>::infinity();
        int64_t ba = -1, bb = -1;
        for (int64_t a = 0; a < 6; ++a) {
            for (int64_t b = 0; b < 6; ++b) {
                if (a != b && cost(a, 0) + cost(b, 1) < best) {
                    best = cost(a, 0) + cost(b, 1);
                    ba = a;
                    bb = b;
                }
            }
        }
        double cls = 0;
        for (int64_t k = 0; k < 6; ++k) {
            cls += naive_focal(lv[static_cast<size_t>(k)], k == ba || k == bb ? 1.0 : 0.0);
        }
        double l1 = 0, giou = 0;
        for (auto [k, t] : {std::pair<int64_t, size_t>{ba, 0}, {bb, 1}}) {
            const std::vector<double> pb = values(boxes[k]), gb = values(p.targets[t].box);
            for (size_t i = 0; i < 4; ++i) {
                l1 += std::abs(pb[i] - gb[i]);
            }
            giou += 1 - naive_giou(xyxy(boxes[k]), xyxy(p.targets[t].box));
        }
        QVERIFY(std::abs(terms.cls.item<double>() - cls) < 1e-5);
        QVERIFY(std::abs(terms.l1.item<double>() - l1) < 1e-5);
        QVERIFY(std::abs(terms.giou.item<double>() - giou) < 1e-5);
        QCOMPARE(terms.mask.item<double>(), 0.0);
    }

    void batched_mask_head_equals_per_query() {
        at::manual_seed(2);
        segllm::hipie::HipieSegmentator seg(segllm::hipie::HipieConfig::tiny());
        const auto& c = seg->config();
        segllm::hipie::HipieDecodeOutput out;
        out.mask_features = at::randn({1, c.mask_in_channels(), 16, 16});
        out.query_features = at::randn({5, c.d_model});
        out.mask_reference = at::rand({5, 2});
        at::NoGradGuard no_grad;
        const at::Tensor all =
            query_mask_logits(*seg, out.mask_features, out.query_features, out.mask_reference);
        QCOMPARE(all.size(0), 5);
        QCOMPARE(all.size(1), 32);
        for (int64_t q = 0; q < 5; ++q) {
            QVERIFY(at::allclose(all[q], seg->mask_logits(out, q), 1e-4, 1e-4));
        }
    }

    void training_decode_matches_decode() {
        at::manual_seed(4);
        segllm::hipie::HipieSegmentator seg(segllm::hipie::HipieConfig::tiny());
        const auto& c = seg->config();
        at::NoGradGuard no_grad;
        const auto features = seg->encode_image(at::randn({1, 3, c.input_side, c.input_side}));
        const at::Tensor lang = at::randn({1, c.lang_tokens, c.lang_dim});
        const auto ref = seg->decode(features, lang);
        const auto train = seg->decode_for_training(features, lang);
        QCOMPARE(static_cast<int64_t>(train.layers.size()), c.dec_layers);
        const auto& last = train.layers.back();
        QVERIFY(at::allclose(last.logits, ref.logits));
        QVERIFY(at::allclose(last.boxes, ref.boxes));
        QVERIFY(at::allclose(last.ious, ref.ious));
        QVERIFY(at::allclose(last.mask_reference, ref.mask_reference));
        QVERIFY(at::allclose(train.mask_features, ref.mask_features));
        QCOMPARE(train.proposal_logits.size(0), c.num_proposals);
        QCOMPARE(train.proposal_boxes.size(1), 4);
        // the proposals are the decoder's initial foreground references
        QVERIFY(train.proposal_boxes.min().item<double>() >= 0.0);
        QVERIFY(train.proposal_boxes.max().item<double>() <= 1.0);
        const at::Tensor m =
            query_mask_logits(*seg, train.mask_features, last.query_features, last.mask_reference);
        const auto q = ref.selection.chosen.query;
        QVERIFY(at::allclose(m[q], seg->mask_logits(ref, q), 1e-4, 1e-4));
    }

    // The trainer decodes every <seg> of a batch at once: each element of the batched decode
    // (two images, three language sets, one image used twice) equals its own decode, in every
    // layer and output; gradients reach each language set; bad batches are refused.
    void batched_training_decode_matches_single() {
        at::manual_seed(6);
        segllm::hipie::HipieSegmentator seg(segllm::hipie::HipieConfig::tiny());
        const auto& c = seg->config();
        const auto a = seg->encode_image(at::randn({1, 3, c.input_side, c.input_side}));
        const auto b = seg->encode_image(at::randn({1, 3, c.input_side, c.input_side}));
        const at::Tensor lang = at::randn({3, c.lang_tokens, c.lang_dim}).requires_grad_();
        const std::vector<const segllm::hipie::HipieImageFeatures*> images = {&a, &b, &a};
        const auto batch = seg->decode_for_training_batch(images, lang);
        QCOMPARE(batch.size(), std::size_t{3});
        for (int64_t j = 0; j < 3; ++j) {
            const auto one = seg->decode_for_training(*images[static_cast<size_t>(j)],
                                                      lang.narrow(0, j, 1).detach());
            const auto& got = batch[static_cast<size_t>(j)];
            QCOMPARE(got.layers.size(), one.layers.size());
            for (size_t i = 0; i < one.layers.size(); ++i) {
                const auto& g = got.layers[i];
                const auto& w = one.layers[i];
                QVERIFY(g.logits.sizes().equals(w.logits.sizes()));
                QVERIFY(at::allclose(g.logits, w.logits, 1e-4, 1e-5));
                QVERIFY(at::allclose(g.boxes, w.boxes, 1e-4, 1e-6));
                QVERIFY(at::allclose(g.ious, w.ious, 1e-4, 1e-5));
                QVERIFY(at::allclose(g.query_features, w.query_features, 1e-4, 1e-5));
                QVERIFY(at::allclose(g.mask_reference, w.mask_reference, 1e-4, 1e-6));
            }
            QVERIFY(at::allclose(got.proposal_logits, one.proposal_logits, 1e-4, 1e-5));
            QVERIFY(at::allclose(got.proposal_boxes, one.proposal_boxes, 1e-4, 1e-6));
            QVERIFY(got.mask_features.sizes().equals(one.mask_features.sizes()));
            QVERIFY(at::allclose(got.mask_features, one.mask_features, 1e-4, 1e-5));
        }
        // The two decodes of image a with different language differ (they are not one copy).
        QVERIFY(!at::allclose(batch[0].layers.back().logits, batch[2].layers.back().logits));
        at::Tensor sum = at::zeros({});
        for (const auto& d : batch) {
            sum = sum + d.layers.back().logits.sum();
        }
        sum.backward();
        QVERIFY(lang.grad().defined());
        for (int64_t j = 0; j < 3; ++j) {
            QVERIFY(lang.grad()[j].abs().sum().item<double>() > 0.0);
        }
        at::NoGradGuard no_grad;
        const at::Tensor two = at::randn({2, c.lang_tokens, c.lang_dim});
        QVERIFY_EXCEPTION_THROWN(seg->decode_for_training_batch({&a}, two), segllm::Error);
        QVERIFY_EXCEPTION_THROWN(seg->decode_for_training_batch({}, two), segllm::Error);
        QVERIFY_EXCEPTION_THROWN(seg->decode_for_training(a, two), segllm::Error);
    }
};

QTEST_APPLESS_MAIN(TestHipieLoss)
#include "test_hipie_loss.moc"
