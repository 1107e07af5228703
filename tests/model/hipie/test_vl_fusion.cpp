// Attention blocks of the HIPIE transformer against naive float64 loops: the early
// vision-language fusion (BiAttentionBlockForCheckpoint, segllm-reference.md 4.2 step 3) and
// the decoder's nn.MultiheadAttention-style self-attention (in_proj_weight [3d, d]).

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/model/hipie/deformable_transformer.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace segllm::hipie;

namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix to_matrix(const at::Tensor& t) {  // [1, n, k] or [n, k] double
    const at::Tensor m = t.dim() == 3 ? t[0] : t;
    Matrix out(static_cast<size_t>(m.size(0)), std::vector<double>(static_cast<size_t>(m.size(1))));
    auto a = m.accessor<double, 2>();
    for (int64_t i = 0; i < m.size(0); ++i) {
        for (int64_t j = 0; j < m.size(1); ++j) {
            out[static_cast<size_t>(i)][static_cast<size_t>(j)] = a[i][j];
        }
    }
    return out;
}

// y = x W^T + b with W [out, in].
Matrix linear(const Matrix& x, const at::Tensor& weight, const at::Tensor& bias) {
    const Matrix w = to_matrix(weight);
    auto b = bias.accessor<double, 1>();
    Matrix y(x.size(), std::vector<double>(w.size(), 0.0));
    for (size_t i = 0; i < x.size(); ++i) {
        for (size_t o = 0; o < w.size(); ++o) {
            double s = b[static_cast<int64_t>(o)];
            for (size_t k = 0; k < x[i].size(); ++k) {
                s += w[o][k] * x[i][k];
            }
            y[i][o] = s;
        }
    }
    return y;
}

Matrix layer_norm(const Matrix& x, const at::Tensor& weight, const at::Tensor& bias) {
    auto w = weight.accessor<double, 1>();
    auto b = bias.accessor<double, 1>();
    Matrix y = x;
    for (size_t i = 0; i < x.size(); ++i) {
        double mean = 0.0, var = 0.0;
        for (double v : x[i])
            mean += v;
        mean /= static_cast<double>(x[i].size());
        for (double v : x[i])
            var += (v - mean) * (v - mean);
        var /= static_cast<double>(x[i].size());
        for (size_t k = 0; k < x[i].size(); ++k) {
            y[i][k] = (x[i][k] - mean) / std::sqrt(var + 1e-5) * w[static_cast<int64_t>(k)] +
                      b[static_cast<int64_t>(k)];
        }
    }
    return y;
}

// Softmax-weighted sum over rows of `values` (columns [c0, c0 + n)) with logits `a`.
std::vector<double> attend(const std::vector<double>& a, const Matrix& values, size_t c0,
                           size_t n) {
    const double mx = *std::max_element(a.begin(), a.end());
    double z = 0.0;
    for (double v : a)
        z += std::exp(v - mx);
    std::vector<double> out(n, 0.0);
    for (size_t r = 0; r < a.size(); ++r) {
        const double p = std::exp(a[r] - mx) / z;
        for (size_t k = 0; k < n; ++k)
            out[k] += p * values[r][c0 + k];
    }
    return out;
}

void randomize(torch::nn::Module& m) {
    at::NoGradGuard no_grad;
    for (auto& p : m.parameters()) {
        p.uniform_(-0.7, 0.7);
    }
}

QString max_diff(const at::Tensor& a, const Matrix& b) {
    double d = 0.0;
    const Matrix am = to_matrix(a);
    for (size_t i = 0; i < b.size(); ++i)
        for (size_t k = 0; k < b[i].size(); ++k)
            d = std::max(d, std::abs(am[i][k] - b[i][k]));
    return QString::number(d);
}

bool close(const at::Tensor& a, const Matrix& b) {
    const Matrix am = to_matrix(a);
    for (size_t i = 0; i < b.size(); ++i)
        for (size_t k = 0; k < b[i].size(); ++k)
            if (std::abs(am[i][k] - b[i][k]) > 1e-9)
                return false;
    return true;
}

}  // namespace

class TestVlFusion : public QObject {
    Q_OBJECT

private slots:
    void biAttentionMatchesLoops() {
        at::manual_seed(21);
        const int64_t dv = 8, dl = 6, e = 8, heads = 2, s = 5, t = 3, hd = e / heads;
        BiAttentionBlock block(dv, dl, e, heads, 1.0 / 6.0);
        block->to(at::kDouble);
        randomize(*block);
        const at::Tensor v = at::randn({1, s, dv}, at::kDouble);
        const at::Tensor l = at::randn({1, t, dl}, at::kDouble);
        at::NoGradGuard no_grad;
        const auto [got_v, got_l] = block(v, l);

        const auto& a = block->attn;
        const Matrix vn =
            layer_norm(to_matrix(v), block->layer_norm_v->weight, block->layer_norm_v->bias);
        const Matrix ln =
            layer_norm(to_matrix(l), block->layer_norm_l->weight, block->layer_norm_l->bias);
        const Matrix q = linear(vn, a->v_proj->weight, a->v_proj->bias);
        const Matrix k = linear(ln, a->l_proj->weight, a->l_proj->bias);
        const Matrix val_v = linear(vn, a->values_v_proj->weight, a->values_v_proj->bias);
        const Matrix val_l = linear(ln, a->values_l_proj->weight, a->values_l_proj->bias);
        const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
        Matrix out_v(static_cast<size_t>(s), std::vector<double>(static_cast<size_t>(e)));
        Matrix out_l(static_cast<size_t>(t), std::vector<double>(static_cast<size_t>(e)));
        for (int64_t h = 0; h < heads; ++h) {
            const auto c0 = static_cast<size_t>(h * hd);
            // logits A[i][j] = (scale q_i) . k_j over this head's channels
            Matrix att(static_cast<size_t>(s), std::vector<double>(static_cast<size_t>(t)));
            for (size_t i = 0; i < att.size(); ++i)
                for (size_t j = 0; j < att[i].size(); ++j) {
                    double dot = 0.0;
                    for (size_t c = 0; c < static_cast<size_t>(hd); ++c)
                        dot += scale * q[i][c0 + c] * k[j][c0 + c];
                    att[i][j] = std::clamp(dot, -50000.0, 50000.0);
                }
            for (size_t i = 0; i < att.size(); ++i) {  // visual rows attend over language tokens
                const auto o = attend(att[i], val_l, c0, static_cast<size_t>(hd));
                std::copy(o.begin(), o.end(), out_v[i].begin() + static_cast<std::ptrdiff_t>(c0));
            }
            for (size_t j = 0; j < static_cast<size_t>(t);
                 ++j) {  // language rows over visual tokens
                std::vector<double> col(static_cast<size_t>(s));
                for (size_t i = 0; i < col.size(); ++i)
                    col[i] = att[i][j];
                const auto o = attend(col, val_v, c0, static_cast<size_t>(hd));
                std::copy(o.begin(), o.end(), out_l[j].begin() + static_cast<std::ptrdiff_t>(c0));
            }
        }
        const Matrix dv_ = linear(out_v, a->out_v_proj->weight, a->out_v_proj->bias);
        const Matrix dl_ = linear(out_l, a->out_l_proj->weight, a->out_l_proj->bias);
        Matrix want_v = vn, want_l = ln;
        auto gv = block->gamma_v.accessor<double, 1>();
        auto gl = block->gamma_l.accessor<double, 1>();
        for (size_t i = 0; i < want_v.size(); ++i)
            for (size_t c = 0; c < want_v[i].size(); ++c)
                want_v[i][c] += gv[static_cast<int64_t>(c)] * dv_[i][c];
        for (size_t j = 0; j < want_l.size(); ++j)
            for (size_t c = 0; c < want_l[j].size(); ++c)
                want_l[j][c] += gl[static_cast<int64_t>(c)] * dl_[j][c];
        QVERIFY2(close(got_v, want_v), qPrintable(max_diff(got_v, want_v)));
        QVERIFY2(close(got_l, want_l), qPrintable(max_diff(got_l, want_l)));
    }

    void gammaInitAndShapes() {
        BiAttentionBlock block(256, 768, 2048, 8, 1.0 / 6.0);
        QCOMPARE(block->gamma_v.sizes().vec(), (std::vector<int64_t>{256}));
        QVERIFY(std::abs(block->gamma_l[100].item<double>() - 1.0 / 6.0) < 1e-7);
        QCOMPARE(block->attn->values_l_proj->weight.sizes().vec(),
                 (std::vector<int64_t>{2048, 768}));
    }
};

class TestMultiheadSelfAttention : public QObject {
    Q_OBJECT

private slots:
    void matchesLoops() {
        at::manual_seed(22);
        const int64_t d = 6, heads = 3, len = 4, hd = d / heads;
        MultiheadSelfAttention mha(d, heads);
        mha->to(at::kDouble);
        randomize(*mha);
        const at::Tensor x = at::randn({1, len, d}, at::kDouble);
        const at::Tensor pos = at::randn({1, len, d}, at::kDouble);
        at::NoGradGuard no_grad;
        const at::Tensor got = mha(x + pos, x + pos, x);

        const at::Tensor w = mha->in_proj_weight, b = mha->in_proj_bias;
        const Matrix qk_in = to_matrix(x + pos);
        const Matrix q = linear(qk_in, w.narrow(0, 0, d), b.narrow(0, 0, d));
        const Matrix k = linear(qk_in, w.narrow(0, d, d), b.narrow(0, d, d));
        const Matrix v = linear(to_matrix(x), w.narrow(0, 2 * d, d), b.narrow(0, 2 * d, d));
        Matrix out(static_cast<size_t>(len), std::vector<double>(static_cast<size_t>(d)));
        for (int64_t h = 0; h < heads; ++h) {
            const auto c0 = static_cast<size_t>(h * hd);
            for (size_t i = 0; i < out.size(); ++i) {
                std::vector<double> a(static_cast<size_t>(len));
                for (size_t j = 0; j < a.size(); ++j) {
                    double dot = 0.0;
                    for (size_t c = 0; c < static_cast<size_t>(hd); ++c)
                        dot += q[i][c0 + c] * k[j][c0 + c];
                    a[j] = dot / std::sqrt(static_cast<double>(hd));
                }
                const auto o = attend(a, v, c0, static_cast<size_t>(hd));
                std::copy(o.begin(), o.end(), out[i].begin() + static_cast<std::ptrdiff_t>(c0));
            }
        }
        const Matrix want = linear(out, mha->out_proj->weight, mha->out_proj->bias);
        QVERIFY2(close(got, want), qPrintable(max_diff(got, want)));
    }
};

int main(int argc, char** argv) {
    int status = 0;
    {
        TestVlFusion t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestMultiheadSelfAttention t;
        status |= QTest::qExec(&t, argc, argv);
    }
    return status;
}

#include "test_vl_fusion.moc"
