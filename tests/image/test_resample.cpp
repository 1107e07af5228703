// PIL-compatible resampling: hand-computed values from the filter formulas, and a slow float64
// formulation (every input pixel, weights straight from the formula) on random images.

#include "core/common/error.h"
#include "core/image/resample.h"

#include <QtTest/QtTest>

#include <cmath>
#include <random>
#include <vector>

using segllm::Mask;
using segllm::ResampleFilter;
using segllm::RgbImage;

Q_DECLARE_METATYPE(ResampleFilter)

namespace {

using Bytes = std::vector<std::uint8_t>;

// Slow reference: one pass along a line, weights from the filter formula over all input pixels,
// normalised, summed in double, rounded half up and clipped to 0..255.
double ref_filter(ResampleFilter f, double x) {
    x = std::abs(x);
    if (f == ResampleFilter::Bilinear) {
        return x < 1 ? 1 - x : 0;
    }
    const double a = -0.5;
    if (x < 1) {
        return (a + 2) * x * x * x - (a + 3) * x * x + 1;
    }
    if (x < 2) {
        return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
    }
    return 0;
}

std::vector<double> ref_weights(ResampleFilter f, int in, int out, int o) {
    const double scale = double(in) / out;
    const double fs = scale > 1 ? scale : 1;
    const double center = (o + 0.5) * scale;
    std::vector<double> w(static_cast<std::size_t>(in));
    double sum = 0;
    for (int i = 0; i < in; ++i) {
        w[static_cast<std::size_t>(i)] = ref_filter(f, (i + 0.5 - center) / fs);
        sum += w[static_cast<std::size_t>(i)];
    }
    for (double& v : w) {
        v /= sum;
    }
    return w;
}

std::uint8_t round_clip(double v) {
    const double r = std::floor(v + 0.5);
    return static_cast<std::uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

// A double sum this close to a rounding tie may legitimately round the other way in PIL's 22-bit
// fixed point.
bool near_tie(double v) {
    return std::abs(v - std::floor(v) - 0.5) < 1e-4;
}

// Resized values plus, per value, whether it may differ by one from PIL because a tie was met on
// its way (in this pass, or in a first-pass value it depends on).
struct RefResult {
    Bytes values;
    std::vector<bool> uncertain;
};

RefResult ref_resize(const Bytes& src, int w, int h, int ch, int nw, int nh, ResampleFilter f) {
    RefResult tmp{src, std::vector<bool>(src.size(), false)};
    int cw = w;
    if (nw != w) {
        tmp.values.assign(static_cast<std::size_t>(nw) * h * ch, 0);
        tmp.uncertain.assign(tmp.values.size(), false);
        for (int x = 0; x < nw; ++x) {
            const auto wt = ref_weights(f, w, nw, x);
            for (int y = 0; y < h; ++y) {
                for (int c = 0; c < ch; ++c) {
                    double s = 0;
                    for (int i = 0; i < w; ++i) {
                        s += wt[static_cast<std::size_t>(i)] * src[(y * w + i) * ch + c];
                    }
                    tmp.values[(y * nw + x) * ch + c] = round_clip(s);
                    tmp.uncertain[(y * nw + x) * ch + c] = near_tie(s);
                }
            }
        }
        cw = nw;
    }
    if (nh == h) {
        return tmp;
    }
    RefResult out{Bytes(static_cast<std::size_t>(cw) * nh * ch, 0),
                  std::vector<bool>(static_cast<std::size_t>(cw) * nh * ch, false)};
    for (int y = 0; y < nh; ++y) {
        const auto wt = ref_weights(f, h, nh, y);
        for (int x = 0; x < cw; ++x) {
            for (int c = 0; c < ch; ++c) {
                double s = 0;
                bool unsure = false;
                for (int i = 0; i < h; ++i) {
                    const std::size_t k = (i * cw + x) * ch + c;
                    s += wt[static_cast<std::size_t>(i)] * tmp.values[k];
                    unsure = unsure || (tmp.uncertain[k] && wt[static_cast<std::size_t>(i)] != 0);
                }
                out.values[(y * cw + x) * ch + c] = round_clip(s);
                out.uncertain[(y * cw + x) * ch + c] = unsure || near_tie(s);
            }
        }
    }
    return out;
}

}  // namespace

class TestResample : public QObject {
    Q_OBJECT

private slots:
    void one_dimensional_data();
    void one_dimensional();
    void intermediate_image_is_8bit();
    void channels_are_independent();
    void matches_slow_formulation_data();
    void matches_slow_formulation();
    void same_size_is_a_copy();
    void binary_mask_stays_binary();
    void invalid_arguments_throw();
};

void TestResample::one_dimensional_data() {
    QTest::addColumn<ResampleFilter>("filter");
    QTest::addColumn<QVector<int>>("input");
    QTest::addColumn<QVector<int>>("expected");

    // Bilinear 4 -> 2 (downscale, scale 2: support 1 * 2 = 2, weights tri((i + 0.5 - c) / 2)).
    // out0: center 1, window [int(-0.5), int(3.5)) = [0, 3): weights .75 .75 .25 -> 3/7 3/7 1/7:
    //       (3*0 + 3*100 + 1*200) / 7 = 71.43 -> 71 (plain bilinear would give 50).
    // out1: center 3, window [1, 4): .25 .75 .75 -> (100 + 3*200 + 3*250) / 7 = 207.14 -> 207.
    QTest::newRow("bilinear down 4->2")
        << ResampleFilter::Bilinear << QVector<int>{0, 100, 200, 250} << QVector<int>{71, 207};
    // Bilinear 2 -> 4 (upscale, scale 0.5, support 1). Centers .25 .75 1.25 1.75:
    // out0: window [0, 1) -> 0; out1: .75*0 + .25*202 = 50.5 -> 51 (half rounds up);
    // out2: .25*0 + .75*202 = 151.5 -> 152; out3: window [1, 2) -> 202.
    QTest::newRow("bilinear up 2->4")
        << ResampleFilter::Bilinear << QVector<int>{0, 202} << QVector<int>{0, 51, 152, 202};
    // Bicubic (a = -0.5): f(.25) = 111/128, f(.75) = 29/128, f(1.25) = -9/128.
    // 2 -> 4: out0 window [0, 2): taps f(.25), f(1.25) = 111, -9 -> -9/102 * 202 < 0 -> 0;
    // out1: f(-.25), f(.75) = 111, 29 -> 29/140 * 202 = 41.84 -> 42;
    // out2: 29, 111 -> 111/140 * 202 = 160.16 -> 160; out3: -9, 111 -> 111/102 * 202 = 219.8 ->
    // 220.
    QTest::newRow("bicubic up 2->4")
        << ResampleFilter::Bicubic << QVector<int>{0, 202} << QVector<int>{0, 42, 160, 220};
    // 4 -> 2 (support 2 * 2 = 4, taps f((i + .5 - c) / 2)):
    // out0: center 1, taps 111 111 29 -9 (sum 242): (100*111 + 200*29 - 250*9) / 242 = 60.54 -> 61
    // out1: center 3, taps -9 29 111 111: (100*29 + 200*111 + 250*111) / 242 = 218.39 -> 218.
    QTest::newRow("bicubic down 4->2")
        << ResampleFilter::Bicubic << QVector<int>{0, 100, 200, 250} << QVector<int>{61, 218};
    // Bicubic overshoot is clipped at 255: 2 -> 4 of {255, 0}: out0 = 111/102 * 255 = 277 -> 255,
    // out1 = 111/140 * 255 = 202.18 -> 202, out2 = 29/140 * 255 = 52.8 -> 53, out3 = -> 0.
    QTest::newRow("bicubic clip high")
        << ResampleFilter::Bicubic << QVector<int>{255, 0} << QVector<int>{255, 202, 53, 0};
}

void TestResample::one_dimensional() {
    QFETCH(ResampleFilter, filter);
    QFETCH(QVector<int>, input);
    QFETCH(QVector<int>, expected);
    const int n = static_cast<int>(input.size());
    const int m = static_cast<int>(expected.size());
    Bytes line(input.begin(), input.end());

    // Horizontally (n x 1 -> m x 1) and vertically (1 x n -> 1 x m): same values.
    const Bytes h = segllm::resize_pil_u8(line, n, 1, 1, m, 1, filter);
    const Bytes v = segllm::resize_pil_u8(line, 1, n, 1, 1, m, filter);
    QCOMPARE(QVector<int>(h.begin(), h.end()), expected);
    QCOMPARE(QVector<int>(v.begin(), v.end()), expected);
}

void TestResample::intermediate_image_is_8bit() {
    // 2x2 -> 4x4 bilinear, rows {0, 202} and {202, 0}. Horizontal pass (see above):
    // row0 -> 0 51 152 202, row1 -> 202 152 51 0 (stored as 8-bit).
    // Vertical pass of column 1 {51, 152}: .75*51 + .25*152 = 76.25 -> 76,
    // .25*51 + .75*152 = 126.75 -> 127. Without the 8-bit intermediate (50.5, 151.5) the second
    // would be 126.25 -> 126.
    RgbImage img(2, 2);
    const int r[4] = {0, 202, 202, 0};
    for (int i = 0; i < 4; ++i) {
        img.data[static_cast<std::size_t>(i) * 3] = static_cast<std::uint8_t>(r[i]);
    }
    const RgbImage out = segllm::resize_pil(img, 4, 4, ResampleFilter::Bilinear);
    QCOMPARE(out.width, 4);
    QCOMPARE(out.height, 4);
    const int expected[4][4] = {
        {0, 51, 152, 202}, {51, 76, 127, 152}, {152, 127, 76, 51}, {202, 152, 51, 0}};
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            QCOMPARE(int(out.pixel(x, y)[0]), expected[y][x]);
        }
    }
}

void TestResample::channels_are_independent() {
    // R carries the 4 -> 2 bilinear line from above, G and B are constant and must stay so.
    RgbImage img(4, 1);
    const int r[4] = {0, 100, 200, 250};
    for (int x = 0; x < 4; ++x) {
        img.pixel(x, 0)[0] = static_cast<std::uint8_t>(r[x]);
        img.pixel(x, 0)[1] = 10;
        img.pixel(x, 0)[2] = 255;
    }
    const RgbImage out = segllm::resize_pil(img, 2, 1, ResampleFilter::Bilinear);
    QCOMPARE(int(out.pixel(0, 0)[0]), 71);
    QCOMPARE(int(out.pixel(1, 0)[0]), 207);
    for (int x = 0; x < 2; ++x) {
        QCOMPARE(int(out.pixel(x, 0)[1]), 10);
        QCOMPARE(int(out.pixel(x, 0)[2]), 255);
    }
}

void TestResample::matches_slow_formulation_data() {
    QTest::addColumn<ResampleFilter>("filter");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("nw");
    QTest::addColumn<int>("nh");
    QTest::addColumn<int>("channels");
    for (ResampleFilter f : {ResampleFilter::Bilinear, ResampleFilter::Bicubic}) {
        const char* name = f == ResampleFilter::Bilinear ? "bilinear" : "bicubic";
        QTest::addRow("%s 37x23->10x17", name) << f << 37 << 23 << 10 << 17 << 3;
        QTest::addRow("%s 7x5->20x3", name) << f << 7 << 5 << 20 << 3 << 3;
        QTest::addRow("%s 64x48->24x24", name) << f << 64 << 48 << 24 << 24 << 3;
        QTest::addRow("%s 5x9->5x31", name) << f << 5 << 9 << 5 << 31 << 3;
        QTest::addRow("%s 100x3->33x3", name) << f << 100 << 3 << 33 << 3 << 3;
        // One channel (masks, "L") and four, both passes, large enlargements (a 128 px decoder
        // frame back to a 1024x768 image) and reductions.
        QTest::addRow("%s L 128x96->1024x768", name) << f << 128 << 96 << 1024 << 768 << 1;
        QTest::addRow("%s L 33x17->7x40", name) << f << 33 << 17 << 7 << 40 << 1;
        QTest::addRow("%s RGBA 9x13->50x6", name) << f << 9 << 13 << 50 << 6 << 4;
        QTest::addRow("%s RGB 1024x768->85x64", name) << f << 1024 << 768 << 85 << 64 << 3;
    }
}

void TestResample::matches_slow_formulation() {
    QFETCH(ResampleFilter, filter);
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, nw);
    QFETCH(int, nh);
    QFETCH(int, channels);
    std::mt19937 rng(1234u + static_cast<unsigned>(w * 31 + nh));
    std::uniform_int_distribution<int> dist(0, 255);
    Bytes src(static_cast<std::size_t>(w) * h * channels);
    for (auto& v : src) {
        v = static_cast<std::uint8_t>(dist(rng));
    }
    const Bytes got = segllm::resize_pil_u8(src, w, h, channels, nw, nh, filter);
    const RefResult want = ref_resize(src, w, h, channels, nw, nh, filter);
    QCOMPARE(got.size(), want.values.size());
    // Exact, except next to a rounding tie where 22-bit fixed point and double may round apart.
    std::size_t ties = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const int d = std::abs(int(got[i]) - int(want.values[i]));
        const int allowed = want.uncertain[i] ? 1 : 0;
        ties += want.uncertain[i];
        QVERIFY2(d <= allowed,
                 qPrintable(QString("value %1: %2 vs %3").arg(i).arg(got[i]).arg(want.values[i])));
    }
    // Ties must stay a minority, or this comparison would prove little.
    QVERIFY2(ties * 4 <= got.size(), qPrintable(QString::number(ties)));
}

void TestResample::same_size_is_a_copy() {
    Bytes src = {1, 2, 3, 4, 5, 6};
    QCOMPARE(segllm::resize_pil_u8(src, 2, 1, 3, 2, 1, ResampleFilter::Bicubic), src);
}

void TestResample::binary_mask_stays_binary() {
    // {1, 1, 0, 0} 4 -> 2 bilinear: 6/7 -> 1, 1/7 -> 0.
    Mask m(4, 1);
    m.data = {1, 1, 0, 0};
    const Mask down = segllm::resize_pil(m, 2, 1, ResampleFilter::Bilinear);
    QCOMPARE(QVector<int>(down.data.begin(), down.data.end()), (QVector<int>{1, 0}));
    // Any size change of a 0/1 mask yields only 0/1, with both filters.
    Mask big(9, 7);
    for (int y = 2; y < 6; ++y) {
        for (int x = 1; x < 5; ++x) {
            big.at(x, y) = 1;
        }
    }
    for (ResampleFilter f : {ResampleFilter::Bilinear, ResampleFilter::Bicubic}) {
        for (auto [nw, nh] : {std::pair{20, 3}, std::pair{4, 4}, std::pair{13, 29}}) {
            const Mask r = segllm::resize_pil(big, nw, nh, f);
            for (std::uint8_t v : r.data) {
                QVERIFY(v == 0 || v == 1);
            }
            QVERIFY(segllm::mask_area(r) > 0);
        }
    }
}

void TestResample::invalid_arguments_throw() {
    Bytes src(12, 0);
    QVERIFY_THROWS_EXCEPTION(segllm::Error,
                             segllm::resize_pil_u8(src, 2, 2, 3, 0, 2, ResampleFilter::Bilinear));
    QVERIFY_THROWS_EXCEPTION(segllm::Error,
                             segllm::resize_pil_u8(src, 4, 4, 3, 2, 2, ResampleFilter::Bilinear));
    QVERIFY_THROWS_EXCEPTION(segllm::Error,
                             segllm::resize_pil(RgbImage(), 2, 2, ResampleFilter::Bicubic));
}

QTEST_APPLESS_MAIN(TestResample)
#include "test_resample.moc"
