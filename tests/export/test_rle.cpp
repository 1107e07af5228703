// COCO RLE: column-major runs and the compressed counts string, against hand-computed values.

#include "core/common/error.h"
#include "core/export/rle.h"
#include "tests/export/mask_text.h"

#include <QtTest>

using segllm::Mask;
using segllm::Rle;
using Counts = std::vector<std::uint32_t>;
Q_DECLARE_METATYPE(Counts)
Q_DECLARE_METATYPE(std::string)

class TestRle : public QObject {
    Q_OBJECT

private:
    // Independent reference: flatten column-major into a vector, then count runs.
    static Counts naive_counts(const Mask& m) {
        std::vector<int> flat;
        for (int x = 0; x < m.width; ++x)
            for (int y = 0; y < m.height; ++y)
                flat.push_back(m.at(x, y) ? 1 : 0);
        Counts counts;
        int value = 0;
        std::uint32_t run = 0;
        for (int v : flat) {
            if (v != value) {
                counts.push_back(run);
                run = 0;
                value = v;
            }
            ++run;
        }
        counts.push_back(run);
        return counts;
    }

private slots:
    void encode_known_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<QVector<int>>("set_pixels");  // x, y pairs
        QTest::addColumn<Counts>("expected");
        QTest::newRow("empty 4x3") << 4 << 3 << QVector<int>{} << Counts{12};
        QTest::newRow("full 4x3") << 4 << 3 << QVector<int>{0, 0, 1, 0, 2, 0, 3, 0, 0, 1, 1, 1,
                                                            2, 1, 3, 1, 0, 2, 1, 2, 2, 2, 3, 2}
                                  << Counts{0, 12};
        // One pixel in each corner of a 4x3 mask: column-major index = x * 3 + y.
        QTest::newRow("top-left") << 4 << 3 << QVector<int>{0, 0} << Counts{0, 1, 11};
        QTest::newRow("top-right") << 4 << 3 << QVector<int>{3, 0} << Counts{9, 1, 2};
        QTest::newRow("bottom-left") << 4 << 3 << QVector<int>{0, 2} << Counts{2, 1, 9};
        QTest::newRow("bottom-right") << 4 << 3 << QVector<int>{3, 2} << Counts{11, 1};
        // 1xN (one row): column-major order is left to right.
        QTest::newRow("1x6 row") << 6 << 1 << QVector<int>{1, 0, 2, 0, 5, 0} << Counts{1, 2, 2, 1};
        // Nx1 (one column): top to bottom.
        QTest::newRow("6x1 column") << 1 << 6 << QVector<int>{0, 0, 0, 4} << Counts{0, 1, 3, 1, 1};
    }
    void encode_known() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(QVector<int>, set_pixels);
        QFETCH(Counts, expected);
        Mask m(width, height);
        for (int i = 0; i + 1 < set_pixels.size(); i += 2)
            m.at(set_pixels[i], set_pixels[i + 1]) = 1;
        const Rle rle = segllm::rle_encode(m);
        QCOMPARE(rle.height, height);
        QCOMPARE(rle.width, width);
        QCOMPARE(rle.counts, expected);
        QCOMPARE(segllm::rle_decode(rle), m);
        QCOMPARE(segllm::rle_counts_from_string(segllm::rle_counts_to_string(rle.counts)),
                 expected);
    }

    void ring_with_hole() {
        // Column-major: 00000 01110 01010 01110 00000.
        const Mask ring =
            segllm::test::mask_from_rows({".....", ".###.", ".#.#.", ".###.", "....."});
        const Rle rle = segllm::rle_encode(ring);
        QCOMPARE(rle.counts, (Counts{6, 3, 2, 1, 1, 1, 2, 3, 6}));
        QCOMPARE(segllm::rle_area(rle), std::int64_t{8});
        // By hand: 6,3,2 as is; then differences to two back: 1-3=-2 -> 'N', 1-2=-1 -> 'O',
        // 1-1=0 -> '0', 2-1=1 -> '1', 3-1=2 -> '2', 6-2=4 -> '4'.
        QCOMPARE(segllm::rle_counts_to_string(rle.counts), std::string("632NO0124"));
        QCOMPARE(segllm::rle_decode(rle), ring);
    }

    void counts_string_data() {
        QTest::addColumn<Counts>("counts");
        QTest::addColumn<std::string>("text");
        // 3x3 mask rows 010/011/000 -> column-major 000 110 010 -> runs 3,2,2,1,1; the last
        // two are stored as 1-2 = -1: 5 bits 11111 with the sign bit 0x10 -> chr(48+31) 'O'.
        QTest::newRow("3x3 negative differences") << Counts{3, 2, 2, 1, 1} << std::string("322OO");
        // 40 = 0b01000|1<<5: first group 8 with the continuation bit (8|32 = 40 -> 'X'), then 1.
        QTest::newRow("count above 31") << Counts{40, 10} << std::string("X1:");
        // 16 has bit 0x10 set, so a second (zero) group keeps it positive: '`' (48+48), '0'.
        QTest::newRow("16 needs two characters") << Counts{16, 4} << std::string("`04");
        QTest::newRow("full 2x2") << Counts{0, 4} << std::string("04");
        // Third count 1000 is stored as is (difference only from the fourth on):
        // 1000 = 8 + 31*32 -> groups 8|32 ('X'), 31 has bit 0x10 -> with continuation (63, 'o') and
        // a third group 0.
        QTest::newRow("third count not differenced") << Counts{1, 2, 1000} << std::string("12Xo0");
    }
    void counts_string() {
        QFETCH(Counts, counts);
        QFETCH(std::string, text);
        QCOMPARE(segllm::rle_counts_to_string(counts), text);
        QCOMPARE(segllm::rle_counts_from_string(text), counts);
    }

    void random_round_trip() {
        segllm::test::Lcg rng(12345);
        for (int trial = 0; trial < 200; ++trial) {
            const int w = 1 + rng.below(40);
            const int h = 1 + rng.below(40);
            const int density = rng.below(101);
            Mask m(w, h);
            for (auto& v : m.data)
                v = rng.below(100) < density ? 1 : 0;
            const Rle rle = segllm::rle_encode(m);
            QCOMPARE(rle.counts, naive_counts(m));
            const std::string text = segllm::rle_counts_to_string(rle.counts);
            for (char c : text)
                QVERIFY(c >= 48 && c <= 111);
            QCOMPARE(segllm::rle_counts_from_string(text), rle.counts);
            QCOMPARE(segllm::rle_decode(rle), m);
            QCOMPARE(segllm::rle_area(rle), segllm::mask_area(m));
        }
    }

    void large_counts_round_trip() {
        const Counts counts{0, 5000000, 1, 70000, 123456789, 2, 3};
        QCOMPARE(segllm::rle_counts_from_string(segllm::rle_counts_to_string(counts)), counts);
    }

    void bad_input_is_reported() {
        Rle rle;
        rle.height = 3;
        rle.width = 3;
        rle.counts = {3, 2};  // sums to 5, not 9
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::rle_decode(rle));
        // '~' is outside 48..111; a trailing continuation character ends inside a number.
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::rle_counts_from_string("12~"));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::rle_counts_from_string("1X"));
        // A negative first count ('O' = -1) is invalid.
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::rle_counts_from_string("O"));
        try {
            segllm::rle_counts_from_string("12~");
            QFAIL("no error");
        } catch (const segllm::Error& e) {
            QVERIFY(std::string(e.what()).find("offset 2") != std::string::npos);
        }
    }
};

QTEST_APPLESS_MAIN(TestRle)
#include "test_rle.moc"
