// The LLaMA decoder: RMSNorm, rotary attention against a hand-written float64 loop, causal
// masking, grouped-query attention, and output shapes.

#include "core/common/error.h"
#include "core/model/llama.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm;
using namespace segllm::model;

namespace {

LlamaConfig small_llama(std::int64_t heads, std::int64_t kv_heads) {
    LlamaConfig c;
    c.vocab_size = 37;
    c.hidden_size = 16;
    c.intermediate_size = 24;
    c.num_hidden_layers = 2;
    c.num_attention_heads = heads;
    c.num_key_value_heads = kv_heads;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 500.0;
    return c;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// Row-vector times the transpose of a [out, in] weight, all in float64 accessors.
std::vector<double> linear(const at::Tensor& weight, const std::vector<double>& x) {
    const auto w = weight.accessor<double, 2>();
    std::vector<double> y(static_cast<std::size_t>(weight.size(0)), 0.0);
    for (std::int64_t o = 0; o < weight.size(0); ++o) {
        for (std::int64_t i = 0; i < weight.size(1); ++i) {
            y[o] += w[o][i] * x[i];
        }
    }
    return y;
}

}  // namespace

class TestLlama : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(7); }

    void rms_norm_matches_formula() {
        at::NoGradGuard no_grad;
        RmsNorm norm(6, 1e-5);
        norm->weight.copy_(at::randn({6}));
        const at::Tensor x = at::randn({3, 6});
        const at::Tensor y = norm->forward(x);
        const auto xa = x.accessor<float, 2>();
        const auto wa = norm->weight.accessor<float, 1>();
        for (int r = 0; r < 3; ++r) {
            double mean_square = 0.0;
            for (int i = 0; i < 6; ++i) {
                mean_square += double(xa[r][i]) * xa[r][i];
            }
            mean_square /= 6.0;
            for (int i = 0; i < 6; ++i) {
                const double expected = wa[i] * (xa[r][i] / std::sqrt(mean_square + 1e-5));
                QVERIFY(std::abs(y[r][i].item<double>() - expected) < 1e-5);
            }
        }
        // bf16 input: computed in float32, cast back to bf16 before the weight.
        const at::Tensor yb = norm->forward(x.to(at::kBFloat16));
        QVERIFY(max_abs_diff(yb, y) < 0.05);
    }

    void rotary_tables_shapes() {
        const at::Tensor pos = at::arange(4, at::kLong);
        const RotaryTables t = rotary_tables(pos, 8, 10000.0, at::kFloat);
        QCOMPARE(t.cos.sizes().vec(), (std::vector<std::int64_t>{1, 1, 4, 8}));
        const RotaryTables tb =
            rotary_tables(pos.unsqueeze(0).repeat({2, 1}), 8, 10000.0, at::kFloat);
        QCOMPARE(tb.sin.sizes().vec(), (std::vector<std::int64_t>{2, 1, 4, 8}));
        // position 0: cos 1, sin 0; position 1, first frequency 1: cos(1)
        QVERIFY(std::abs(t.cos[0][0][0][0].item<double>() - 1.0) < 1e-7);
        QVERIFY(std::abs(t.sin[0][0][0][3].item<double>()) < 1e-7);
        QVERIFY(std::abs(t.cos[0][0][1][4].item<double>() - std::cos(1.0)) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(
            Error, rotary_tables(at::zeros({1, 2, 3}, at::kLong), 8, 1e4, at::kFloat));
    }

    // The attention of one layer with rotary embeddings and causal masking, computed by hand
    // in float64: per position projections, pairwise rotation (i, i + d/2) by pos * theta^(-2i/d),
    // softmax over earlier positions, output projection.
    void attention_matches_naive_float64_data() {
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kv_heads");
        QTest::addColumn<int>("offset");
        QTest::newRow("mha from 0") << 4 << 4 << 0;
        QTest::newRow("mha at offset 11") << 4 << 4 << 11;
        QTest::newRow("gqa 4/2 at offset 5") << 4 << 2 << 5;
        QTest::newRow("mqa 2/1") << 2 << 1 << 3;
    }
    void attention_matches_naive_float64() {
        QFETCH(int, heads);
        QFETCH(int, kv_heads);
        QFETCH(int, offset);
        at::NoGradGuard no_grad;
        const LlamaConfig c = small_llama(heads, kv_heads);
        LlamaAttention attn(c, 0);
        attn->to(at::kDouble);
        const std::int64_t t_len = 6;
        const std::int64_t h = c.hidden_size;
        const std::int64_t d = c.head_dim();
        const at::Tensor x = at::randn({1, t_len, h}, at::kDouble);
        const at::Tensor positions = at::arange(offset, offset + t_len, at::kLong);
        const at::Tensor out =
            attn->forward(x, rotary_tables(positions, d, c.rope_theta, at::kDouble));

        const auto xa = x.accessor<double, 3>();
        std::vector<std::vector<double>> q(t_len), k(t_len), v(t_len);
        const auto rotate = [&](std::vector<double>& vec, std::int64_t n_heads, double pos) {
            for (std::int64_t hh = 0; hh < n_heads; ++hh) {
                for (std::int64_t i = 0; i < d / 2; ++i) {
                    const double angle = pos * std::pow(c.rope_theta, -2.0 * i / d);
                    double& a = vec[hh * d + i];
                    double& b = vec[hh * d + i + d / 2];
                    const double ra = a * std::cos(angle) - b * std::sin(angle);
                    const double rb = b * std::cos(angle) + a * std::sin(angle);
                    a = ra;
                    b = rb;
                }
            }
        };
        for (std::int64_t t = 0; t < t_len; ++t) {
            std::vector<double> row(h);
            for (std::int64_t i = 0; i < h; ++i) {
                row[i] = xa[0][t][i];
            }
            q[t] = linear(attn->q_proj->weight, row);
            k[t] = linear(attn->k_proj->weight, row);
            v[t] = linear(attn->v_proj->weight, row);
            rotate(q[t], heads, double(offset + t));
            rotate(k[t], kv_heads, double(offset + t));
        }
        const int group = heads / kv_heads;
        for (std::int64_t t = 0; t < t_len; ++t) {
            std::vector<double> context(h, 0.0);
            for (int hh = 0; hh < heads; ++hh) {
                const int kh = hh / group;
                std::vector<double> score(t + 1);
                double top = -1e300;
                for (std::int64_t j = 0; j <= t; ++j) {
                    double dot = 0.0;
                    for (std::int64_t i = 0; i < d; ++i) {
                        dot += q[t][hh * d + i] * k[j][kh * d + i];
                    }
                    score[j] = dot / std::sqrt(double(d));
                    top = std::max(top, score[j]);
                }
                double total = 0.0;
                for (double& s : score) {
                    s = std::exp(s - top);
                    total += s;
                }
                for (std::int64_t j = 0; j <= t; ++j) {
                    for (std::int64_t i = 0; i < d; ++i) {
                        context[hh * d + i] += score[j] / total * v[j][kh * d + i];
                    }
                }
            }
            const std::vector<double> expected = linear(attn->o_proj->weight, context);
            for (std::int64_t i = 0; i < h; ++i) {
                const double got = out[0][t][i].item<double>();
                QVERIFY2(
                    std::abs(got - expected[i]) < 1e-10,
                    qPrintable(
                        QString("t=%1 i=%2: %3 vs %4").arg(t).arg(i).arg(got).arg(expected[i])));
            }
        }
    }

    void later_tokens_do_not_change_earlier_outputs() {
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama(4, 2));
        const at::Tensor x = at::randn({2, 7, 16});
        at::Tensor changed = x.clone();
        changed.narrow(1, 5, 2).copy_(at::randn({2, 2, 16}));
        const LlamaOutput a = lm->forward(x, nullptr, true);
        const LlamaOutput b = lm->forward(changed, nullptr, true);
        QVERIFY(max_abs_diff(a.hidden_states.narrow(1, 0, 5), b.hidden_states.narrow(1, 0, 5)) <
                1e-6);
        QVERIFY(max_abs_diff(a.logits.narrow(1, 0, 5), b.logits.narrow(1, 0, 5)) < 1e-6);
        QVERIFY(max_abs_diff(a.hidden_states.narrow(1, 5, 2), b.hidden_states.narrow(1, 5, 2)) >
                1e-3);
        // and an earlier change does reach later positions
        at::Tensor early = x.clone();
        early.narrow(1, 0, 1).copy_(at::randn({2, 1, 16}));
        const LlamaOutput e = lm->forward(early);
        QVERIFY(max_abs_diff(a.hidden_states.narrow(1, 6, 1), e.hidden_states.narrow(1, 6, 1)) >
                1e-3);
    }

    // GQA with kv_heads < heads equals multi-head attention whose k/v weights repeat each kv
    // head for its group of query heads.
    void grouped_query_equals_repeated_heads() {
        at::NoGradGuard no_grad;
        LlamaAttention gqa(small_llama(4, 2), 0);
        LlamaAttention mha(small_llama(4, 4), 0);
        const std::int64_t d = 4;
        mha->q_proj->weight.copy_(gqa->q_proj->weight);
        mha->o_proj->weight.copy_(gqa->o_proj->weight);
        for (int hh = 0; hh < 4; ++hh) {
            const int kh = hh / 2;
            mha->k_proj->weight.narrow(0, hh * d, d)
                .copy_(gqa->k_proj->weight.narrow(0, kh * d, d));
            mha->v_proj->weight.narrow(0, hh * d, d)
                .copy_(gqa->v_proj->weight.narrow(0, kh * d, d));
        }
        const at::Tensor x = at::randn({2, 5, 16});
        const RotaryTables r = rotary_tables(at::arange(5, at::kLong), d, 500.0, at::kFloat);
        QVERIFY(max_abs_diff(gqa->forward(x, r), mha->forward(x, r)) < 1e-5);
    }

    void output_shapes_and_errors() {
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama(4, 4));
        const LlamaOutput no_logits = lm->forward(at::randn({1, 3, 16}));
        QCOMPARE(no_logits.hidden_states.sizes().vec(), (std::vector<std::int64_t>{1, 3, 16}));
        QVERIFY(!no_logits.logits.defined());
        const LlamaOutput out = lm->forward(at::randn({2, 3, 16}), nullptr, true);
        QCOMPARE(out.logits.sizes().vec(), (std::vector<std::int64_t>{2, 3, 37}));
        // logits = lm_head(post-norm hidden state)
        const at::Tensor expected = at::matmul(out.hidden_states, lm->lm_head->weight.t());
        QVERIFY(max_abs_diff(out.logits, expected) < 1e-5);
        // the hidden state is the post-norm one: unit RMS with the norm weight at ones
        const at::Tensor rms = out.hidden_states.pow(2).mean({-1}).sqrt();
        QVERIFY(max_abs_diff(rms, at::ones_like(rms)) < 1e-3);
        const at::Tensor ids = at::tensor(std::vector<std::int64_t>{1, 5, 36}).unsqueeze(0);
        QCOMPARE(lm->model->embed(ids).sizes().vec(), (std::vector<std::int64_t>{1, 3, 16}));
        QVERIFY_THROWS_EXCEPTION(Error, lm->forward(at::randn({1, 3, 15})));
        QVERIFY_THROWS_EXCEPTION(Error, lm->forward(at::randn({3, 16})));
        KvCache wrong(3);
        QVERIFY_THROWS_EXCEPTION(Error, lm->forward(at::randn({1, 3, 16}), &wrong));
        QVERIFY(!lm->model->has_vision());
    }
};

QTEST_APPLESS_MAIN(TestLlama)
#include "test_llama.moc"
