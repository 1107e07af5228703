// The CPU part of mask-encode / box-encode (segllm-reference.md 3.1, 3.2): the box rule,
// the masked crop pasted top-left into a black square, and the box vector.

#include "core/common/error.h"
#include "core/model/mask_encode.h"

#include <QtTest>

using namespace segllm;
using namespace segllm::model;

Q_DECLARE_METATYPE(segllm::model::EncodeBox)

class TestMaskEncode : public QObject {
    Q_OBJECT

private slots:
    void box_rule_data() {
        QTest::addColumn<double>("x0");
        QTest::addColumn<double>("y0");
        QTest::addColumn<double>("x1");
        QTest::addColumn<double>("y1");
        QTest::addColumn<EncodeBox>("expected");
        QTest::newRow("truncated") << 10.9 << 20.2 << 30.99 << 40.5 << EncodeBox{10, 20, 30, 40};
        QTest::newRow("clipped") << -5.0 << -0.5 << 1030.0 << 2000.0 << EncodeBox{0, 0, 1024, 1024};
        QTest::newRow("widened to 2 px")
            << 100.2 << 50.0 << 100.9 << 49.0 << EncodeBox{100, 50, 102, 52};
        QTest::newRow("widened at the edge")
            << 1023.5 << 1024.0 << 1024.0 << 1024.0 << EncodeBox{1023, 1024, 1024, 1024};
    }
    void box_rule() {
        QFETCH(double, x0);
        QFETCH(double, y0);
        QFETCH(double, x1);
        QFETCH(double, y1);
        QFETCH(EncodeBox, expected);
        const EncodeBox got = encode_box_from_prediction(x0, y0, x1, y1, 1024);
        QVERIFY2(
            got == expected,
            qPrintable(QString("%1 %2 %3 %4").arg(got.x0).arg(got.y0).arg(got.x1).arg(got.y1)));
        QVERIFY_THROWS_EXCEPTION(Error, encode_box_from_prediction(0, 0, 1, 1, 0));
    }

    void box_vector_is_top_left_bottom_right() {
        const std::array<float, 4> v = box_encode_vector(EncodeBox{256, 128, 768, 1024}, 1024);
        QCOMPARE(v[0], 0.125f);  // y0
        QCOMPARE(v[1], 0.25f);   // x0
        QCOMPARE(v[2], 1.0f);    // y1
        QCOMPARE(v[3], 0.75f);   // x1
        const std::array<float, 4> t = box_encode_vector(EncodeBox{32, 64, 96, 128}, 128);
        QCOMPARE(t[0], 0.5f);
        QCOMPARE(t[3], 0.75f);
    }

    void crop_masks_and_pastes_top_left() {
        // 8 x 8 frame with pixel (x, y) = (x, y, 7); mask = an L shape inside a 3 wide, 2 high box
        RgbImage frame(8, 8);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) {
                frame.pixel(x, y)[0] = std::uint8_t(x);
                frame.pixel(x, y)[1] = std::uint8_t(y);
                frame.pixel(x, y)[2] = 7;
            }
        }
        Mask mask(8, 8);
        mask.at(2, 5) = 1;
        mask.at(2, 6) = 1;
        mask.at(3, 6) = 1;
        mask.at(4, 6) = 1;
        mask.at(0, 0) = 1;  // outside the box: not in the crop
        const RgbImage crop = mask_encode_crop(frame, mask, EncodeBox{2, 5, 5, 7});
        QCOMPARE(crop.width, 3);  // max(3, 2)
        QCOMPARE(crop.height, 3);
        const auto is = [&](int x, int y, int r, int g, int b) {
            const std::uint8_t* p = crop.pixel(x, y);
            return p[0] == r && p[1] == g && p[2] == b;
        };
        QVERIFY(is(0, 0, 2, 5, 7));
        QVERIFY(is(1, 0, 0, 0, 0));  // (3, 5) not in the mask
        QVERIFY(is(2, 0, 0, 0, 0));
        QVERIFY(is(0, 1, 2, 6, 7));
        QVERIFY(is(1, 1, 3, 6, 7));
        QVERIFY(is(2, 1, 4, 6, 7));
        for (int x = 0; x < 3; ++x) {
            QVERIFY(is(x, 2, 0, 0, 0));  // padding row
        }
    }

    void crop_of_tall_box_and_empty_box() {
        RgbImage frame(4, 4);
        std::fill(frame.data.begin(), frame.data.end(), std::uint8_t{200});
        Mask mask(4, 4);
        std::fill(mask.data.begin(), mask.data.end(), std::uint8_t{1});
        const RgbImage tall = mask_encode_crop(frame, mask, EncodeBox{1, 0, 2, 4});
        QCOMPARE(tall.width, 4);
        QCOMPARE(tall.height, 4);
        QCOMPARE(int(tall.pixel(0, 3)[0]), 200);
        QCOMPARE(int(tall.pixel(1, 3)[0]), 0);
        // a box starting at the frame edge has no area (x0 = x1 = side)
        const RgbImage empty = mask_encode_crop(frame, mask, EncodeBox{4, 4, 4, 4});
        QVERIFY(empty.empty());
    }

    void crop_errors() {
        const RgbImage frame(4, 4);
        QVERIFY_THROWS_EXCEPTION(Error, mask_encode_crop(frame, Mask(4, 3), EncodeBox{0, 0, 2, 2}));
        QVERIFY_THROWS_EXCEPTION(Error, mask_encode_crop(frame, Mask(4, 4), EncodeBox{0, 0, 5, 2}));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 mask_encode_crop(frame, Mask(4, 4), EncodeBox{-1, 0, 2, 2}));
    }
};

QTEST_APPLESS_MAIN(TestMaskEncode)
#include "test_mask_encode.moc"
