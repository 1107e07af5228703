// Multi-scale deformable attention against a naive float64 loop: per-point bilinear sampling in
// pixel coordinates (loc * W - 0.5, zero outside the map) over several levels of different sizes,
// for the sampling core and for the module with 2-d (encoder) and 4-d (decoder) references.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/model/hipie/ms_deform_attn.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm::hipie;

namespace {

const std::vector<LevelShape> kShapes = {{5, 7}, {3, 4}, {2, 3}};

// Bilinear sample of value[n, start + y*W + x, m, :] at pixel (px, py), zeros outside.
std::vector<double> sample(const at::Tensor& value, int64_t n, int64_t m, int64_t start,
                           const LevelShape& s, double px, double py) {
    const int64_t d = value.size(3);
    auto acc = value.accessor<double, 4>();
    std::vector<double> out(static_cast<size_t>(d), 0.0);
    const double x0 = std::floor(px), y0 = std::floor(py);
    const double fx = px - x0, fy = py - y0;
    const double wts[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    const int64_t xs[4] = {static_cast<int64_t>(x0), static_cast<int64_t>(x0) + 1,
                           static_cast<int64_t>(x0), static_cast<int64_t>(x0) + 1};
    const int64_t ys[4] = {static_cast<int64_t>(y0), static_cast<int64_t>(y0),
                           static_cast<int64_t>(y0) + 1, static_cast<int64_t>(y0) + 1};
    for (int c = 0; c < 4; ++c) {
        if (xs[c] < 0 || xs[c] >= s.w || ys[c] < 0 || ys[c] >= s.h) {
            continue;
        }
        for (int64_t k = 0; k < d; ++k) {
            out[static_cast<size_t>(k)] += wts[c] * acc[n][start + ys[c] * s.w + xs[c]][m][k];
        }
    }
    return out;
}

// Naive attention: value [N,S,M,D], locations [N,Lq,M,L,P,2], weights [N,Lq,M,L,P] (double).
at::Tensor naive_core(const at::Tensor& value, const at::Tensor& loc, const at::Tensor& w) {
    const int64_t n_ = value.size(0), m_ = value.size(2), d_ = value.size(3);
    const int64_t lq = loc.size(1), nl = loc.size(3), np = loc.size(4);
    at::Tensor out = at::zeros({n_, lq, m_ * d_}, at::kDouble);
    auto o = out.accessor<double, 3>();
    auto la = loc.accessor<double, 6>();
    auto wa = w.accessor<double, 5>();
    for (int64_t n = 0; n < n_; ++n) {
        for (int64_t q = 0; q < lq; ++q) {
            for (int64_t m = 0; m < m_; ++m) {
                int64_t start = 0;
                for (int64_t l = 0; l < nl; ++l) {
                    const LevelShape& s = kShapes[static_cast<size_t>(l)];
                    for (int64_t p = 0; p < np; ++p) {
                        const double px = la[n][q][m][l][p][0] * static_cast<double>(s.w) - 0.5;
                        const double py = la[n][q][m][l][p][1] * static_cast<double>(s.h) - 0.5;
                        const auto v = sample(value, n, m, start, s, px, py);
                        for (int64_t k = 0; k < d_; ++k) {
                            o[n][q][m * d_ + k] += wa[n][q][m][l][p] * v[static_cast<size_t>(k)];
                        }
                    }
                    start += s.h * s.w;
                }
            }
        }
    }
    return out;
}

}  // namespace

class TestMsDeformAttn : public QObject {
    Q_OBJECT

private slots:
    void coreMatchesNaiveLoop() {
        at::manual_seed(7);
        const int64_t s = total_tokens(kShapes);
        QCOMPARE(s, int64_t{35 + 12 + 6});
        const at::Tensor value = at::randn({2, s, 2, 3}, at::kDouble);
        // Locations in [-0.2, 1.2]: some samples fall (partly) outside the maps.
        const at::Tensor loc = at::rand({2, 4, 2, 3, 3, 2}, at::kDouble) * 1.4 - 0.2;
        const at::Tensor w = at::rand({2, 4, 2, 3, 3}, at::kDouble);
        const at::Tensor got = ms_deform_attn_core(value, kShapes, loc, w);
        const at::Tensor want = naive_core(value, loc, w);
        QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{2, 4, 6}));
        QVERIFY2(at::allclose(got, want, 1e-12, 1e-12),
                 qPrintable(QString::number((got - want).abs().max().item<double>())));
        // float32 path agrees within float precision.
        const at::Tensor got32 = ms_deform_attn_core(value.to(at::kFloat), kShapes,
                                                     loc.to(at::kFloat), w.to(at::kFloat));
        QVERIFY(at::allclose(got32.to(at::kDouble), want, 1e-5, 1e-5));
    }

    // Inputs that require gradients take the tensor (grid_sampler) formulation, which keeps the
    // autograd graph; plain CPU inputs take the direct loop. Both against the same naive loop.
    void bothFormulationsMatchNaiveLoop_data() {
        QTest::addColumn<bool>("grad");
        QTest::newRow("direct loop") << false;
        QTest::newRow("grid_sampler, autograd") << true;
    }
    void bothFormulationsMatchNaiveLoop() {
        QFETCH(bool, grad);
        at::manual_seed(11);
        const int64_t s = total_tokens(kShapes);
        at::Tensor value = at::randn({1, s, 3, 4}, at::kDouble);
        const at::Tensor loc = at::rand({1, 6, 3, 3, 2, 2}, at::kDouble) * 1.6 - 0.3;
        const at::Tensor w = at::rand({1, 6, 3, 3, 2}, at::kDouble);
        const at::Tensor want = naive_core(value, loc, w);
        if (grad) {
            value.requires_grad_(true);
        }
        const at::Tensor got = ms_deform_attn_core(value, kShapes, loc, w);
        QCOMPARE(got.requires_grad(), grad);
        QVERIFY2(at::allclose(got.detach(), want, 1e-12, 1e-12),
                 qPrintable(QString::number((got.detach() - want).abs().max().item<double>())));
        if (grad) {
            got.sum().backward();
            QVERIFY(value.grad().defined());
            QVERIFY(value.grad().abs().sum().item<double>() > 0.0);
        }
    }

    void sampleOutsideIsZero() {
        const at::Tensor value = at::ones({1, total_tokens(kShapes), 1, 1}, at::kDouble);
        at::Tensor loc = at::full({1, 1, 1, 3, 1, 2}, 1.5, at::kDouble);  // far right/bottom
        const at::Tensor w = at::ones({1, 1, 1, 3, 1}, at::kDouble);
        QCOMPARE(ms_deform_attn_core(value, kShapes, loc, w).item<double>(), 0.0);
        // Exactly at a pixel centre of level 0 (x = 0.5/7, y = 0.5/5): the value itself.
        loc = at::zeros({1, 1, 1, 3, 1, 2}, at::kDouble);
        loc.index_put_({0, 0, 0, 0, 0, 0}, 0.5 / 7.0);
        loc.index_put_({0, 0, 0, 0, 0, 1}, 0.5 / 5.0);
        at::Tensor w0 = at::zeros({1, 1, 1, 3, 1}, at::kDouble);
        w0.select(3, 0).fill_(1.0);
        QVERIFY(std::abs(ms_deform_attn_core(value, kShapes, loc, w0).item<double>() - 1.0) <
                1e-12);
    }

    void moduleMatchesNaive_data() {
        QTest::addColumn<int>("refDim");
        QTest::newRow("encoder 2-d points") << 2;
        QTest::newRow("decoder 4-d boxes") << 4;
    }

    void moduleMatchesNaive() {
        QFETCH(int, refDim);
        at::manual_seed(11 + refDim);
        const int64_t d = 8, heads = 2, levels = 3, points = 2, lq = 5;
        MSDeformAttn attn(d, levels, heads, points);
        attn->to(at::kDouble);
        {
            at::NoGradGuard no_grad;
            for (auto& p : attn->parameters()) {
                p.uniform_(-0.6, 0.6);
            }
        }
        const int64_t s = total_tokens(kShapes);
        const at::Tensor query = at::randn({1, lq, d}, at::kDouble);
        const at::Tensor input = at::randn({1, s, d}, at::kDouble);
        at::Tensor ref = at::rand({1, lq, levels, refDim}, at::kDouble);
        if (refDim == 4) {
            ref = ref * 0.5 + 0.1;
        }
        at::NoGradGuard no_grad;
        const at::Tensor got = attn(query, ref, input, kShapes);

        // Independent formulation of the locations and weights.
        const at::Tensor off = at::linear(query, attn->sampling_offsets->weight,
                                          attn->sampling_offsets->bias);  // [1, lq, M*L*P*2]
        const at::Tensor logit = at::linear(query, attn->attention_weights->weight,
                                            attn->attention_weights->bias);  // [1, lq, M*L*P]
        at::Tensor loc = at::zeros({1, lq, heads, levels, points, 2}, at::kDouble);
        at::Tensor w = at::zeros({1, lq, heads, levels, points}, at::kDouble);
        auto oa = off.accessor<double, 3>();
        auto ga = logit.accessor<double, 3>();
        auto ra = ref.accessor<double, 4>();
        auto la = loc.accessor<double, 6>();
        auto wa = w.accessor<double, 5>();
        for (int64_t q = 0; q < lq; ++q) {
            for (int64_t m = 0; m < heads; ++m) {
                double denom = 0.0;
                for (int64_t k = 0; k < levels * points; ++k) {
                    denom += std::exp(ga[0][q][m * levels * points + k]);
                }
                for (int64_t l = 0; l < levels; ++l) {
                    const LevelShape& sh = kShapes[static_cast<size_t>(l)];
                    for (int64_t p = 0; p < points; ++p) {
                        const int64_t idx = ((m * levels + l) * points + p);
                        wa[0][q][m][l][p] = std::exp(ga[0][q][idx]) / denom;
                        const double ox = oa[0][q][idx * 2], oy = oa[0][q][idx * 2 + 1];
                        if (refDim == 2) {
                            la[0][q][m][l][p][0] = ra[0][q][l][0] + ox / static_cast<double>(sh.w);
                            la[0][q][m][l][p][1] = ra[0][q][l][1] + oy / static_cast<double>(sh.h);
                        } else {
                            la[0][q][m][l][p][0] =
                                ra[0][q][l][0] + ox / points * ra[0][q][l][2] * 0.5;
                            la[0][q][m][l][p][1] =
                                ra[0][q][l][1] + oy / points * ra[0][q][l][3] * 0.5;
                        }
                    }
                }
            }
        }
        const at::Tensor value = at::linear(input, attn->value_proj->weight, attn->value_proj->bias)
                                     .view({1, s, heads, d / heads});
        const at::Tensor want = at::linear(naive_core(value, loc, w), attn->output_proj->weight,
                                           attn->output_proj->bias);
        QVERIFY2(at::allclose(got, want, 1e-10, 1e-10),
                 qPrintable(QString::number((got - want).abs().max().item<double>())));
    }

    void rejectsBadShapes() {
        MSDeformAttn attn(8, 3, 2, 2);
        const at::Tensor query = at::randn({1, 4, 8});
        const at::Tensor input = at::randn({1, total_tokens(kShapes) + 1, 8});
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 attn(query, at::rand({1, 4, 3, 2}), input, kShapes));
        const at::Tensor good = at::randn({1, total_tokens(kShapes), 8});
        QVERIFY_THROWS_EXCEPTION(segllm::Error, attn(query, at::rand({1, 4, 3, 3}), good, kShapes));
    }
};

QTEST_APPLESS_MAIN(TestMsDeformAttn)
#include "test_ms_deform_attn.moc"
