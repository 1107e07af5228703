#include "core/model/hipie/hipie_selection.h"

#include "core/common/error.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace segllm::hipie {

namespace {
using Box = std::array<float, 4>;

float box_iou(const Box& a, const Box& b) {
    const float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    const float area_b = (b[2] - b[0]) * (b[3] - b[1]);
    const float iw = std::max(0.0F, std::min(a[2], b[2]) - std::max(a[0], b[0]));
    const float ih = std::max(0.0F, std::min(a[3], b[3]) - std::max(a[1], b[1]));
    const float inter = iw * ih;
    return inter / (area_a + area_b - inter);
}
}  // namespace

HipieSelection select_target(const at::Tensor& logits, const at::Tensor& ious,
                             const at::Tensor& boxes, const HipieSelectionOptions& options) {
    if (logits.dim() != 2 || logits.size(0) == 0 || logits.size(1) < 2 || logits.size(1) % 2 != 0) {
        throw Error("HIPIE selection: expected logits [Q > 0, T even], got a " +
                    std::to_string(logits.dim()) + "-d tensor");
    }
    const int64_t q = logits.size(0), t = logits.size(1);
    const at::Tensor iou = ious.reshape({-1});
    if (iou.size(0) != q || boxes.dim() != 2 || boxes.size(0) != q || boxes.size(1) != 4) {
        throw Error("HIPIE selection: ious must hold " + std::to_string(q) +
                    " values and boxes be [" + std::to_string(q) + ", 4]");
    }
    const at::Tensor lf = logits.to(at::kFloat);
    const at::Tensor s =
        at::stack({lf.narrow(1, 0, t / 2).mean(1), lf.narrow(1, t / 2, t / 2).mean(1)}, 1);
    const at::Tensor prob =
        (s.sigmoid() * iou.to(at::kFloat).sigmoid().unsqueeze(1)).sqrt().contiguous().cpu();
    const at::Tensor b = boxes.to(at::kFloat).contiguous().cpu();
    const float* pp = prob.data_ptr<float>();
    const float* bp = b.data_ptr<float>();

    std::vector<Box> xyxy(static_cast<size_t>(q));
    std::vector<int64_t> label(static_cast<size_t>(q));
    std::vector<float> score(static_cast<size_t>(q));
    for (int64_t i = 0; i < q; ++i) {
        const float* r = bp + 4 * i;
        xyxy[static_cast<size_t>(i)] = {r[0] - 0.5F * r[2], r[1] - 0.5F * r[3], r[0] + 0.5F * r[2],
                                        r[1] + 0.5F * r[3]};
        const float p0 = pp[2 * i], p1 = pp[2 * i + 1];
        label[static_cast<size_t>(i)] = p1 > p0 ? 1 : 0;  // argmax keeps the first on ties
        score[static_cast<size_t>(i)] = std::max(p0, p1);
    }

    // Class-aware NMS in decreasing score order.
    std::vector<int64_t> order(static_cast<size_t>(q));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t c) {
        return score[static_cast<size_t>(a)] > score[static_cast<size_t>(c)];
    });
    HipieSelection out;
    std::vector<bool> suppressed(static_cast<size_t>(q), false);
    for (size_t i = 0; i < order.size(); ++i) {
        const auto a = static_cast<size_t>(order[i]);
        if (suppressed[a]) {
            continue;
        }
        out.kept.push_back(order[i]);
        for (size_t j = i + 1; j < order.size(); ++j) {
            const auto c = static_cast<size_t>(order[j]);
            if (!suppressed[c] && label[c] == label[a] &&
                box_iou(xyxy[a], xyxy[c]) > static_cast<float>(options.nms_iou)) {
                suppressed[c] = true;
            }
        }
    }

    // Top-k over (kept query, class).
    std::vector<HipieCandidate> entries;
    for (int64_t k : out.kept) {
        for (int64_t c = 0; c < 2; ++c) {
            HipieCandidate e;
            e.query = k;
            e.cls = c;
            e.score = pp[2 * k + c];
            const Box& bx = xyxy[static_cast<size_t>(k)];
            for (size_t m = 0; m < 4; ++m) {
                e.box[m] = bx[m] * static_cast<float>(options.side);
            }
            entries.push_back(e);
        }
    }
    std::stable_sort(
        entries.begin(), entries.end(),
        [](const HipieCandidate& a, const HipieCandidate& c) { return a.score > c.score; });
    const auto k = static_cast<size_t>(
        std::min<int64_t>(options.max_detections, static_cast<int64_t>(entries.size())));
    out.ranked.assign(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(k));
    for (size_t i = 0; i < out.ranked.size(); ++i) {
        if (out.ranked[i].cls != options.reference_class) {
            out.chosen = out.ranked[i];
            out.chosen_rank = static_cast<int64_t>(i);
            return out;
        }
    }
    for (const auto& e : entries) {
        if (e.cls != options.reference_class) {
            out.chosen = e;
            return out;
        }
    }
    throw Error("HIPIE selection: no candidate outside the reference class");
}

}  // namespace segllm::hipie
