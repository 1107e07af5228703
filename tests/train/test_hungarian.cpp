// The Hungarian assignment against brute force over all assignments of small random matrices
// (square, wide and tall), a hand-solved 3x3 example, and the input checks.

#include "core/common/error.h"
#include "core/train/hungarian.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <vector>

using segllm::train::hungarian_assignment;

namespace {

// Minimal total cost over every injective map of the smaller side into the larger one.
double brute_force(const std::vector<double>& cost, int rows, int cols) {
    const int small = std::min(rows, cols), large = std::max(rows, cols);
    std::vector<int> perm(static_cast<size_t>(large));
    std::iota(perm.begin(), perm.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
        double total = 0.0;
        for (int i = 0; i < small; ++i) {
            const int r = rows <= cols ? i : perm[static_cast<size_t>(i)];
            const int c = rows <= cols ? perm[static_cast<size_t>(i)] : i;
            total += cost[static_cast<size_t>(r) * cols + c];
        }
        best = std::min(best, total);
    } while (std::next_permutation(perm.begin(), perm.end()));
    return best;
}

}  // namespace

class TestHungarian : public QObject {
    Q_OBJECT

private slots:
    void hand_example() {
        // The six assignments by hand: (1,0,2) = 1+2+3 = 6, (2,1,0) = 3+0+3 = 6,
        // (0,1,2) = 4+0+3 = 7, (0,2,1) = 4+5+2 = 11, (1,2,0) = 1+5+3 = 9, (2,0,1) = 3+2+2 = 7.
        const std::vector<double> cost = {4, 1, 3, 2, 0, 5, 3, 2, 3};
        const std::vector<int> a = hungarian_assignment(cost, 3, 3);
        double total = 0;
        for (int r = 0; r < 3; ++r) {
            total += cost[static_cast<size_t>(r) * 3 + a[static_cast<size_t>(r)]];
        }
        QCOMPARE(total, 6.0);
    }

    void random_against_brute_force_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        for (int r = 1; r <= 6; ++r) {
            for (int c = 1; c <= 6; ++c) {
                QTest::addRow("%dx%d", r, c) << r << c;
            }
        }
    }
    void random_against_brute_force() {
        QFETCH(int, rows);
        QFETCH(int, cols);
        std::mt19937 gen(static_cast<unsigned>(rows * 31 + cols));
        std::uniform_real_distribution<double> uni(-3.0, 10.0);
        std::uniform_int_distribution<int> small(0, 3);
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<double> cost(static_cast<size_t>(rows) * cols);
            for (double& v : cost) {
                // Half of the trials use small integers: many ties.
                v = trial % 2 == 0 ? uni(gen) : static_cast<double>(small(gen));
            }
            const std::vector<int> a = hungarian_assignment(cost, rows, cols);
            QCOMPARE(static_cast<int>(a.size()), rows);
            std::set<int> used;
            double total = 0.0;
            int assigned = 0;
            for (int r = 0; r < rows; ++r) {
                const int c = a[static_cast<size_t>(r)];
                if (c < 0) {
                    continue;
                }
                QVERIFY(c < cols);
                QVERIFY(used.insert(c).second);
                total += cost[static_cast<size_t>(r) * cols + c];
                ++assigned;
            }
            QCOMPARE(assigned, std::min(rows, cols));
            QVERIFY(std::abs(total - brute_force(cost, rows, cols)) < 1e-9);
        }
    }

    void rejects_bad_input() {
        QVERIFY_THROWS_EXCEPTION(segllm::Error, hungarian_assignment({1.0, 2.0}, 2, 2));
        QVERIFY_THROWS_EXCEPTION(
            segllm::Error,
            hungarian_assignment({1.0, std::numeric_limits<double>::infinity()}, 1, 2));
        QVERIFY(hungarian_assignment({}, 0, 3).empty());
        QCOMPARE(hungarian_assignment({}, 2, 0), (std::vector<int>{-1, -1}));
    }
};

QTEST_APPLESS_MAIN(TestHungarian)
#include "test_hungarian.moc"
