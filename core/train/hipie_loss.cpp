#include "core/train/hipie_loss.h"

#include "core/common/error.h"
#include "core/train/hungarian.h"

#include <limits>
#include <string>

namespace segllm::train {

namespace {

void check_prediction(const HipieLayerPrediction& pred, const std::vector<HipieTarget>& targets) {
    if (!pred.logits.defined() || pred.logits.dim() != 2 || !pred.boxes.defined() ||
        pred.boxes.dim() != 2 || pred.boxes.size(0) != pred.logits.size(0) ||
        pred.boxes.size(1) != 4) {
        throw Error("HIPIE loss: expected logits [Q, T] and boxes [Q, 4]");
    }
    const int64_t q = pred.logits.size(0), t = pred.logits.size(1);
    if (pred.masks.defined() && (pred.masks.dim() != 3 || pred.masks.size(0) != q)) {
        throw Error("HIPIE loss: expected mask logits [" + std::to_string(q) + ", h, w]");
    }
    if (pred.ious.defined() && pred.ious.numel() != q) {
        throw Error("HIPIE loss: expected " + std::to_string(q) + " IoU outputs");
    }
    for (size_t i = 0; i < targets.size(); ++i) {
        const HipieTarget& g = targets[i];
        if (g.token_begin < 0 || g.token_end > t || g.token_begin >= g.token_end) {
            throw Error("HIPIE loss: target " + std::to_string(i) + " has token span [" +
                        std::to_string(g.token_begin) + ", " + std::to_string(g.token_end) +
                        ") outside [0, " + std::to_string(t) + ")");
        }
        if (!g.box.defined() || g.box.numel() != 4) {
            throw Error("HIPIE loss: target " + std::to_string(i) + " needs a [4] box");
        }
        if (g.rivals.defined() && (g.rivals.dim() != 2 || g.rivals.size(1) != 4)) {
            throw Error("HIPIE loss: target " + std::to_string(i) + " needs rival boxes [R, 4]");
        }
        if (pred.masks.defined() &&
            (!g.mask.defined() || g.mask.dim() != 2 || g.mask.size(0) != pred.masks.size(1) ||
             g.mask.size(1) != pred.masks.size(2))) {
            throw Error("HIPIE loss: target " + std::to_string(i) +
                        " mask does not match the predicted mask size");
        }
    }
}

at::Tensor stack_boxes(const std::vector<HipieTarget>& targets, const at::TensorOptions& options) {
    std::vector<at::Tensor> boxes;
    for (const HipieTarget& g : targets) {
        boxes.push_back(g.box.reshape({4}).to(options));
    }
    return at::stack(boxes, 0);
}

at::Tensor stack_masks(const std::vector<HipieTarget>& targets, const at::TensorOptions& options) {
    std::vector<at::Tensor> masks;
    for (const HipieTarget& g : targets) {
        masks.push_back(g.mask.flatten().to(options));
    }
    return at::stack(masks, 0);
}

// Focal positive and negative costs of probabilities p (DINO's matcher).
std::pair<at::Tensor, at::Tensor> focal_costs(const at::Tensor& p, double alpha, double gamma) {
    const at::Tensor neg = (1 - alpha) * p.pow(gamma) * (-(1 - p + 1e-8).log());
    const at::Tensor pos = alpha * (1 - p).pow(gamma) * (-(p + 1e-8).log());
    return {pos, neg};
}

// Box part of the cost [Q, N] in float64.
at::Tensor box_cost(const at::Tensor& pred_boxes, const at::Tensor& gt_boxes,
                    const HipieLossWeights& w) {
    const at::Tensor l1 = (pred_boxes.unsqueeze(1) - gt_boxes.unsqueeze(0)).abs().sum(-1);
    const at::Tensor giou =
        generalized_box_iou(box_cxcywh_to_xyxy(pred_boxes), box_cxcywh_to_xyxy(gt_boxes));
    return w.cost_l1 * l1 - w.cost_giou * giou;
}

std::vector<std::int64_t> assign(const at::Tensor& cost) {
    const at::Tensor c = cost.to(at::kCPU, at::kDouble).contiguous();  // one host copy
    const int rows = static_cast<int>(c.size(0)), cols = static_cast<int>(c.size(1));
    std::vector<double> values(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
    // Rows are queries, columns targets: transpose so that each target gets one query.
    std::vector<double> t(values.size());
    for (int r = 0; r < rows; ++r) {
        for (int k = 0; k < cols; ++k) {
            t[static_cast<size_t>(k) * rows + r] = values[static_cast<size_t>(r) * cols + k];
        }
    }
    const std::vector<int> col = hungarian_assignment(t, cols, rows);
    return std::vector<std::int64_t>(col.begin(), col.end());
}

}  // namespace

at::Tensor HipieLossTerms::weighted(const HipieLossWeights& w) const {
    return w.loss_class * cls + w.loss_l1 * l1 + w.loss_giou * giou + w.loss_mask * mask +
           w.loss_dice * dice + w.loss_iou * iou + w.loss_select * select +
           w.loss_select_pair * select_pair + w.loss_select_rival * select_rival;
}

HipieLossTerms HipieLossTerms::operator+(const HipieLossTerms& o) const {
    return {cls + o.cls,
            l1 + o.l1,
            giou + o.giou,
            mask + o.mask,
            dice + o.dice,
            iou + o.iou,
            select + o.select,
            select_pair + o.select_pair,
            select_rival + o.select_rival};
}

HipieLossTerms HipieLossTerms::zeros(const at::TensorOptions& options) {
    const at::Tensor z = at::zeros({}, options);
    return {z, z, z, z, z, z, z, z, z};
}

at::Tensor box_cxcywh_to_xyxy(const at::Tensor& boxes) {
    const at::Tensor c = boxes.narrow(-1, 0, 2);
    const at::Tensor half = boxes.narrow(-1, 2, 2) / 2;
    return at::cat({c - half, c + half}, -1);
}

at::Tensor pairwise_box_iou(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor area_a = (a.select(1, 2) - a.select(1, 0)) * (a.select(1, 3) - a.select(1, 1));
    const at::Tensor area_b = (b.select(1, 2) - b.select(1, 0)) * (b.select(1, 3) - b.select(1, 1));
    const at::Tensor lt = at::max(a.narrow(1, 0, 2).unsqueeze(1), b.narrow(1, 0, 2).unsqueeze(0));
    const at::Tensor rb = at::min(a.narrow(1, 2, 2).unsqueeze(1), b.narrow(1, 2, 2).unsqueeze(0));
    const at::Tensor wh = (rb - lt).clamp_min(0);
    const at::Tensor inter = wh.select(-1, 0) * wh.select(-1, 1);
    const at::Tensor uni = area_a.unsqueeze(1) + area_b.unsqueeze(0) - inter;
    return inter / uni.clamp_min(1e-12);
}

at::Tensor generalized_box_iou(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor area_a = (a.select(1, 2) - a.select(1, 0)) * (a.select(1, 3) - a.select(1, 1));
    const at::Tensor area_b = (b.select(1, 2) - b.select(1, 0)) * (b.select(1, 3) - b.select(1, 1));
    const at::Tensor lt = at::max(a.narrow(1, 0, 2).unsqueeze(1), b.narrow(1, 0, 2).unsqueeze(0));
    const at::Tensor rb = at::min(a.narrow(1, 2, 2).unsqueeze(1), b.narrow(1, 2, 2).unsqueeze(0));
    const at::Tensor wh = (rb - lt).clamp_min(0);
    const at::Tensor inter = wh.select(-1, 0) * wh.select(-1, 1);
    const at::Tensor uni = area_a.unsqueeze(1) + area_b.unsqueeze(0) - inter;
    const at::Tensor iou = inter / uni.clamp_min(1e-12);
    const at::Tensor elt = at::min(a.narrow(1, 0, 2).unsqueeze(1), b.narrow(1, 0, 2).unsqueeze(0));
    const at::Tensor erb = at::max(a.narrow(1, 2, 2).unsqueeze(1), b.narrow(1, 2, 2).unsqueeze(0));
    const at::Tensor ewh = (erb - elt).clamp_min(0);
    const at::Tensor enclosing = ewh.select(-1, 0) * ewh.select(-1, 1);
    return iou - (enclosing - uni) / enclosing.clamp_min(1e-12);
}

at::Tensor sigmoid_focal_loss(const at::Tensor& logits, const at::Tensor& targets, double alpha,
                              double gamma) {
    const at::Tensor p = logits.sigmoid();
    const at::Tensor ce =
        at::binary_cross_entropy_with_logits(logits, targets, {}, {}, at::Reduction::None);
    const at::Tensor p_t = p * targets + (1 - p) * (1 - targets);
    at::Tensor loss = ce * (1 - p_t).pow(gamma);
    if (alpha >= 0) {
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss;
    }
    return loss;
}

at::Tensor dice_loss(const at::Tensor& logits, const at::Tensor& targets) {
    const at::Tensor s = logits.sigmoid();
    const at::Tensor num = 2 * (s * targets).sum(-1) + 1;
    const at::Tensor den = s.sum(-1) + targets.sum(-1) + 1;
    return 1 - num / den;
}

at::Tensor matching_cost(const HipieLayerPrediction& pred, const std::vector<HipieTarget>& targets,
                         const HipieLossWeights& w) {
    check_prediction(pred, targets);
    at::NoGradGuard no_grad;
    // Computed where the prediction is (only the [Q, N] result goes to the host for the
    // assignment, not the [Q, h, w] masks); float64 on every device.
    const auto f64 = pred.logits.options().dtype(at::kDouble);
    const int64_t q = pred.logits.size(0);
    const auto n = static_cast<int64_t>(targets.size());
    if (n == 0) {
        return at::zeros({q, 0}, f64);
    }
    const at::Tensor p = pred.logits.detach().to(at::kDouble).sigmoid();
    auto [pos, neg] = focal_costs(p, w.focal_alpha, w.focal_gamma);
    std::vector<at::Tensor> cls;
    for (const HipieTarget& g : targets) {
        const int64_t len = g.token_end - g.token_begin;
        cls.push_back(
            (pos.narrow(1, g.token_begin, len) - neg.narrow(1, g.token_begin, len)).mean(1));
    }
    at::Tensor cost = w.cost_class * at::stack(cls, 1);
    cost = cost + box_cost(pred.boxes.detach().to(at::kDouble), stack_boxes(targets, f64), w);
    if (pred.masks.defined()) {
        const at::Tensor logits = pred.masks.detach().to(at::kDouble).flatten(1);  // [Q, P]
        const at::Tensor y = stack_masks(targets, f64);                            // [N, P]
        const double pixels = static_cast<double>(logits.size(1));
        const at::Tensor s = logits.sigmoid();
        auto [mpos, mneg] = focal_costs(s, w.focal_alpha, w.focal_gamma);
        const at::Tensor focal = (at::matmul(mpos, y.t()) + at::matmul(mneg, (1 - y).t())) / pixels;
        const at::Tensor num = 2 * at::matmul(s, y.t()) + 1;
        const at::Tensor den = s.sum(-1).unsqueeze(1) + y.sum(-1).unsqueeze(0) + 1;
        cost = cost + w.cost_mask * focal + w.cost_dice * (1 - num / den);
    }
    return cost;
}

std::vector<std::int64_t> match_queries(const HipieLayerPrediction& pred,
                                        const std::vector<HipieTarget>& targets,
                                        const HipieLossWeights& weights) {
    if (static_cast<int64_t>(targets.size()) > pred.logits.size(0)) {
        throw Error("HIPIE matcher: " + std::to_string(targets.size()) + " targets but only " +
                    std::to_string(pred.logits.size(0)) + " queries");
    }
    return assign(matching_cost(pred, targets, weights));
}

HipieLossTerms layer_loss(const HipieLayerPrediction& pred, const std::vector<HipieTarget>& targets,
                          const std::vector<std::int64_t>& queries, const HipieLossWeights& w) {
    check_prediction(pred, targets);
    if (queries.size() != targets.size()) {
        throw Error("HIPIE loss: " + std::to_string(queries.size()) + " matched queries for " +
                    std::to_string(targets.size()) + " targets");
    }
    const auto options = pred.logits.options();
    HipieLossTerms out = HipieLossTerms::zeros(options);
    at::Tensor cls_target = at::zeros_like(pred.logits);
    at::Tensor iou_target = at::zeros({pred.logits.size(0)}, options);
    {
        at::NoGradGuard no_grad;
        for (size_t i = 0; i < targets.size(); ++i) {
            cls_target[queries[i]]
                .narrow(0, targets[i].token_begin, targets[i].token_end - targets[i].token_begin)
                .fill_(1.0);
        }
    }
    out.cls = sigmoid_focal_loss(pred.logits, cls_target, w.focal_alpha, w.focal_gamma).sum();
    for (size_t i = 0; i < targets.size(); ++i) {
        const at::Tensor scores =
            pred.logits
                .narrow(1, targets[i].token_begin, targets[i].token_end - targets[i].token_begin)
                .mean(1);
        out.select = out.select - at::log_softmax(scores, 0)[queries[i]];
        for (size_t j = 0; j < targets.size(); ++j) {
            if (j != i) {
                out.select_pair =
                    out.select_pair + at::softplus(scores[queries[j]] - scores[queries[i]]);
            }
        }
        const at::Tensor& rivals = targets[i].rivals;
        if (rivals.defined() && rivals.size(0) > 0) {
            at::Tensor on_rival;  // [Q, R] bool: the query's box is on the rival
            {
                at::NoGradGuard no_grad;
                on_rival = pairwise_box_iou(box_cxcywh_to_xyxy(pred.boxes.detach()),
                                            box_cxcywh_to_xyxy(rivals.to(pred.boxes.options())))
                               .ge(kRivalIou);
                on_rival[queries[i]].fill_(false);  // the answer's own query is never a rival
            }
            // Each rival's score: log-sum-exp over the queries on it; rivals without any left out.
            const at::Tensor present = on_rival.any(0).nonzero().squeeze(1);
            if (present.size(0) > 0) {
                const at::Tensor on = on_rival.index_select(1, present);
                const at::Tensor per_rival =
                    at::logsumexp(scores.unsqueeze(1).expand_as(on).masked_fill(
                                      on.logical_not(), -std::numeric_limits<float>::infinity()),
                                  0);
                const at::Tensor objects = at::cat({scores[queries[i]].unsqueeze(0), per_rival});
                out.select_rival = out.select_rival - at::log_softmax(objects, 0)[0];
            }
        }
    }
    if (!targets.empty()) {
        const at::Tensor index =
            at::tensor(queries, at::TensorOptions().dtype(at::kLong)).to(pred.logits.device());
        const at::Tensor boxes = pred.boxes.index_select(0, index);
        const at::Tensor gt = stack_boxes(targets, options);
        out.l1 = (boxes - gt).abs().sum();
        const at::Tensor giou =
            generalized_box_iou(box_cxcywh_to_xyxy(boxes), box_cxcywh_to_xyxy(gt)).diagonal();
        out.giou = (1 - giou).sum();
        if (pred.masks.defined()) {
            const at::Tensor logits = pred.masks.index_select(0, index).flatten(1);
            const at::Tensor y = stack_masks(targets, options);
            out.mask = sigmoid_focal_loss(logits, y, w.focal_alpha, w.focal_gamma).mean(1).sum();
            out.dice = dice_loss(logits, y).sum();
        }
        if (pred.ious.defined()) {
            at::NoGradGuard no_grad;
            const at::Tensor iou =
                pairwise_box_iou(box_cxcywh_to_xyxy(boxes.detach()), box_cxcywh_to_xyxy(gt))
                    .diagonal();
            iou_target.index_put_({index}, iou);
        }
    }
    if (pred.ious.defined()) {
        out.iou = at::binary_cross_entropy_with_logits(pred.ious.reshape({-1}), iou_target, {}, {},
                                                       at::Reduction::Sum);
    }
    return out;
}

HipieLossTerms hipie_layer_loss(const HipieLayerPrediction& pred,
                                const std::vector<HipieTarget>& targets,
                                const HipieLossWeights& weights) {
    return layer_loss(pred, targets, match_queries(pred, targets, weights), weights);
}

HipieLossTerms proposal_loss(const at::Tensor& logits, const at::Tensor& boxes,
                             const std::vector<HipieTarget>& targets, const HipieLossWeights& w) {
    if (logits.dim() != 1 || boxes.dim() != 2 || boxes.size(0) != logits.size(0) ||
        boxes.size(1) != 4) {
        throw Error("HIPIE proposal loss: expected logits [K] and boxes [K, 4]");
    }
    if (static_cast<int64_t>(targets.size()) > logits.size(0)) {
        throw Error("HIPIE proposal loss: more targets than proposals");
    }
    const auto options = logits.options();
    HipieLossTerms out = HipieLossTerms::zeros(options);
    at::Tensor target = at::zeros_like(logits);
    if (!targets.empty()) {
        const auto f64 = options.dtype(at::kDouble);  // on the logits' device, as matching_cost
        at::Tensor cost;
        {
            at::NoGradGuard no_grad;
            const at::Tensor p = logits.detach().to(at::kDouble).sigmoid();
            auto [pos, neg] = focal_costs(p, w.focal_alpha, w.focal_gamma);
            cost = (w.cost_class * (pos - neg))
                       .unsqueeze(1)
                       .expand({logits.size(0), static_cast<int64_t>(targets.size())}) +
                   box_cost(boxes.detach().to(at::kDouble), stack_boxes(targets, f64), w);
        }
        const std::vector<std::int64_t> queries = assign(cost);
        const at::Tensor index =
            at::tensor(queries, at::TensorOptions().dtype(at::kLong)).to(logits.device());
        {
            at::NoGradGuard no_grad;
            target.index_fill_(0, index, 1.0);
        }
        const at::Tensor matched = boxes.index_select(0, index);
        const at::Tensor gt = stack_boxes(targets, options);
        out.l1 = (matched - gt).abs().sum();
        out.giou =
            (1 -
             generalized_box_iou(box_cxcywh_to_xyxy(matched), box_cxcywh_to_xyxy(gt)).diagonal())
                .sum();
    }
    out.cls = sigmoid_focal_loss(logits, target, w.focal_alpha, w.focal_gamma).sum();
    return out;
}

}  // namespace segllm::train
