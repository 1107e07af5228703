// AdamW against the update written out by hand in float64, the cosine schedule with warmup at
// hand-computed points, gradient-norm clipping, and the optimizer state round trip.

#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/train/optimizer.h"

#include <QtTest>

#include <cmath>
#include <map>

using namespace segllm::train;

class TestOptimizer : public QObject {
    Q_OBJECT

private slots:
    void adamw_by_hand() {
        at::Tensor p = at::tensor({1.0F, -2.0F});
        AdamWOptions o;
        o.weight_decay = 0.1;
        AdamW opt({{"p", p}}, {0.01}, o);
        const double grads[3][2] = {{0.5, -1.0}, {0.25, 2.0}, {-1.0, 0.0}};
        double x[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
        const double factors[3] = {1.0, 0.5, 0.25};
        for (int s = 0; s < 3; ++s) {
            p.mutable_grad() =
                at::tensor({static_cast<float>(grads[s][0]), static_cast<float>(grads[s][1])});
            opt.step(factors[s]);
            const double lr = 0.01 * factors[s];
            for (int i = 0; i < 2; ++i) {
                x[i] *= 1 - lr * 0.1;
                m[i] = 0.9 * m[i] + 0.1 * grads[s][i];
                v[i] = 0.999 * v[i] + 0.001 * grads[s][i] * grads[s][i];
                const double mh = m[i] / (1 - std::pow(0.9, s + 1));
                const double vh = v[i] / (1 - std::pow(0.999, s + 1));
                x[i] -= lr * mh / (std::sqrt(vh) + 1e-8);
            }
        }
        QCOMPARE(opt.steps(), std::int64_t{3});
        QVERIFY(std::abs(p[0].item<double>() - x[0]) < 1e-6);
        QVERIFY(std::abs(p[1].item<double>() - x[1]) < 1e-6);
        // state round trip
        std::map<std::string, at::Tensor> state;
        for (const auto& [name, t] : opt.state()) {
            state[name] = t.clone();
        }
        QVERIFY(std::abs(state.at("exp_avg.p")[0].item<double>() - m[0]) < 1e-6);
        QVERIFY(std::abs(state.at("exp_avg_sq.p")[1].item<double>() - v[1]) < 1e-6);
        at::Tensor q = at::zeros({2});
        AdamW other({{"p", q}}, {0.01}, o);
        other.load_state(state, 3);
        QCOMPARE(other.steps(), std::int64_t{3});
        QVERIFY(at::equal(other.state()[0].second, state.at("exp_avg.p")));
        state.erase("exp_avg_sq.p");
        QVERIFY_THROWS_EXCEPTION(segllm::Error, other.load_state(state, 3));
    }

    void cosine_schedule_by_hand() {
        // 100 steps, 3% warmup = 3 steps: 1/3, 2/3, 1, then 0.5 (1 + cos(pi (s - 3) / 97)).
        QVERIFY(std::abs(cosine_lr_factor(0, 100, 0.03) - 1.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(cosine_lr_factor(2, 100, 0.03) - 1.0) < 1e-12);
        QVERIFY(std::abs(cosine_lr_factor(3, 100, 0.03) - 1.0) < 1e-12);
        const double mid = 0.5 * (1 + std::cos(3.14159265358979323846 * 47.0 / 97.0));
        QVERIFY(std::abs(cosine_lr_factor(50, 100, 0.03) - mid) < 1e-12);
        QVERIFY(std::abs(cosine_lr_factor(100, 100, 0.03)) < 1e-12);
    }

    void clipping_by_hand() {
        at::Tensor a = at::zeros({2}), b = at::zeros({1});
        a.mutable_grad() = at::tensor({3.0F, 0.0F});
        b.mutable_grad() = at::tensor({4.0F});
        QVERIFY(std::abs(clip_grad_norm({a, b}, 10.0) - 5.0) < 1e-6);  // below: unchanged
        QVERIFY(std::abs(a.grad()[0].item<double>() - 3.0) < 1e-6);
        QVERIFY(std::abs(clip_grad_norm({a, b}, 1.0) - 5.0) < 1e-6);
        QVERIFY(std::abs(a.grad()[0].item<double>() - 0.6) < 1e-5);
        QVERIFY(std::abs(b.grad()[0].item<double>() - 0.8) < 1e-5);
    }
};

QTEST_APPLESS_MAIN(TestOptimizer)
#include "test_optimizer.moc"
