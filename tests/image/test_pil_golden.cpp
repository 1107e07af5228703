// Golden outputs of Pillow 9.4 (tests/data/image/make_pil_golden.py): resize in modes RGB and L
// with both filters, the CLIP processor's resize + crop and HIPIE's ResizeLongestSide, all
// compared byte for byte.

#include "core/image/preprocess.h"
#include "core/image/resample.h"

#include <QtTest/QtTest>

#include <QFile>

using segllm::ResampleFilter;
using segllm::RgbImage;

namespace {

constexpr int kW = 13;
constexpr int kH = 9;

// The generator's pseudo-random source image (same LCG).
RgbImage source_image() {
    RgbImage img(kW, kH);
    std::uint64_t state = 12345;
    for (auto& v : img.data) {
        state = (state * 1103515245u + 12345u) % (std::uint64_t{1} << 31);
        v = static_cast<std::uint8_t>((state >> 16) & 0xFF);
    }
    return img;
}

}  // namespace

class TestPilGolden : public QObject {
    Q_OBJECT

private slots:
    void matches_pillow_data();
    void matches_pillow();
};

void TestPilGolden::matches_pillow_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<QByteArray>("expected");
    QFile file(QStringLiteral(SEGLLM_TEST_DATA_DIR) + "/image/pil_golden.txt");
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    int rows = 0;
    while (!file.atEnd()) {
        const QList<QByteArray> f = file.readLine().trimmed().split(' ');
        if (f.size() != 8) {
            continue;
        }
        QTest::addRow("%s %s %s %sx%s", f[0].constData(), f[1].constData(), f[2].constData(),
                      f[5].constData(), f[6].constData())
            << QString(f[0]) << QString(f[1]) << QString(f[2]) << f[5].toInt() << f[6].toInt()
            << QByteArray::fromHex(f[7]);
        ++rows;
    }
    QCOMPARE(rows, 14);
}

void TestPilGolden::matches_pillow() {
    QFETCH(QString, kind);
    QFETCH(QString, mode);
    QFETCH(QString, filter);
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(QByteArray, expected);
    const RgbImage src = source_image();
    const ResampleFilter f =
        filter == "bicubic" ? ResampleFilter::Bicubic : ResampleFilter::Bilinear;
    const int channels = mode == "L" ? 1 : 3;
    QCOMPARE(expected.size(), w * h * channels);
    auto golden = [&](std::size_t i) { return int(static_cast<std::uint8_t>(expected[int(i)])); };

    if (kind == "resize") {
        std::vector<std::uint8_t> got;
        if (mode == "L") {
            segllm::Mask gray(kW, kH);
            for (int i = 0; i < kW * kH; ++i) {
                gray.data[static_cast<std::size_t>(i)] = src.data[static_cast<std::size_t>(i) * 3];
            }
            got = segllm::resize_pil(gray, w, h, f).data;
        } else {
            got = segllm::resize_pil(src, w, h, f).data;
        }
        for (std::size_t i = 0; i < got.size(); ++i) {
            QCOMPARE(int(got[i]), golden(i));
        }
    } else if (kind == "clip") {
        const segllm::FloatImage out = segllm::clip_preprocess(src, w);
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const double v = golden((static_cast<std::size_t>(y) * w + x) * 3 + c);
                    const double want = (v / 255.0 - segllm::kClipMean[c]) / segllm::kClipStd[c];
                    QVERIFY(std::abs(out.at(c, y, x) - want) < 1e-5);
                }
            }
        }
    } else {
        const segllm::ModelFrame frame = segllm::make_model_frame(kW, kH, 16);
        QCOMPARE(frame.resized_w, w);
        QCOMPARE(frame.resized_h, h);
        const RgbImage padded = segllm::hipie_resize_pad(src, frame);
        for (int y = 0; y < 16; ++y) {
            for (int x = 0; x < 16; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const int want = (x < w && y < h)
                                         ? golden((static_cast<std::size_t>(y) * w + x) * 3 + c)
                                         : 0;
                    QCOMPARE(int(padded.pixel(x, y)[c]), want);
                }
            }
        }
    }
}

QTEST_APPLESS_MAIN(TestPilGolden)
#include "test_pil_golden.moc"
