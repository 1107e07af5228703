// Stopping a model forward between layers: the LLaMA decoder's per-layer hook runs after every
// layer and an exception it throws stops the forward there with the KV cache of every layer
// truncated back (the next forward equals one through a cache that never saw the stopped call,
// and a full forward without a cache); SegllmModel's RunControl reports ("llm" / "clip", done,
// total) per layer and throws model::Cancelled right after the layer at which the flag was set.

#include "core/common/error.h"
#include "core/image/rgb_image.h"
#include "core/model/kv_cache.h"
#include "core/model/llama.h"
#include "core/model/segllm.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace segllm;
using namespace segllm::model;

namespace {

constexpr std::int64_t kLayers = 5;

LlamaConfig small_llama() {
    LlamaConfig c;
    c.vocab_size = 41;
    c.hidden_size = 32;
    c.intermediate_size = 48;
    c.num_hidden_layers = kLayers;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    return c;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

struct Stop {};  // what the test hook throws

LoadOptions cpu_options() {
    LoadOptions o;
    o.device = "cpu";
    o.require_tokenizer = false;
    return o;
}

}  // namespace

class TestForwardCancel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(21); }

    // The hook sees (1, L), (2, L), ... and a throw after layer n stops the forward: exactly n
    // layers ran, every layer's cache is back at its entry length.
    void hook_stops_decoder_after_layer_data() {
        QTest::addColumn<int>("stop_after");
        QTest::newRow("after layer 1") << 1;
        QTest::newRow("after layer 3") << 3;
        QTest::newRow("after the last layer") << static_cast<int>(kLayers);
    }
    void hook_stops_decoder_after_layer() {
        QFETCH(int, stop_after);
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama());
        const at::Tensor prefix = at::randn({1, 6, 32});
        const at::Tensor stopped = at::randn({1, 4, 32});
        const at::Tensor next = at::randn({1, 3, 32});

        KvCache cache(kLayers);
        lm->forward(prefix, &cache);
        std::vector<std::pair<std::int64_t, std::int64_t>> calls;
        const LayerHook hook = [&](std::int64_t done, std::int64_t total) {
            calls.emplace_back(done, total);
            if (done == stop_after) {
                throw Stop{};
            }
        };
        bool thrown = false;
        try {
            lm->forward(stopped, &cache, false, {}, hook);
        } catch (const Stop&) {
            thrown = true;
        }
        QVERIFY(thrown);
        QCOMPARE(static_cast<int>(calls.size()), stop_after);
        for (std::size_t i = 0; i < calls.size(); ++i) {
            QCOMPARE(calls[i].first, static_cast<std::int64_t>(i + 1));
            QCOMPARE(calls[i].second, kLayers);
        }
        QCOMPARE(cache.length(), std::int64_t{6});

        // The next forward is as if the stopped call never happened: against a cache that only
        // saw the prefix (exactly) and against one forward without a cache over prefix + next.
        const at::Tensor resumed = lm->forward(next, &cache).hidden_states;
        QCOMPARE(cache.length(), std::int64_t{9});
        KvCache clean(kLayers);
        lm->forward(prefix, &clean);
        QVERIFY(at::equal(resumed, lm->forward(next, &clean).hidden_states));
        const at::Tensor full = lm->forward(at::cat({prefix, next}, 1)).hidden_states;
        QVERIFY(max_abs_diff(resumed, full.narrow(1, 6, 3)) < 1e-4);
        // and it would differ had the stopped rows stayed in the cache
        const at::Tensor polluted =
            lm->forward(at::cat({prefix, stopped, next}, 1)).hidden_states.narrow(1, 10, 3);
        QVERIFY(max_abs_diff(resumed, polluted) > 1e-3);
    }

    // A hook that does not throw changes nothing.
    void hook_without_throw_is_transparent() {
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama());
        const at::Tensor x = at::randn({1, 5, 32});
        int count = 0;
        const at::Tensor with_hook =
            lm->forward(x, nullptr, false, {}, [&](std::int64_t, std::int64_t) {
                  ++count;
              }).hidden_states;
        QCOMPARE(count, static_cast<int>(kLayers));
        QVERIFY(at::equal(with_hook, lm->forward(x).hidden_states));
    }

    // SegllmModel::forward with a RunControl: the flag set by on_layer after decoder layer n
    // stops the forward right there with model::Cancelled; a flag set before the call stops it
    // before any layer; the cache keeps its length.
    void segllm_forward_cancels_between_layers_data() {
        QTest::addColumn<int>("cancel_after");
        QTest::newRow("before the first layer") << 0;
        QTest::newRow("after layer 1") << 1;
        QTest::newRow("after layer 3") << 3;
    }
    void segllm_forward_cancels_between_layers() {
        QFETCH(int, cancel_after);
        const SegllmConfig config = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(config, 5, nullptr, cpu_options());
        const std::int64_t layers = config.llm.num_hidden_layers;
        QVERIFY(layers > 3);
        KvCache cache = m->make_cache();
        m->forward(m->embed({1, 2, 3, 4}), &cache);

        std::atomic<bool> cancel{cancel_after == 0};
        std::vector<std::int64_t> done_seen;
        RunControl control;
        control.cancel = &cancel;
        control.on_layer = [&](const std::string& stack, std::int64_t done, std::int64_t total) {
            QCOMPARE(QString::fromStdString(stack), QString("llm"));
            QCOMPARE(total, layers);
            done_seen.push_back(done);
            if (done == cancel_after) {
                cancel = true;
            }
        };
        bool cancelled = false;
        try {
            m->forward(m->embed({5, 6, 7}), &cache, false, &control);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QCOMPARE(static_cast<int>(done_seen.size()), cancel_after);
        QCOMPARE(cache.length(), std::int64_t{4});

        // Without the flag the whole forward runs and reports every layer.
        cancel = false;
        done_seen.clear();
        control.on_layer = [&](const std::string&, std::int64_t done, std::int64_t) {
            done_seen.push_back(done);
        };
        const LlamaOutput out = m->forward(m->embed({5, 6, 7}), &cache, false, &control);
        QCOMPARE(out.hidden_states.size(1), std::int64_t{3});
        QCOMPARE(static_cast<std::int64_t>(done_seen.size()), layers);
        QCOMPARE(cache.length(), std::int64_t{7});
    }

    // encode_image: the CLIP encoder layers are reported ("clip", done, layers_to_run) and the
    // flag set after layer n stops the encoding right there.
    void encode_image_cancels_between_clip_layers() {
        const SegllmConfig config = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(config, 5, nullptr, cpu_options());
        const std::int64_t clip_layers = config.vision.layers_to_run();
        QVERIFY(clip_layers >= 2);
        RgbImage image(40, 30);
        for (std::size_t i = 0; i < image.data.size(); ++i) {
            image.data[i] = static_cast<std::uint8_t>((i * 37) % 251);
        }
        std::atomic<bool> cancel{false};
        std::vector<std::int64_t> done_seen;
        RunControl control;
        control.cancel = &cancel;
        control.on_layer = [&](const std::string& stack, std::int64_t done, std::int64_t total) {
            QCOMPARE(QString::fromStdString(stack), QString("clip"));
            QCOMPARE(total, clip_layers);
            done_seen.push_back(done);
            if (done == 1) {
                cancel = true;
            }
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, m->encode_image(image, &control));
        QCOMPARE(done_seen, std::vector<std::int64_t>{1});

        cancel = false;
        done_seen.clear();
        control.on_layer = [&](const std::string&, std::int64_t done, std::int64_t) {
            done_seen.push_back(done);
        };
        const ImageEncoding enc = m->encode_image(image, &control);
        QCOMPARE(static_cast<std::int64_t>(done_seen.size()), clip_layers);
        QVERIFY(at::equal(enc.image_rows, m->encode_image(image).image_rows));
    }
};

QTEST_APPLESS_MAIN(TestForwardCancel)
#include "test_forward_cancel.moc"
