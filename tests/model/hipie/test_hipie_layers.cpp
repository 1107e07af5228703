// HIPIE building blocks against hand computations: the sine position embeddings, AdelaiDet's
// aligned_bilinear on a 2x2 input, FrozenBatchNorm2d against its formula, and the dynamic
// CondInst mask convs against a per-pixel float64 loop.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/common/error.h"
#include "core/model/hipie/hipie_config.h"
#include "core/model/hipie/hipie_layers.h"
#include "core/model/hipie/mask_head.h"
#include "core/model/hipie/resnet_backbone.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm::hipie;

namespace {
constexpr double kPi = 3.14159265358979323846;

bool near(double a, double b, double tol = 5e-6) {
    return std::abs(a - b) <= tol;
}
}  // namespace

class TestSinePositionEmbedding : public QObject {
    Q_OBJECT

private slots:
    void gridValuesByHand() {
        // h = 4, w = 6, 4 features per axis: dim_t = {1, 1, 100, 100}.
        const at::Tensor pos = sine_position_embedding(4, 6, 4).to(at::kDouble);
        QCOMPARE(pos.sizes().vec(), (std::vector<int64_t>{1, 8, 4, 6}));
        auto p = pos.accessor<double, 4>();
        // (0, 0): y = 0.5 / 4 * 2pi = pi/4, x = 0.5 / 6 * 2pi = pi/6.
        QVERIFY(near(p[0][0][0][0], 0.70710678));  // sin(pi/4)
        QVERIFY(near(p[0][1][0][0], 0.70710678));  // cos(pi/4)
        QVERIFY(near(p[0][2][0][0], 0.00785390));  // sin(pi/400)
        QVERIFY(near(p[0][3][0][0], 0.99996916));  // cos(pi/400)
        QVERIFY(near(p[0][4][0][0], 0.5));         // sin(pi/6)
        QVERIFY(near(p[0][5][0][0], 0.86602540));  // cos(pi/6)
        // (i = 2, j = 4): y = 2.5/4 * 2pi = 5pi/4, x = 4.5/6 * 2pi = 3pi/2.
        QVERIFY(near(p[0][0][2][4], -0.70710678));  // sin(5pi/4)
        QVERIFY(near(p[0][1][2][4], -0.70710678));  // cos(5pi/4)
        QVERIFY(near(p[0][4][2][4], -1.0));         // sin(3pi/2)
        QVERIFY(near(p[0][5][2][4], 0.0));          // cos(3pi/2)
        QVERIFY(near(p[0][6][2][4], 0.04710645));   // sin(3pi/200)
        QVERIFY(near(p[0][7][2][4], 0.99888987));   // cos(3pi/200)
        // y features do not depend on the column, x features not on the row.
        QCOMPARE(p[0][0][1][0], p[0][0][1][5]);
        QCOMPARE(p[0][4][0][3], p[0][4][3][3]);
    }

    void boxValuesByHand() {
        // Box (cx, cy, w, h) = (0.25, 0.5, 0.125, 1.0), 4 features per coordinate, order y,x,w,h.
        const at::Tensor box = at::tensor({0.25, 0.5, 0.125, 1.0}, at::kDouble).view({1, 1, 4});
        const at::Tensor e = box_sine_embedding(box, 4).view({16});
        const std::vector<double> want = {
            0.0,        -1.0,       0.03141076, 0.99950656,  // y = pi
            1.0,        0.0,        0.01570732, 0.99987663,  // x = pi/2
            0.70710678, 0.70710678, 0.00785390, 0.99996916,  // w = pi/4
            0.0,        1.0,        0.06279052, 0.99802673,  // h = 2pi
        };
        for (int64_t i = 0; i < 16; ++i) {
            QVERIFY2(near(e[i].item<double>(), want[static_cast<size_t>(i)]),
                     qPrintable(QString("channel %1: %2").arg(i).arg(e[i].item<double>())));
        }
        QCOMPARE(box_sine_embedding(at::rand({2, 3, 4}), 32).sizes().vec(),
                 (std::vector<int64_t>{2, 3, 128}));
    }

    void inverseSigmoidClamps() {
        const at::Tensor x = at::tensor({-0.5, 0.0, 0.25, 1.0, 2.0}, at::kDouble);
        const at::Tensor y = inverse_sigmoid(x);
        QVERIFY(near(y[0].item<double>(), std::log(1e-5)));
        QVERIFY(near(y[1].item<double>(), std::log(1e-5)));
        QVERIFY(near(y[2].item<double>(), std::log(1.0 / 3.0)));
        QVERIFY(near(y[3].item<double>(), -std::log(1e-5)));
        QVERIFY(near(y[4].item<double>(), -std::log(1e-5)));
    }
};

class TestAlignedBilinear : public QObject {
    Q_OBJECT

private slots:
    void twoByTwoByHand() {
        const at::Tensor x = at::tensor({1.0, 2.0, 3.0, 4.0}, at::kDouble).view({1, 1, 2, 2});
        const at::Tensor y = aligned_bilinear(x, 2);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{1, 1, 4, 4}));
        // Replicate-padded [[1,2,2],[3,4,4],[3,4,4]], sampled at half steps, shifted by one.
        const double want[4][4] = {
            {1.0, 1.0, 1.5, 2.0}, {1.0, 1.0, 1.5, 2.0}, {2.0, 2.0, 2.5, 3.0}, {3.0, 3.0, 3.5, 4.0}};
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) {
                QVERIFY2(
                    near(y[0][0][i][j].item<double>(), want[i][j], 1e-12),
                    qPrintable(
                        QString("(%1,%2) = %3").arg(i).arg(j).arg(y[0][0][i][j].item<double>())));
            }
        }
        QCOMPARE(aligned_bilinear(x, 4).sizes().vec(), (std::vector<int64_t>{1, 1, 8, 8}));
        QVERIFY(at::equal(aligned_bilinear(x, 1), x));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, aligned_bilinear(x.view({4}), 2));
    }
};

class TestFrozenBatchNorm : public QObject {
    Q_OBJECT

private slots:
    void matchesFormula() {
        at::manual_seed(3);
        FrozenBatchNorm2d bn(3, 1e-5);
        // Fresh buffers are the identity (running_var = 1 - eps).
        const at::Tensor x = at::randn({2, 3, 4, 5}, at::kDouble);
        bn->to(at::kDouble);
        QVERIFY(at::allclose(bn(x), x, 1e-6, 1e-6));  // buffers were made in float32
        bn->weight.copy_(at::tensor({0.5, -2.0, 1.5}, at::kDouble));
        bn->bias.copy_(at::tensor({0.1, 0.2, -0.3}, at::kDouble));
        bn->running_mean.copy_(at::tensor({1.0, -1.0, 0.25}, at::kDouble));
        bn->running_var.copy_(at::tensor({4.0, 0.5, 9.0}, at::kDouble));
        const at::Tensor y = bn(x);
        auto xa = x.accessor<double, 4>();
        auto ya = y.accessor<double, 4>();
        const double w[3] = {0.5, -2.0, 1.5}, b[3] = {0.1, 0.2, -0.3};
        const double m[3] = {1.0, -1.0, 0.25}, v[3] = {4.0, 0.5, 9.0};
        for (int n = 0; n < 2; ++n) {
            for (int c = 0; c < 3; ++c) {
                for (int i = 0; i < 4; ++i) {
                    for (int j = 0; j < 5; ++j) {
                        const double want =
                            (xa[n][c][i][j] - m[c]) / std::sqrt(v[c] + 1e-5) * w[c] + b[c];
                        QVERIFY(near(ya[n][c][i][j], want, 1e-12));
                    }
                }
            }
        }
        QVERIFY_THROWS_EXCEPTION(segllm::Error, bn(at::randn({1, 4, 2, 2}, at::kDouble)));
    }
};

class TestDynamicMaskHead : public QObject {
    Q_OBJECT

private slots:
    void matchesPixelLoop() {
        at::manual_seed(5);
        const HipieConfig c = HipieConfig::tiny();  // 2 feature channels, 8 dynamic channels
        QCOMPARE(c.controller_out_dim(), int64_t{121});
        const int64_t h = 3, w = 4;
        const at::Tensor f = at::randn({1, 2, h, w}, at::kDouble);
        const at::Tensor params = at::randn({121}, at::kDouble) * 0.5;
        const double cx = 13.0, cy = 7.5;
        const at::Tensor got = dynamic_mask_logits(f, params, cx, cy, c);
        QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{1, 1, h, w}));
        auto pa = params.accessor<double, 1>();
        auto fa = f.accessor<double, 4>();
        // Layout: w0 (8x4) at 0, w1 (8x8) at 32, w2 (1x8) at 96, b0 at 104, b1 at 112, b2 at 120.
        for (int64_t i = 0; i < h; ++i) {
            for (int64_t j = 0; j < w; ++j) {
                const double in[4] = {cx - (8.0 * j + 4.0), cy - (8.0 * i + 4.0), fa[0][0][i][j],
                                      fa[0][1][i][j]};
                double h0[8], h1[8];
                for (int o = 0; o < 8; ++o) {
                    double s = pa[104 + o];
                    for (int k = 0; k < 4; ++k) {
                        s += pa[o * 4 + k] * in[k];
                    }
                    h0[o] = std::max(s, 0.0);
                }
                for (int o = 0; o < 8; ++o) {
                    double s = pa[112 + o];
                    for (int k = 0; k < 8; ++k) {
                        s += pa[32 + o * 8 + k] * h0[k];
                    }
                    h1[o] = std::max(s, 0.0);
                }
                double out = pa[120];
                for (int k = 0; k < 8; ++k) {
                    out += pa[96 + k] * h1[k];
                }
                QVERIFY2(near(got[0][0][i][j].item<double>(), out, 1e-9),
                         qPrintable(QString("(%1,%2)").arg(i).arg(j)));
            }
        }
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 dynamic_mask_logits(f, params.narrow(0, 0, 120), cx, cy, c));
    }
};

int main(int argc, char** argv) {
    int status = 0;
    {
        TestSinePositionEmbedding t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestAlignedBilinear t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestFrozenBatchNorm t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestDynamicMaskHead t;
        status |= QTest::qExec(&t, argc, argv);
    }
    return status;
}

#include "test_hipie_layers.moc"
