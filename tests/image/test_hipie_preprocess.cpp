// HIPIE preprocessing: ResizeLongestSide with PIL bilinear, zero padding before normalisation.

#include "core/common/error.h"
#include "core/image/preprocess.h"

#include <QtTest/QtTest>

namespace {

// (v - mean) / std on the 0..255 scale, RGB order, in double.
double hipie_value(int v, int c) {
    const double mean[3] = {123.675, 116.28, 103.53};
    const double stdv[3] = {58.395, 57.12, 57.375};
    return (v - mean[c]) / stdv[c];
}

bool close(float a, double b) {
    return std::abs(double(a) - b) < 1e-5;
}

}  // namespace

class TestHipiePreprocess : public QObject {
    Q_OBJECT

private slots:
    void downscale_and_pad();
    void upscale_and_pad_right();
    void resize_pad_keeps_uint8();
    void full_size_padding();
    void wrong_frame_throws();
};

void TestHipiePreprocess::downscale_and_pad() {
    // 4x2 image, side 2: scale = 2 / 4 = .5, resized (int(4*.5+.5), int(2*.5+.5)) = 2x1.
    // R rows {0, 100, 200, 250}: bilinear 4 -> 2 gives 71, 207 (test_resample); the vertical
    // 2 -> 1 step averages the two identical rows. G rows 0 and 101: (0 + 101) / 2 = 50.5 -> 51.
    // B constant 255. Row 1 is padding: (0 - mean) / std.
    segllm::RgbImage img(4, 2);
    const int r[4] = {0, 100, 200, 250};
    for (int y = 0; y < 2; ++y) {
        for (int x = 0; x < 4; ++x) {
            std::uint8_t* p = img.pixel(x, y);
            p[0] = static_cast<std::uint8_t>(r[x]);
            p[1] = static_cast<std::uint8_t>(y == 0 ? 0 : 101);
            p[2] = 255;
        }
    }
    const segllm::FloatImage out = segllm::hipie_preprocess(img, 2);
    QCOMPARE(out.channels, 3);
    QCOMPARE(out.height, 2);
    QCOMPARE(out.width, 2);
    // (71 - 123.675) / 58.395 = -0.902046, (207 - 123.675) / 58.395 = 1.426920,
    // (51 - 116.28) / 57.12 = -1.142857, (255 - 103.53) / 57.375 = 2.64.
    QVERIFY(close(out.at(0, 0, 0), -0.9020464));
    QVERIFY(close(out.at(0, 0, 1), 1.4269201));
    QVERIFY(close(out.at(1, 0, 0), -1.1428571));
    QVERIFY(close(out.at(1, 0, 1), -1.1428571));
    QVERIFY(close(out.at(2, 0, 0), 2.64));
    // Padding: -123.675 / 58.395 = -2.117904, -116.28 / 57.12 = -2.035714,
    // -103.53 / 57.375 = -1.804444.
    for (int x = 0; x < 2; ++x) {
        QVERIFY(close(out.at(0, 1, x), -2.1179039));
        QVERIFY(close(out.at(1, 1, x), -2.0357143));
        QVERIFY(close(out.at(2, 1, x), -1.8044444));
    }
}

void TestHipiePreprocess::upscale_and_pad_right() {
    // 1x2 image (w 1, h 2), side 4: scale 2, resized 2x4. Vertical bilinear 2 -> 4 of {0, 202}:
    // 0, 50.5 -> 51, 151.5 -> 152, 202 (test_resample); the horizontal 1 -> 2 copies.
    // Columns 2 and 3 are padding.
    segllm::RgbImage img(1, 2);
    img.pixel(0, 1)[0] = 202;
    img.pixel(0, 0)[1] = 30;
    img.pixel(0, 1)[1] = 30;
    const segllm::FloatImage out = segllm::hipie_preprocess(img, 4);
    const int r[4] = {0, 51, 152, 202};
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 2; ++x) {
            QVERIFY(close(out.at(0, y, x), hipie_value(r[y], 0)));
            QVERIFY(close(out.at(1, y, x), hipie_value(30, 1)));
            QVERIFY(close(out.at(2, y, x), hipie_value(0, 2)));
        }
        for (int x = 2; x < 4; ++x) {
            for (int c = 0; c < 3; ++c) {
                QVERIFY(close(out.at(c, y, x), hipie_value(0, c)));
            }
        }
    }
}

void TestHipiePreprocess::resize_pad_keeps_uint8() {
    segllm::RgbImage img(1, 2);
    img.pixel(0, 0)[0] = 9;
    img.pixel(0, 1)[0] = 9;
    const segllm::ModelFrame frame = segllm::make_model_frame(1, 2, 4);
    const segllm::RgbImage padded = segllm::hipie_resize_pad(img, frame);
    QCOMPARE(padded.width, 4);
    QCOMPARE(padded.height, 4);
    for (int y = 0; y < 4; ++y) {
        QCOMPARE(int(padded.pixel(0, y)[0]), 9);
        QCOMPARE(int(padded.pixel(1, y)[0]), 9);
        QCOMPARE(int(padded.pixel(2, y)[0]), 0);
        QCOMPARE(int(padded.pixel(3, y)[0]), 0);
    }
}

void TestHipiePreprocess::full_size_padding() {
    // 640x480 -> 1024x768 content, rows 768..1023 padding.
    segllm::RgbImage img(640, 480);
    for (auto& v : img.data) {
        v = 200;
    }
    const segllm::FloatImage out = segllm::hipie_preprocess(img);
    QCOMPARE(out.height, 1024);
    QCOMPARE(out.width, 1024);
    QVERIFY(close(out.at(0, 767, 1023), hipie_value(200, 0)));
    QVERIFY(close(out.at(2, 768, 0), hipie_value(0, 2)));
    QVERIFY(close(out.at(1, 1023, 1023), hipie_value(0, 1)));
}

void TestHipiePreprocess::wrong_frame_throws() {
    const segllm::ModelFrame frame = segllm::make_model_frame(10, 10, 16);
    QVERIFY_THROWS_EXCEPTION(segllm::Error,
                             segllm::hipie_resize_pad(segllm::RgbImage(9, 10), frame));
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::hipie_preprocess(segllm::RgbImage()));
}

QTEST_APPLESS_MAIN(TestHipiePreprocess)
#include "test_hipie_preprocess.moc"
