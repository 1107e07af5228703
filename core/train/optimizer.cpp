#include "core/train/optimizer.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace segllm::train {

AdamW::AdamW(std::vector<std::pair<std::string, at::Tensor>> params, std::vector<double> base_lrs,
             const AdamWOptions& options)
    : params_(std::move(params)), base_lrs_(std::move(base_lrs)), options_(options) {
    if (params_.size() != base_lrs_.size()) {
        throw Error("AdamW: " + std::to_string(params_.size()) + " parameters but " +
                    std::to_string(base_lrs_.size()) + " learning rates");
    }
    for (const auto& p : params_) {
        exp_avg_.push_back(at::zeros_like(p.second).detach());
        exp_avg_sq_.push_back(at::zeros_like(p.second).detach());
    }
}

void AdamW::step(double lr_factor) {
    at::NoGradGuard no_grad;
    ++steps_;
    const double t = static_cast<double>(steps_);
    const double bc1 = 1.0 - std::pow(options_.beta1, t);
    const double bc2 = 1.0 - std::pow(options_.beta2, t);
    for (size_t i = 0; i < params_.size(); ++i) {
        at::Tensor p = params_[i].second;
        const at::Tensor& g = p.grad();
        if (!g.defined()) {
            continue;
        }
        const double lr = base_lrs_[i] * lr_factor;
        if (options_.weight_decay != 0.0) {
            p.mul_(1.0 - lr * options_.weight_decay);
        }
        exp_avg_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
        exp_avg_sq_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
        const at::Tensor denom = (exp_avg_sq_[i] / bc2).sqrt_().add_(options_.eps);
        p.addcdiv_(exp_avg_[i], denom, -lr / bc1);
    }
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::state() const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (size_t i = 0; i < params_.size(); ++i) {
        out.emplace_back("exp_avg." + params_[i].first, exp_avg_[i]);
        out.emplace_back("exp_avg_sq." + params_[i].first, exp_avg_sq_[i]);
    }
    return out;
}

void AdamW::load_state(const std::map<std::string, at::Tensor>& tensors, std::int64_t steps) {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
        for (auto* pair : {&exp_avg_, &exp_avg_sq_}) {
            const std::string name =
                (pair == &exp_avg_ ? "exp_avg." : "exp_avg_sq.") + params_[i].first;
            const auto it = tensors.find(name);
            if (it == tensors.end()) {
                throw Error("optimizer state: missing tensor '" + name + "'");
            }
            at::Tensor& dst = (*pair)[i];
            if (!it->second.sizes().equals(dst.sizes())) {
                std::ostringstream s;
                s << "optimizer state: '" << name << "' has shape " << it->second.sizes()
                  << ", the parameter " << dst.sizes();
                throw Error(s.str());
            }
            dst.copy_(it->second);
        }
    }
    steps_ = steps;
}

double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
    at::NoGradGuard no_grad;
    // The squares are summed per parameter in float64 where the gradients are; one host read.
    std::vector<at::Tensor> sums;
    for (const at::Tensor& p : params) {
        if (p.grad().defined()) {
            sums.push_back(p.grad().to(at::kDouble).pow(2).sum());
        }
    }
    const double total = sums.empty() ? 0.0 : at::stack(sums).sum().item<double>();
    const double norm = std::sqrt(total);
    if (norm > max_norm) {
        const double scale = max_norm / (norm + 1e-6);
        for (const at::Tensor& p : params) {
            if (p.grad().defined()) {
                p.grad().mul_(scale);
            }
        }
    }
    return norm;
}

double cosine_lr_factor(std::int64_t step, std::int64_t total, double warmup_fraction) {
    const auto warmup = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::llround(warmup_fraction * static_cast<double>(total))));
    if (step < warmup) {
        return static_cast<double>(step + 1) / static_cast<double>(warmup);
    }
    const double progress = static_cast<double>(step - warmup) /
                            static_cast<double>(std::max<std::int64_t>(1, total - warmup));
    const double kPi = 3.14159265358979323846;
    return 0.5 * (1.0 + std::cos(kPi * std::min(1.0, progress)));
}

}  // namespace segllm::train
