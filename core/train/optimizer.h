#pragma once
// The optimisation of the trainer (segllm-reference.md 10): AdamW with per-parameter learning
// rates (no LibTorch optimizer, so its state is plain named tensors that a checkpoint stores),
// global gradient-norm clipping and the cosine schedule with linear warmup.

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace segllm::train {

struct AdamWOptions {
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

class AdamW {
public:
    // `params` (name, tensor) are updated in place; `base_lrs[i]` is the peak learning rate of
    // params[i]. Throws segllm::Error when the sizes differ.
    AdamW(std::vector<std::pair<std::string, at::Tensor>> params, std::vector<double> base_lrs,
          const AdamWOptions& options = {});

    // One update with learning rate base_lr * lr_factor (PyTorch's AdamW: decoupled decay
    // p -= lr * wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    // p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)). Parameters without a
    // gradient are skipped (their moments stay).
    void step(double lr_factor);
    // Number of step() calls so far (restored by load_state).
    std::int64_t steps() const { return steps_; }

    // The moments as named tensors "exp_avg.<param>" and "exp_avg_sq.<param>".
    std::vector<std::pair<std::string, at::Tensor>> state() const;
    // Restores moments (by the names of state()) and the step count. Throws segllm::Error
    // naming a missing tensor or a shape mismatch.
    void load_state(const std::map<std::string, at::Tensor>& tensors, std::int64_t steps);

private:
    std::vector<std::pair<std::string, at::Tensor>> params_;
    std::vector<double> base_lrs_;
    std::vector<at::Tensor> exp_avg_, exp_avg_sq_;
    AdamWOptions options_;
    std::int64_t steps_ = 0;
};

// Scales all gradients by max_norm / (norm + 1e-6) when their global L2 norm exceeds max_norm
// (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

// Learning-rate factor at 0-based `step` of `total`: (step + 1) / warmup for the first
// warmup = max(1, round(warmup_fraction * total)) steps, then 0.5 (1 + cos(pi p)) with
// p = (step - warmup) / max(1, total - warmup) (HF get_cosine_schedule_with_warmup).
double cosine_lr_factor(std::int64_t step, std::int64_t total, double warmup_fraction);

}  // namespace segllm::train
