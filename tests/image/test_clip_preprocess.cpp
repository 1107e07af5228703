// CLIP image processor: shortest-side resize size, centre-crop offsets, normalised values.

#include "core/common/error.h"
#include "core/image/preprocess.h"

#include <QtTest/QtTest>

namespace {

// (v / 255 - mean) / std, the processor's formula, in double.
double clip_value(int v, int c) {
    const double mean[3] = {0.48145466, 0.4578275, 0.40821073};
    const double stdv[3] = {0.26862954, 0.26130258, 0.27577711};
    return (v / 255.0 - mean[c]) / stdv[c];
}

}  // namespace

class TestClipPreprocess : public QObject {
    Q_OBJECT

private slots:
    void resized_size_data();
    void resized_size();
    void crop_without_resize();
    void crop_offset_rounds_down();
    void resize_then_crop();
    void output_shape();
    void empty_image_throws();
};

void TestClipPreprocess::resized_size_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("nw");
    QTest::addColumn<int>("nh");
    // new long = int(size * long / short), truncated.
    QTest::newRow("3x2 to 3") << 3 << 2 << 3 << 4 << 3;             // int(4.5) = 4
    QTest::newRow("2x3 to 3") << 2 << 3 << 3 << 3 << 4;             // portrait
    QTest::newRow("640x480") << 640 << 480 << 224 << 298 << 224;    // 298.67 -> 298
    QTest::newRow("1000x333") << 1000 << 333 << 224 << 672 << 224;  // 672.67 -> 672
    QTest::newRow("333x1000") << 333 << 1000 << 224 << 224 << 672;
    QTest::newRow("square") << 500 << 500 << 224 << 224 << 224;
    QTest::newRow("already 224") << 224 << 300 << 224 << 224 << 300;
}

void TestClipPreprocess::resized_size() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, size);
    QFETCH(int, nw);
    QFETCH(int, nh);
    const auto [rw, rh] = segllm::clip_resized_size(w, h, size);
    QCOMPARE(rw, nw);
    QCOMPARE(rh, nh);
}

void TestClipPreprocess::crop_without_resize() {
    // 2x5 image, size 2: short side already 2, long side int(2 * 5 / 2) = 5, no resize.
    // Crop top = (5 - 2) // 2 = 1, so output rows are input rows 1 and 2.
    segllm::RgbImage img(2, 5);
    for (int y = 0; y < 5; ++y) {
        for (int x = 0; x < 2; ++x) {
            std::uint8_t* p = img.pixel(x, y);
            p[0] = static_cast<std::uint8_t>(40 * y + x);
            p[1] = static_cast<std::uint8_t>(255 - 40 * y);
            p[2] = static_cast<std::uint8_t>(7 * x);
        }
    }
    const segllm::FloatImage out = segllm::clip_preprocess(img, 2);
    QCOMPARE(out.channels, 3);
    QCOMPARE(out.height, 2);
    QCOMPARE(out.width, 2);
    for (int y = 0; y < 2; ++y) {
        for (int x = 0; x < 2; ++x) {
            const std::uint8_t* p = img.pixel(x, y + 1);
            for (int c = 0; c < 3; ++c) {
                QVERIFY(std::abs(out.at(c, y, x) - clip_value(p[c], c)) < 1e-6);
            }
        }
    }
    // Literal check: R of output (0, 0) is input value 40 -> (40/255 - .48145466) / .26862954.
    QVERIFY(std::abs(out.at(0, 0, 0) - (-1.20831)) < 1e-4);
}

void TestClipPreprocess::crop_offset_rounds_down() {
    // 4x1, size 1: short side 1, long int(1 * 4 / 1) = 4, no resize; left = (4 - 1) // 2 = 1
    // (rounding 1.5 to 2 would pick the third pixel).
    segllm::RgbImage img(4, 1);
    for (int x = 0; x < 4; ++x) {
        img.pixel(x, 0)[0] = static_cast<std::uint8_t>(10 + 50 * x);
    }
    const segllm::FloatImage out = segllm::clip_preprocess(img, 1);
    QVERIFY(std::abs(out.at(0, 0, 0) - clip_value(60, 0)) < 1e-6);
}

void TestClipPreprocess::resize_then_crop() {
    // 4x2, size 1: resized to 2x1 with PIL bicubic, crop left = (2 - 1) // 2 = 0.
    // R rows {0, 100, 200, 250}: horizontal 4 -> 2 bicubic gives 61 (see test_resample), the
    // vertical 2 -> 1 step averages two identical rows (taps f(-.25), f(.25)) -> 61.
    // G constant 50 -> 50. B rows 0 and 101 -> (0 + 101) / 2 = 50.5 -> 51.
    segllm::RgbImage img(4, 2);
    const int r[4] = {0, 100, 200, 250};
    for (int y = 0; y < 2; ++y) {
        for (int x = 0; x < 4; ++x) {
            std::uint8_t* p = img.pixel(x, y);
            p[0] = static_cast<std::uint8_t>(r[x]);
            p[1] = 50;
            p[2] = static_cast<std::uint8_t>(y == 0 ? 0 : 101);
        }
    }
    const segllm::FloatImage out = segllm::clip_preprocess(img, 1);
    QCOMPARE(out.width, 1);
    QCOMPARE(out.height, 1);
    // (61/255 - .48145466) / .26862954 = -0.901759; (50/255 - .4578275) / .26130258 = -1.001709;
    // (51/255 - .40821073) / .27577711 = -0.754996.
    QVERIFY(std::abs(out.at(0, 0, 0) - (-0.9017585)) < 1e-5);
    QVERIFY(std::abs(out.at(1, 0, 0) - (-1.0017087)) < 1e-5);
    QVERIFY(std::abs(out.at(2, 0, 0) - (-0.7549964)) < 1e-5);
}

void TestClipPreprocess::output_shape() {
    segllm::RgbImage img(300, 200);
    for (std::size_t i = 0; i < img.data.size(); ++i) {
        img.data[i] = static_cast<std::uint8_t>(i * 7);
    }
    const segllm::FloatImage out = segllm::clip_preprocess(img);
    QCOMPARE(out.channels, 3);
    QCOMPARE(out.height, 224);
    QCOMPARE(out.width, 224);
    QCOMPARE(out.data.size(), std::size_t(3 * 224 * 224));
    for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 224; ++y) {
            for (int x = 0; x < 224; ++x) {
                const float v = out.at(c, y, x);
                QVERIFY(v >= clip_value(0, c) - 1e-5 && v <= clip_value(255, c) + 1e-5);
            }
        }
    }
}

void TestClipPreprocess::empty_image_throws() {
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::clip_preprocess(segllm::RgbImage()));
}

QTEST_APPLESS_MAIN(TestClipPreprocess)
#include "test_clip_preprocess.moc"
