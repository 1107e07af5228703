// Random models built directly in the target dtype (LlmInit::direct, SegllmModel::random with
// bf16): the decoder's large tensors are created as bf16 by the module constructors themselves
// (the default dtype stays float32, so no float32 copy of them is ever made), the small rest is
// converted, the segmentator stays float32; the values follow LibTorch's default distributions
// (checked against the closed-form bounds and moments in float64); the same seed gives the same
// weights; a bf16 forward runs. The float32 CPU path still uses LibTorch's own constructors.

#include "core/common/error.h"
#include "core/model/llama.h"
#include "core/model/segllm.h"
#include "core/model/weight_loading.h"

#include <ATen/ATen.h>
#include <c10/core/DefaultDtype.h>

#include <QtTest>

#include <cmath>
#include <string>

using namespace segllm;
using namespace segllm::model;

namespace {

LoadOptions options(const std::string& dtype) {
    LoadOptions o;
    o.device = "cpu";
    o.dtype = dtype;
    o.require_tokenizer = false;
    return o;
}

bool is_large_decoder_tensor(const std::string& key) {
    if (key == "lm_head.weight" || key == "model.embed_tokens.weight") {
        return true;
    }
    return key.rfind("model.layers.", 0) == 0 && key.find("_proj.weight") != std::string::npos;
}

// Mean and standard deviation in float64, by a plain loop over the values.
std::pair<double, double> moments(const at::Tensor& t) {
    const at::Tensor d = t.to(at::kDouble).contiguous();
    const double* p = d.data_ptr<double>();
    const auto n = static_cast<double>(d.numel());
    double sum = 0;
    for (std::int64_t i = 0; i < d.numel(); ++i) {
        sum += p[i];
    }
    const double mean = sum / n;
    double sq = 0;
    for (std::int64_t i = 0; i < d.numel(); ++i) {
        sq += (p[i] - mean) * (p[i] - mean);
    }
    return {mean, std::sqrt(sq / n)};
}

}  // namespace

class TestSegllmRandom : public QObject {
    Q_OBJECT

private slots:
    void direct_construction_allocates_the_large_tensors_in_bf16() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        QCOMPARE(c10::typeMetaToScalarType(c10::get_default_dtype()), at::kFloat);
        LlmInit init;
        init.dtype = at::kBFloat16;
        init.direct = true;
        LlavaLlamaForCausalLM net(c, init);
        int large = 0;
        for (const auto& [key, t] : module_tensors(*net)) {
            if (is_large_decoder_tensor(key)) {
                QVERIFY2(t.scalar_type() == at::kBFloat16, key.c_str());
                ++large;
            } else {
                // Built by LibTorch under the (float32) default dtype.
                QVERIFY2(t.scalar_type() == at::kFloat, key.c_str());
            }
        }
        QCOMPARE(large, static_cast<int>(2 + 7 * c.llm.num_hidden_layers));
        // The modules' options describe the real shapes (not the construction placeholder).
        const std::int64_t h = c.llm.hidden_size;
        QCOMPARE(net->lm_head->options.in_features(), h);
        QCOMPARE(net->lm_head->options.out_features(), c.llm.vocab_size);
        QCOMPARE(net->model->embed_tokens->options.num_embeddings(), c.llm.vocab_size);
        QCOMPARE(net->model->embed_tokens->options.embedding_dim(), h);
        auto* layer = net->model->layers[0]->as<LlamaDecoderLayerImpl>();
        QVERIFY(layer != nullptr);
        QCOMPARE(layer->mlp->down_proj->options.in_features(), c.llm.intermediate_size);
        QCOMPARE(layer->mlp->down_proj->weight.size(1), c.llm.intermediate_size);
        QCOMPARE(layer->mlp->down_proj->weight.size(0), h);
    }

    void random_bf16_model_has_bf16_llm_and_f32_segmentator() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(c, 7, nullptr, options("bf16"));
        QCOMPARE(m->dtype(), at::kBFloat16);
        QVERIFY(m->device().is_cpu());
        int seg = 0, other = 0;
        for (const auto& [key, t] : module_tensors(m->root())) {
            if (key.rfind("model.segmentator.", 0) == 0) {
                QVERIFY2(t.scalar_type() == at::kFloat, key.c_str());
                ++seg;
            } else {
                QVERIFY2(t.scalar_type() == at::kBFloat16, key.c_str());
                ++other;
            }
            QVERIFY2(t.device().is_cpu(), key.c_str());
        }
        QVERIFY(seg > 0 && other > 0);
        // The default dtype is restored.
        QCOMPARE(c10::typeMetaToScalarType(c10::get_default_dtype()), at::kFloat);
    }

    void random_bf16_values_follow_the_default_distributions() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(c, 3, nullptr, options("bf16"));
        const auto tensors = module_tensors(m->root());
        // Linear: U(-b, b) with b = 1 / sqrt(in): |w| <= b, mean 0, std b / sqrt(3).
        for (const std::string key : {"lm_head.weight", "model.layers.0.mlp.down_proj.weight"}) {
            const at::Tensor w = tensors.at(key);
            const double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1)));
            const auto [mean, std] = moments(w);
            QVERIFY2(w.to(at::kDouble).abs().max().item<double>() <= bound * 1.004, key.c_str());
            QVERIFY2(std::abs(mean) < 0.05 * bound, key.c_str());
            QVERIFY2(std::abs(std / (bound / std::sqrt(3.0)) - 1.0) < 0.05, key.c_str());
        }
        // Embedding: N(0, 1).
        const auto [mean, std] = moments(tensors.at("model.embed_tokens.weight"));
        QVERIFY(std::abs(mean) < 0.05);
        QVERIFY(std::abs(std - 1.0) < 0.05);
        // Norm weights are ones.
        QVERIFY(at::equal(tensors.at("model.norm.weight").to(at::kFloat),
                          at::ones({c.llm.hidden_size})));
    }

    void random_bf16_is_seeded() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto a = module_tensors(SegllmModel::random(c, 4, nullptr, options("bf16"))->root());
        const auto b = module_tensors(SegllmModel::random(c, 4, nullptr, options("bf16"))->root());
        const auto d = module_tensors(SegllmModel::random(c, 9, nullptr, options("bf16"))->root());
        QCOMPARE(a.size(), b.size());
        for (const auto& [key, t] : a) {
            QVERIFY2(at::equal(t, b.at(key)), key.c_str());
        }
        QVERIFY(!at::equal(a.at("lm_head.weight"), d.at("lm_head.weight")));
        QVERIFY(!at::equal(a.at("model.embed_tokens.weight"), d.at("model.embed_tokens.weight")));
    }

    void random_bf16_forward_runs() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(c, 5, nullptr, options("bf16"));
        const at::Tensor rows = m->embed({1, 2, 3, 4});
        QCOMPARE(rows.scalar_type(), at::kBFloat16);
        const LlamaOutput out = m->forward(rows, nullptr, true);
        QCOMPARE(out.logits.scalar_type(), at::kBFloat16);
        QCOMPARE(out.logits.size(1), std::int64_t{4});
        QCOMPARE(out.logits.size(2), c.llm.vocab_size);
        QVERIFY(at::isfinite(out.logits).all().item<bool>());
    }

    void random_f32_cpu_keeps_libtorch_construction() {
        // float32 on the CPU: the weights equal a tree built by LibTorch's constructors after the
        // same seed (the path every float32 test and tool relied on before).
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(c, 6, nullptr, options("f32"));
        at::manual_seed(6);
        LlavaLlamaForCausalLM reference(c);
        const auto got = module_tensors(m->root());
        for (const auto& [key, t] : module_tensors(*reference)) {
            QVERIFY2(at::equal(got.at(key), t), key.c_str());
        }
    }

    void unknown_device_is_refused() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        LoadOptions o = options("bf16");
        o.device = "tpu";
        try {
            SegllmModel::random(c, 1, nullptr, o);
            QFAIL("no error for device 'tpu'");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("'tpu'") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestSegllmRandom)
#include "test_segllm_random.moc"
