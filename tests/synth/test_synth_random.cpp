// The world's random source: published splitmix64 / xoshiro256** values, the distributions'
// ranges and moments, and the portable logarithm against std::log.

#include "core/synth/random.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

using segllm::synth::Rng;

class TestSynthRandom : public QObject {
    Q_OBJECT

private slots:
    void splitmix64MatchesPublishedValues() {
        // splitmix64 seeded with 1234567 (published test sequence).
        std::uint64_t state = 1234567;
        const std::uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                                          9817491932198370423ULL, 4593380528125082431ULL,
                                          16408922859458223821ULL};
        for (std::uint64_t e : expected) {
            QCOMPARE(segllm::synth::splitmix64(state), e);
        }
    }

    void xoshiroMatchesHandComputedSteps() {
        // State {1, 2, 3, 4}, the published xoshiro256** sequence. The first two by hand:
        // out1 = rotl(2 * 5, 7) * 9 = 1280 * 9; the update sets s1 = 2 ^ (3 ^ 1) = 0, so out2 = 0.
        Rng rng = Rng::from_state(1, 2, 3, 4);
        QCOMPARE(rng.next(), std::uint64_t{11520});
        QCOMPARE(rng.next(), std::uint64_t{0});
        QCOMPARE(rng.next(), std::uint64_t{1509978240});
        QCOMPARE(rng.next(), std::uint64_t{1215971899390074240ULL});
    }

    void sameSeedSameSequence() {
        Rng a(99);
        Rng b(99);
        Rng c(100);
        int differ = 0;
        for (int i = 0; i < 100; ++i) {
            const std::uint64_t x = a.next();
            QCOMPARE(x, b.next());
            differ += x != c.next();
        }
        QVERIFY(differ > 95);
    }

    void uniformIntIsInclusiveAndFlat() {
        Rng rng(7);
        std::vector<int> counts(7, 0);
        const int n = 70000;
        for (int i = 0; i < n; ++i) {
            const int v = rng.uniform_int(-3, 3);
            QVERIFY(v >= -3 && v <= 3);
            ++counts[static_cast<std::size_t>(v + 3)];
        }
        // Chi-square with 6 degrees of freedom: 22.5 is the 0.999 quantile.
        double chi2 = 0.0;
        for (int c : counts) {
            chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
        }
        QVERIFY2(chi2 < 22.5, qPrintable(QString::number(chi2)));
        QCOMPARE(rng.uniform_int(5, 5), 5);
        QCOMPARE(rng.uniform_int(5, 2), 5);
    }

    void uniformRealInUnitInterval() {
        Rng rng(11);
        double sum = 0.0;
        const int n = 100000;
        for (int i = 0; i < n; ++i) {
            const double u = rng.uniform();
            QVERIFY(u >= 0.0 && u < 1.0);
            sum += u;
        }
        QVERIFY(std::abs(sum / n - 0.5) < 0.005);
        int hits = 0;
        for (int i = 0; i < n; ++i) {
            hits += rng.bernoulli(0.3);
        }
        QVERIFY(std::abs(hits / static_cast<double>(n) - 0.3) < 0.01);
    }

    void normalHasUnitMoments() {
        Rng rng(5);
        const int n = 200000;
        double sum = 0.0;
        double sum2 = 0.0;
        int within_one = 0;
        for (int i = 0; i < n; ++i) {
            const double z = rng.normal();
            sum += z;
            sum2 += z * z;
            within_one += std::abs(z) <= 1.0;
        }
        const double mean = sum / n;
        const double var = sum2 / n - mean * mean;
        QVERIFY2(std::abs(mean) < 0.01, qPrintable(QString::number(mean)));
        QVERIFY2(std::abs(var - 1.0) < 0.02, qPrintable(QString::number(var)));
        // P(|Z| <= 1) = 0.682689...
        QVERIFY(std::abs(within_one / static_cast<double>(n) - 0.682689) < 0.005);
    }

    void portableLogAgreesWithStdLog_data() {
        QTest::addColumn<double>("x");
        for (double x : {1e-300, 1e-20, 0.001, 0.1, 0.5, 0.7071, 0.7072, 0.999999, 1.0, 1.000001,
                         1.5, 2.0, 2.718281828459045, 10.0, 12345.678, 1e20, 1e300}) {
            QTest::newRow(qPrintable(QString::number(x, 'g', 17))) << x;
        }
    }
    void portableLogAgreesWithStdLog() {
        QFETCH(double, x);
        const double want = std::log(x);
        const double got = segllm::synth::portable_log(x);
        QVERIFY2(std::abs(got - want) <= 1e-15 * std::max(1.0, std::abs(want)),
                 qPrintable(QString("%1 vs %2").arg(got, 0, 'g', 17).arg(want, 0, 'g', 17)));
    }

    void portableLogSpecialValues() {
        QCOMPARE(segllm::synth::portable_log(1.0), 0.0);
        QVERIFY(std::isinf(segllm::synth::portable_log(0.0)));
        QVERIFY(segllm::synth::portable_log(0.0) < 0);
        QVERIFY(std::isnan(segllm::synth::portable_log(-1.0)));
    }

    void mixSeedSeparatesStreams() {
        QVERIFY(segllm::synth::mix_seed(1, 0) != segllm::synth::mix_seed(1, 1));
        QVERIFY(segllm::synth::mix_seed(1, 0) != segllm::synth::mix_seed(2, 0));
        QCOMPARE(segllm::synth::mix_seed(3, 4), segllm::synth::mix_seed(3, 4));
    }
};

QTEST_APPLESS_MAIN(TestSynthRandom)
#include "test_synth_random.moc"
