#pragma once
// The HIPIE training criterion of SegLLM (segllm-reference.md 4.4 and 10): one-to-one Hungarian
// matching of the foreground queries to the targets of one <seg> (the reference object on
// tokens 0..T/2-1 when the round has one, the target object on tokens T/2..T-1), then
// token-level sigmoid focal loss, L1 and GIoU on normalised boxes, sigmoid focal + dice on the
// stride-4 mask logits of the matched queries, and a binary focal loss on the encoder
// proposals. All terms here are un-normalised sums; the trainer divides them by the number of
// targets in the batch (DETR's num_boxes) and applies the weights.

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace segllm::train {

// Matcher costs and loss weights (reference section 10), focal parameters.
struct HipieLossWeights {
    double cost_class = 2.0;
    double cost_l1 = 5.0;
    double cost_giou = 2.0;
    double cost_mask = 5.0;
    double cost_dice = 5.0;
    double loss_class = 2.0;
    double loss_l1 = 5.0;
    double loss_giou = 2.0;
    double loss_mask = 5.0;
    double loss_dice = 5.0;
    // IoU branch (USE_IOU_BRANCH): binary cross-entropy of the IoU head against the IoU of the
    // query's box with its matched target (0 for unmatched queries). Our choice of weight: the
    // reference does not list it, but the selection rule multiplies by sigmoid(iou).
    double loss_iou = 2.0;
    // Selection term (ours, not in the reference; 0 = off): cross-entropy over the queries of
    // each query's mean logit on the target's tokens, the matched query being the answer. The
    // focal loss scores every (query, token) pair on its own; this term ranks the matched query
    // above the others, which is what the selection rule needs.
    double loss_select = 0.0;
    // Pair term (ours; 0 = off): for a <seg> with two targets (reference and target object),
    // softplus(s_i[q_j] - s_i[q_i]) for each target i and the other target's matched query q_j,
    // s_i being every query's mean logit on target i's tokens. The selection rule picks the best
    // query on the target's tokens, and the query it wrongly picks most often is the one of the
    // instance that [k] names (eval --errors); this term ranks that query below the answer.
    double loss_select_pair = 0.0;
    // Rival term (ours; 0 = off): for a target with rival objects (every other instance of the
    // scene), cross-entropy over the objects rather than the queries. The answer's matched query
    // competes with each rival present among the queries (its score: the log-sum-exp of the
    // mean logits of the queries whose box has IoU >= kRivalIou with the rival's). The select
    // term also pushes down the other queries on the answer itself, near-copies of the matched
    // one; this term only asks which object, which is where the choice fails (eval --errors).
    double loss_select_rival = 0.0;
    double focal_alpha = 0.25;
    double focal_gamma = 2.0;
};

// One object to find: its box, its stride-4 mask and the language tokens that name it.
struct HipieTarget {
    at::Tensor box;                // [4] normalised (cx, cy, w, h)
    at::Tensor mask;               // [h, w] float 0/1 (the frame mask subsampled [2::4])
    std::int64_t token_begin = 0;  // positive tokens [token_begin, token_end)
    std::int64_t token_end = 0;
    at::Tensor rivals;  // [R, 4] (cx, cy, w, h) of the objects it must outscore (or undefined)
};

// Box IoU from which a query counts as being on a rival object.
constexpr double kRivalIou = 0.5;

// One decoder layer's output for the foreground queries of one <seg>.
struct HipieLayerPrediction {
    at::Tensor logits;  // [Q, T] VL_Align logits
    at::Tensor boxes;   // [Q, 4] normalised (cx, cy, w, h)
    at::Tensor masks;   // [Q, h, w] mask logits (undefined: no mask cost or loss)
    at::Tensor ious;    // [Q] raw IoU-head outputs (undefined: no IoU loss)
};

// Un-normalised loss sums (scalar tensors; zero where a part is absent).
struct HipieLossTerms {
    at::Tensor cls, l1, giou, mask, dice, iou, select, select_pair, select_rival;
    // Sum of the terms times their weights.
    at::Tensor weighted(const HipieLossWeights& w) const;
    // Element-wise sum of two sets of terms.
    HipieLossTerms operator+(const HipieLossTerms& other) const;
    // All terms zero (float32).
    static HipieLossTerms zeros(const at::TensorOptions& options);
};

// (cx, cy, w, h) -> (x0, y0, x1, y1), last axis.
at::Tensor box_cxcywh_to_xyxy(const at::Tensor& boxes);
// Pairwise IoU and generalized IoU of xyxy boxes a [N, 4] and b [M, 4] -> [N, M].
at::Tensor pairwise_box_iou(const at::Tensor& a, const at::Tensor& b);
at::Tensor generalized_box_iou(const at::Tensor& a, const at::Tensor& b);

// Element-wise sigmoid focal loss (RetinaNet): alpha_t * (1 - p_t)^gamma * BCE(logit, target),
// alpha_t = alpha for target 1 and 1 - alpha for target 0; same shape as the inputs.
at::Tensor sigmoid_focal_loss(const at::Tensor& logits, const at::Tensor& targets, double alpha,
                              double gamma);
// Dice loss per row: 1 - (2 sum(s t) + 1) / (sum s + sum t + 1), s = sigmoid(logits);
// logits, targets [N, P] -> [N].
at::Tensor dice_loss(const at::Tensor& logits, const at::Tensor& targets);

// The matching cost [Q, N] (float64 on pred's device, no gradient): class (focal positive minus
// negative cost of the query's logits, averaged over the target's tokens), L1 of the cxcywh boxes,
// -GIoU, mask (focal, averaged over pixels) and dice (1 - dice coefficient), weighted by the cost_*
// weights. Mask costs are used only when pred.masks is defined. Throws segllm::Error on shape
// mismatches or a token span outside [0, T).
at::Tensor matching_cost(const HipieLayerPrediction& pred, const std::vector<HipieTarget>& targets,
                         const HipieLossWeights& weights);

// The query matched to each target (minimum total cost, one query per target). Throws
// segllm::Error when there are more targets than queries.
std::vector<std::int64_t> match_queries(const HipieLayerPrediction& pred,
                                        const std::vector<HipieTarget>& targets,
                                        const HipieLossWeights& weights);

// Loss of one layer for a given matching (`queries[i]` answers targets[i]): cls = token focal
// summed over all Q x T logits (target 1 on the matched query's positive tokens); l1 and giou
// (1 - GIoU) summed over the matched pairs; mask = per-pixel focal averaged over pixels, and
// dice, summed over matched pairs; iou = BCE of the IoU head summed over all queries (target:
// IoU of the detached predicted box with its target, 0 unmatched); select = sum over the targets of
// -log softmax over the queries of the mean logit on the target's tokens, at the matched query;
// select_pair = sum over ordered pairs (i, j != i) of targets of softplus(s_i[q_j] - s_i[q_i]),
// s_i = the mean logits on target i's tokens, q = the matched queries; select_rival = sum over
// the targets with rivals, when at least one rival has a query on it, of -log softmax at the
// answer of (s_i[q_i], logsumexp of s_i over the queries on each rival present).
HipieLossTerms layer_loss(const HipieLayerPrediction& pred, const std::vector<HipieTarget>& targets,
                          const std::vector<std::int64_t>& queries,
                          const HipieLossWeights& weights);

// match_queries then layer_loss.
HipieLossTerms hipie_layer_loss(const HipieLayerPrediction& pred,
                                const std::vector<HipieTarget>& targets,
                                const HipieLossWeights& weights);

// Two-stage encoder proposals, class-agnostic: logits [K] of the Still_Classifier and boxes
// [K, 4] (cx, cy, w, h) of the chosen proposals. Matched by a binary class cost + L1 + GIoU;
// cls = binary focal loss summed over the K proposals (target 1 on matched ones); l1 and giou
// on the matched boxes (as DINO supervises its intermediate outputs); no mask, no IoU.
HipieLossTerms proposal_loss(const at::Tensor& logits, const at::Tensor& boxes,
                             const std::vector<HipieTarget>& targets,
                             const HipieLossWeights& weights);

}  // namespace segllm::train
