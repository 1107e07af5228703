// The KV cache: bookkeeping (append, growth, truncate, errors) and incremental decoding with it
// against one full forward of the LLaMA decoder.

#include "core/common/error.h"
#include "core/model/kv_cache.h"
#include "core/model/llama.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <vector>

using namespace segllm;
using namespace segllm::model;

namespace {

LlamaConfig small_llama() {
    LlamaConfig c;
    c.vocab_size = 41;
    c.hidden_size = 32;
    c.intermediate_size = 48;
    c.num_hidden_layers = 3;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    return c;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

}  // namespace

class TestKvCache : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(11); }

    void append_returns_all_positions() {
        KvCache cache(2, 4);
        QCOMPARE(cache.length(), std::int64_t{0});
        QCOMPARE(cache.capacity(), std::int64_t{0});
        const at::Tensor k1 = at::randn({1, 2, 3, 5});
        const at::Tensor v1 = at::randn({1, 2, 3, 5});
        KvCache::View view = cache.append(0, k1, v1);
        QCOMPARE(view.keys.sizes().vec(), (std::vector<std::int64_t>{1, 2, 3, 5}));
        QVERIFY(at::equal(view.keys, k1));
        QVERIFY(at::equal(view.values, v1));
        cache.append(1, k1 * 2, v1 * 2);
        QCOMPARE(cache.length(), std::int64_t{3});
        QCOMPARE(cache.capacity(), std::int64_t{4});
        QCOMPARE(cache.allocations(), std::int64_t{1});

        // 3 + 2 > 4: grows to max(5, 2 * 4) = 8 and keeps the old rows
        const at::Tensor k2 = at::randn({1, 2, 2, 5});
        view = cache.append(0, k2, k2);
        QCOMPARE(cache.capacity(), std::int64_t{8});
        QCOMPARE(cache.allocations(), std::int64_t{2});
        QCOMPARE(view.keys.size(2), std::int64_t{5});
        QVERIFY(at::equal(view.keys.narrow(2, 0, 3), k1));
        QVERIFY(at::equal(view.keys.narrow(2, 3, 2), k2));
        view = cache.append(1, k2, k2);
        QVERIFY(at::equal(view.keys.narrow(2, 0, 3), k1 * 2));
        QCOMPARE(cache.length(), std::int64_t{5});

        // undo the last round, then write other rows in its place
        cache.truncate(3);
        QCOMPARE(cache.length(), std::int64_t{3});
        const at::Tensor k3 = at::randn({1, 2, 1, 5});
        view = cache.append(0, k3, k3);
        QCOMPARE(view.keys.size(2), std::int64_t{4});
        QVERIFY(at::equal(view.keys.narrow(2, 3, 1), k3));
        QVERIFY(at::equal(view.values.narrow(2, 0, 3), v1));
        QCOMPARE(cache.allocations(), std::int64_t{2});

        cache.clear();
        QCOMPARE(cache.length(), std::int64_t{0});
        QCOMPARE(cache.capacity(), std::int64_t{8});
        cache.release();
        QCOMPARE(cache.capacity(), std::int64_t{0});
    }

    void reserve_avoids_growth() {
        KvCache cache(1, 2);
        cache.reserve(100);
        for (int round = 0; round < 10; ++round) {
            cache.append(0, at::randn({1, 1, 7, 4}), at::randn({1, 1, 7, 4}));
        }
        QCOMPARE(cache.length(), std::int64_t{70});
        QCOMPARE(cache.allocations(), std::int64_t{1});
        QCOMPARE(cache.capacity(), std::int64_t{100});
    }

    void geometric_growth() {
        KvCache cache(1, 1);
        for (int round = 0; round < 64; ++round) {
            cache.append(0, at::randn({1, 1, 1, 2}), at::randn({1, 1, 1, 2}));
        }
        // 1, 2, 4, ..., 64: 7 allocations for 64 single-token rounds
        QCOMPARE(cache.allocations(), std::int64_t{7});
        QCOMPARE(cache.capacity(), std::int64_t{64});
    }

    void errors() {
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(0));
        KvCache cache(2);
        const at::Tensor k = at::randn({1, 2, 3, 4});
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(2, k, k));
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(-1, k, k));
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(0, k, at::randn({1, 2, 4, 4})));
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(0, k.select(0, 0), k.select(0, 0)));
        cache.append(0, k, k);
        const at::Tensor other_heads = at::randn({1, 3, 1, 4});
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(0, other_heads, other_heads));
        const at::Tensor other_type = k.to(at::kDouble);
        QVERIFY_THROWS_EXCEPTION(Error, cache.append(0, other_type, other_type));
        cache.append(1, k, k);
        QVERIFY_THROWS_EXCEPTION(Error, cache.truncate(4));
        QVERIFY_THROWS_EXCEPTION(Error, cache.truncate(-1));
    }

    // Rounds run one after the other through the cache give the hidden states and logits of
    // one full forward over the whole sequence.
    void incremental_equals_full_forward_data() {
        QTest::addColumn<int>("initial_capacity");
        QTest::newRow("preallocated") << 256;
        QTest::newRow("growing from 2") << 2;
    }
    void incremental_equals_full_forward() {
        QFETCH(int, initial_capacity);
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama());
        const at::Tensor x = at::randn({1, 12, 32});
        const LlamaOutput full = lm->forward(x, nullptr, true);

        KvCache cache(3, initial_capacity);
        std::vector<at::Tensor> hidden;
        std::vector<at::Tensor> logits;
        std::int64_t start = 0;
        for (const std::int64_t n : {5, 4, 1, 2}) {
            const LlamaOutput part = lm->forward(x.narrow(1, start, n), &cache, true);
            hidden.push_back(part.hidden_states);
            logits.push_back(part.logits);
            start += n;
            QCOMPARE(cache.length(), start);
        }
        QVERIFY(max_abs_diff(at::cat(hidden, 1), full.hidden_states) < 1e-4);
        QVERIFY(max_abs_diff(at::cat(logits, 1), full.logits) < 1e-4);
        if (initial_capacity == 2) {
            QVERIFY(cache.allocations() > 1);
        }

        // Undo the last two rounds (3 positions) and continue with other tokens.
        cache.truncate(9);
        const at::Tensor other = at::randn({1, 4, 32});
        const LlamaOutput resumed = lm->forward(other, &cache, true);
        QCOMPARE(cache.length(), std::int64_t{13});
        const at::Tensor edited = at::cat({x.narrow(1, 0, 9), other}, 1);
        const LlamaOutput edited_full = lm->forward(edited, nullptr, true);
        QVERIFY(max_abs_diff(resumed.hidden_states, edited_full.hidden_states.narrow(1, 9, 4)) <
                1e-4);
        QVERIFY(max_abs_diff(resumed.logits, edited_full.logits.narrow(1, 9, 4)) < 1e-4);
        // and the result really depends on the truncation (the old rows are not attended to)
        QVERIFY(max_abs_diff(resumed.hidden_states,
                             lm->forward(at::cat({x, other}, 1)).hidden_states.narrow(1, 12, 4)) >
                1e-3);
    }

    void failed_forward_leaves_cache_unchanged() {
        at::NoGradGuard no_grad;
        LlavaLlamaForCausalLM lm(small_llama());
        KvCache cache(3);
        lm->forward(at::randn({1, 4, 32}), &cache);
        // positions of the wrong length are refused before any layer runs
        QVERIFY_THROWS_EXCEPTION(
            Error, lm->forward(at::randn({1, 2, 32}), &cache, false, at::arange(3, at::kLong)));
        QCOMPARE(cache.length(), std::int64_t{4});
        // a batch size the cache does not hold fails in layer 0 and leaves every layer at 4
        QVERIFY_THROWS_EXCEPTION(Error, lm->forward(at::randn({2, 2, 32}), &cache));
        QCOMPARE(cache.length(), std::int64_t{4});
        const LlamaOutput next = lm->forward(at::randn({1, 1, 32}), &cache);
        QCOMPARE(next.hidden_states.size(1), std::int64_t{1});
        QCOMPARE(cache.length(), std::int64_t{5});
    }
};

QTEST_APPLESS_MAIN(TestKvCache)
#include "test_kv_cache.moc"
