// Decoding to RGB: grey, 16-bit, alpha, EXIF orientation, each container, and every failure.
// Test images are encoded here with OpenCV (and EXIF / headers inserted by hand).

#include "core/common/error.h"
#include "core/image/decode.h"
#include "core/image/image_header.h"

#include <QtTest/QtTest>

#include <QElapsedTimer>
#include <QTemporaryDir>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <string>
#include <vector>

using segllm::RgbImage;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encode(const cv::Mat& m, const std::string& ext, const std::vector<int>& params = {}) {
    Bytes out;
    if (!cv::imencode(ext, m, out, params)) {
        throw std::runtime_error("test setup: cannot encode " + ext);
    }
    return out;
}

void write_file(const std::string& path, const Bytes& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void be16(Bytes& b, std::uint32_t v) {
    b.push_back(std::uint8_t(v >> 8));
    b.push_back(std::uint8_t(v));
}
void be32(Bytes& b, std::uint32_t v) {
    be16(b, v >> 16);
    be16(b, v & 0xFFFF);
}

// APP1 Exif segment holding IFD0 with only the Orientation tag (big-endian TIFF).
Bytes exif_app1(int orientation) {
    Bytes p = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42};
    be32(p, 8);       // IFD0 offset
    be16(p, 1);       // one entry
    be16(p, 0x0112);  // Orientation
    be16(p, 3);       // SHORT
    be32(p, 1);       // count
    be16(p, static_cast<std::uint32_t>(orientation));
    be16(p, 0);
    be32(p, 0);  // no next IFD
    Bytes seg = {0xFF, 0xE1};
    be16(seg, static_cast<std::uint32_t>(p.size() + 2));
    seg.insert(seg.end(), p.begin(), p.end());
    return seg;
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k) {
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
    }
    return c ^ 0xFFFFFFFFu;
}

void png_chunk(Bytes& b, const char* type, const Bytes& data) {
    be32(b, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = b.size();
    b.insert(b.end(), type, type + 4);
    b.insert(b.end(), data.begin(), data.end());
    be32(b, crc32(&b[start], b.size() - start));
}

// 3 x 2 blocks of 16x16 pixels: top R G B, bottom W K Y (BGR Mat for OpenCV).
cv::Mat block_image() {
    const cv::Scalar colours[2][3] = {
        {cv::Scalar(0, 0, 255), cv::Scalar(0, 255, 0), cv::Scalar(255, 0, 0)},
        {cv::Scalar(255, 255, 255), cv::Scalar(0, 0, 0), cv::Scalar(0, 255, 255)}};
    cv::Mat m(32, 48, CV_8UC3);
    for (int by = 0; by < 2; ++by) {
        for (int bx = 0; bx < 3; ++bx) {
            m(cv::Rect(bx * 16, by * 16, 16, 16)).setTo(colours[by][bx]);
        }
    }
    return m;
}

// Letter of the block colour at the centre of block (bx, by) of an RGB image of 16x16 blocks.
char block_letter(const RgbImage& img, int bx, int by) {
    const std::uint8_t* p = img.pixel(bx * 16 + 8, by * 16 + 8);
    auto hi = [](int v) { return v > 160; };
    auto lo = [](int v) { return v < 95; };
    const int r = p[0], g = p[1], b = p[2];
    if (hi(r) && lo(g) && lo(b))
        return 'R';
    if (lo(r) && hi(g) && lo(b))
        return 'G';
    if (lo(r) && lo(g) && hi(b))
        return 'B';
    if (hi(r) && hi(g) && hi(b))
        return 'W';
    if (lo(r) && lo(g) && lo(b))
        return 'K';
    if (hi(r) && hi(g) && lo(b))
        return 'Y';
    return '?';
}

QString layout(const RgbImage& img) {
    QString s;
    for (int by = 0; by < img.height / 16; ++by) {
        if (by > 0)
            s += '/';
        for (int bx = 0; bx < img.width / 16; ++bx)
            s += block_letter(img, bx, by);
    }
    return s;
}

QString error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return QString::fromStdString(e.what());
    }
    return QString();
}

}  // namespace

class TestDecode : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void grey_png_is_replicated();
    void png_16bit_keeps_high_byte();
    void alpha_is_dropped_without_compositing();
    void exif_orientation_data();
    void exif_orientation();
    void exif_orientation_can_be_ignored();
    void png_exif_orientation();
    void webp_exif_orientation();
    void tiff_orientation_applied_once_data();
    void tiff_orientation_applied_once();
    void containers_round_trip_data();
    void containers_round_trip();
    void lossy_webp();
    void corrupt_png();
    void truncated_png();
    void truncated_jpeg();
    void missing_empty_and_unknown_files();
    void huge_image_is_refused_before_decoding();
    void custom_pixel_limit();

private:
    QTemporaryDir dir_;
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }
};

void TestDecode::initTestCase() {
    QVERIFY(dir_.isValid());
}

void TestDecode::grey_png_is_replicated() {
    cv::Mat g(2, 3, CV_8UC1);
    const std::uint8_t vals[6] = {0, 1, 127, 128, 254, 255};
    for (int i = 0; i < 6; ++i)
        g.data[i] = vals[i];
    const RgbImage img = segllm::decode_image_bytes(encode(g, ".png"), "grey.png");
    QCOMPARE(img.width, 3);
    QCOMPARE(img.height, 2);
    for (int i = 0; i < 6; ++i) {
        const std::uint8_t* p = img.pixel(i % 3, i / 3);
        QCOMPARE(int(p[0]), int(vals[i]));
        QCOMPARE(int(p[1]), int(vals[i]));
        QCOMPARE(int(p[2]), int(vals[i]));
    }
}

void TestDecode::png_16bit_keeps_high_byte() {
    // 16 -> 8 bit is v >> 8: 0x00FF -> 0 (rounding v / 257 would give 1), 0x80FF -> 128,
    // 0xFFFF -> 255, 0x1234 -> 0x12.
    cv::Mat m(1, 2, CV_16UC3);
    m.at<cv::Vec3w>(0, 0) = cv::Vec3w(0x1234, 0x80FF, 0x00FF);  // B G R
    m.at<cv::Vec3w>(0, 1) = cv::Vec3w(0xFFFF, 0x0100, 0x7F80);
    const RgbImage img = segllm::decode_image_bytes(encode(m, ".png"), "deep.png");
    QCOMPARE(int(img.pixel(0, 0)[0]), 0x00);
    QCOMPARE(int(img.pixel(0, 0)[1]), 0x80);
    QCOMPARE(int(img.pixel(0, 0)[2]), 0x12);
    QCOMPARE(int(img.pixel(1, 0)[0]), 0x7F);
    QCOMPARE(int(img.pixel(1, 0)[1]), 0x01);
    QCOMPARE(int(img.pixel(1, 0)[2]), 0xFF);
    // 16-bit grey.
    cv::Mat g(1, 1, CV_16UC1);
    g.at<std::uint16_t>(0, 0) = 0xABFF;
    const RgbImage gi = segllm::decode_image_bytes(encode(g, ".png"), "deep-grey.png");
    QCOMPARE(int(gi.pixel(0, 0)[0]), 0xAB);
    QCOMPARE(int(gi.pixel(0, 0)[2]), 0xAB);
}

void TestDecode::alpha_is_dropped_without_compositing() {
    cv::Mat m(1, 2, CV_8UC4);
    m.at<cv::Vec4b>(0, 0) = cv::Vec4b(30, 20, 10, 0);  // B G R A: fully transparent
    m.at<cv::Vec4b>(0, 1) = cv::Vec4b(200, 100, 50, 128);
    const RgbImage img = segllm::decode_image_bytes(encode(m, ".png"), "alpha.png");
    QCOMPARE(int(img.pixel(0, 0)[0]), 10);
    QCOMPARE(int(img.pixel(0, 0)[1]), 20);
    QCOMPARE(int(img.pixel(0, 0)[2]), 30);
    QCOMPARE(int(img.pixel(1, 0)[0]), 50);
    QCOMPARE(int(img.pixel(1, 0)[1]), 100);
    QCOMPARE(int(img.pixel(1, 0)[2]), 200);
}

void TestDecode::exif_orientation_data() {
    QTest::addColumn<int>("orientation");
    QTest::addColumn<QString>("expected");
    // Stored blocks: RGB / WKY (3 wide, 2 high). Expected upright layouts, rows separated by '/'.
    QTest::newRow("1 none") << 1 << "RGB/WKY";
    QTest::newRow("2 mirror") << 2 << "BGR/YKW";
    QTest::newRow("3 rotate 180") << 3 << "YKW/BGR";
    QTest::newRow("4 flip") << 4 << "WKY/RGB";
    QTest::newRow("5 transpose") << 5 << "RW/GK/BY";
    QTest::newRow("6 rotate 90 cw") << 6 << "WR/KG/YB";
    QTest::newRow("7 transverse") << 7 << "YB/KG/WR";
    QTest::newRow("8 rotate 90 ccw") << 8 << "BY/GK/RW";
}

void TestDecode::exif_orientation() {
    QFETCH(int, orientation);
    QFETCH(QString, expected);
    Bytes jpeg = encode(block_image(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100});
    const Bytes app1 = exif_app1(orientation);
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());  // right after SOI
    const std::string file = path("oriented.jpg");
    write_file(file, jpeg);
    const RgbImage img = segllm::decode_image(file);
    const bool swapped = orientation >= 5;
    QCOMPARE(img.width, swapped ? 32 : 48);
    QCOMPARE(img.height, swapped ? 48 : 32);
    QCOMPARE(layout(img), expected);
    const auto size = segllm::read_image_size(file);
    QVERIFY(size.has_value());
    QCOMPARE(size->first, img.width);
    QCOMPARE(size->second, img.height);
}

void TestDecode::exif_orientation_can_be_ignored() {
    Bytes jpeg = encode(block_image(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100});
    const Bytes app1 = exif_app1(6);
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
    segllm::DecodeOptions options;
    options.apply_exif_orientation = false;
    const RgbImage img = segllm::decode_image_bytes(jpeg, "oriented.jpg", options);
    QCOMPARE(img.width, 48);
    QCOMPARE(layout(img), QString("RGB/WKY"));
}

void TestDecode::png_exif_orientation() {
    // eXIf chunk (orientation 3, rotate 180) inserted after IHDR of an OpenCV-encoded PNG.
    const Bytes png = encode(block_image(), ".png");
    Bytes exif = {'M', 'M', 0, 42};
    be32(exif, 8);
    be16(exif, 1);
    be16(exif, 0x0112);
    be16(exif, 3);
    be32(exif, 1);
    be16(exif, 3);
    be16(exif, 0);
    be32(exif, 0);
    Bytes chunk;
    png_chunk(chunk, "eXIf", exif);
    Bytes with = png;
    with.insert(with.begin() + 33, chunk.begin(), chunk.end());  // signature 8 + IHDR 25
    const RgbImage img = segllm::decode_image_bytes(with, "oriented.png");
    QCOMPARE(layout(img), QString("YKW/BGR"));
}

void TestDecode::webp_exif_orientation() {
    // Simple lossless WebP from OpenCV rewrapped as extended (VP8X) with an EXIF chunk
    // (orientation 8, rotate 90 counter-clockwise) after the image data.
    const Bytes simple = encode(block_image(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
    auto le = [](Bytes& b, std::uint32_t v, int n) {
        for (int i = 0; i < n; ++i)
            b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    Bytes exif = {'M', 'M', 0, 42};
    be32(exif, 8);
    be16(exif, 1);
    be16(exif, 0x0112);
    be16(exif, 3);
    be32(exif, 1);
    be16(exif, 8);
    be16(exif, 0);
    be32(exif, 0);
    Bytes x = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
    le(x, 10, 4);
    x.insert(x.end(), {0x08, 0, 0, 0});  // flags: EXIF
    le(x, 48 - 1, 3);
    le(x, 32 - 1, 3);
    x.insert(x.end(), simple.begin() + 12, simple.end());
    x.insert(x.end(), {'E', 'X', 'I', 'F'});
    le(x, static_cast<std::uint32_t>(exif.size()), 4);
    x.insert(x.end(), exif.begin(), exif.end());
    const std::uint32_t riff = static_cast<std::uint32_t>(x.size() - 8);
    for (int i = 0; i < 4; ++i)
        x[4 + static_cast<std::size_t>(i)] = std::uint8_t(riff >> (8 * i));
    const RgbImage img = segllm::decode_image_bytes(x, "oriented.webp");
    QCOMPARE(img.width, 32);
    QCOMPARE(img.height, 48);
    QCOMPARE(layout(img), QString("BY/GK/RW"));
}

void TestDecode::tiff_orientation_applied_once_data() {
    QTest::addColumn<int>("orientation");
    QTest::addColumn<int>("bits");
    QTest::addColumn<bool>("apply");
    QTest::addColumn<QString>("expected");
    // Stored 3x2 pixels numbered 0 1 2 / 3 4 5; expected upright rows separated by '/'.
    const char* upright[9] = {"",         "012/345",  "210/543",  "543/210", "345/012",
                              "03/14/25", "30/41/52", "52/41/30", "25/14/03"};
    for (int bits : {8, 16}) {
        for (int o = 1; o <= 8; ++o) {
            QTest::addRow("%d-bit orientation %d", bits, o) << o << bits << true << upright[o];
        }
        QTest::addRow("%d-bit orientation 6 not applied", bits) << 6 << bits << false << "012/345";
        QTest::addRow("%d-bit orientation 8 not applied", bits) << 8 << bits << false << "012/345";
    }
}

void TestDecode::tiff_orientation_applied_once() {
    // Hand-written baseline TIFF: 3x2 RGB, uncompressed, one strip, the given Orientation.
    // Pixel i has R = 10 i (16-bit: 10 i * 256).
    QFETCH(int, orientation);
    QFETCH(int, bits);
    QFETCH(bool, apply);
    QFETCH(QString, expected);
    Bytes t = {'M', 'M', 0, 42};
    be32(t, 8);
    const std::uint32_t entries = 11;
    const std::uint32_t bps_at = 8 + 2 + entries * 12 + 4;
    const std::uint32_t pixels_at = bps_at + 6;
    be16(t, entries);
    auto entry = [&](std::uint32_t tag, std::uint32_t type, std::uint32_t count, std::uint32_t v) {
        be16(t, tag);
        be16(t, type);
        be32(t, count);
        if (type == 3 && count == 1) {
            be16(t, v);
            be16(t, 0);
        } else {
            be32(t, v);
        }
    };
    const std::uint32_t bytes_per_sample = static_cast<std::uint32_t>(bits / 8);
    entry(256, 3, 1, 3);                                        // ImageWidth
    entry(257, 3, 1, 2);                                        // ImageLength
    entry(258, 3, 3, bps_at);                                   // BitsPerSample (offset)
    entry(259, 3, 1, 1);                                        // no compression
    entry(262, 3, 1, 2);                                        // RGB
    entry(273, 4, 1, pixels_at);                                // StripOffsets
    entry(274, 3, 1, static_cast<std::uint32_t>(orientation));  // Orientation
    entry(277, 3, 1, 3);                                        // SamplesPerPixel
    entry(278, 3, 1, 2);                                        // RowsPerStrip
    entry(279, 4, 1, 18 * bytes_per_sample);                    // StripByteCounts
    entry(284, 3, 1, 1);                                        // contiguous
    be32(t, 0);
    QCOMPARE(t.size(), std::size_t(bps_at));
    for (int i = 0; i < 3; ++i) {
        be16(t, static_cast<std::uint32_t>(bits));
    }
    for (int i = 0; i < 18; ++i) {
        const std::uint32_t v = static_cast<std::uint32_t>(10 * (i / 3) + i % 3);
        if (bits == 8) {
            t.push_back(static_cast<std::uint8_t>(v));
        } else {
            be16(t, v << 8);
        }
    }
    segllm::DecodeOptions options;
    options.apply_exif_orientation = apply;
    const RgbImage img = segllm::decode_image_bytes(t, "oriented.tif", options);
    QString got;
    for (int y = 0; y < img.height; ++y) {
        if (y > 0)
            got += '/';
        for (int x = 0; x < img.width; ++x) {
            got += QString::number(img.pixel(x, y)[0] / 10);
            QCOMPARE(int(img.pixel(x, y)[2]) % 10, 2);
        }
    }
    QCOMPARE(got, expected);
}

void TestDecode::containers_round_trip_data() {
    QTest::addColumn<QString>("ext");
    QTest::newRow("png") << ".png";
    QTest::newRow("bmp") << ".bmp";
    QTest::newRow("tiff") << ".tiff";
    QTest::newRow("webp lossless") << ".webp";
}

void TestDecode::containers_round_trip() {
    QFETCH(QString, ext);
    cv::Mat m(7, 5, CV_8UC3);
    cv::randu(m, 0, 256);
    std::vector<int> params;
    if (ext == ".webp")
        params = {cv::IMWRITE_WEBP_QUALITY, 101};  // lossless
    const Bytes bytes = encode(m, ext.toStdString(), params);
    const std::string file = path(qPrintable("round" + ext));
    write_file(file, bytes);
    const RgbImage img = segllm::decode_image(file);
    QCOMPARE(img.width, 5);
    QCOMPARE(img.height, 7);
    for (int y = 0; y < 7; ++y) {
        for (int x = 0; x < 5; ++x) {
            const cv::Vec3b bgr = m.at<cv::Vec3b>(y, x);
            QCOMPARE(int(img.pixel(x, y)[0]), int(bgr[2]));
            QCOMPARE(int(img.pixel(x, y)[1]), int(bgr[1]));
            QCOMPARE(int(img.pixel(x, y)[2]), int(bgr[0]));
        }
    }
    const auto size = segllm::read_image_size(file);
    QVERIFY(size.has_value());
    QCOMPARE(size->first, 5);
    QCOMPARE(size->second, 7);
}

void TestDecode::lossy_webp() {
    const Bytes bytes = encode(block_image(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 95});
    const segllm::ImageHeaderInfo info = segllm::parse_image_header(bytes.data(), bytes.size());
    QCOMPARE(info.format, segllm::ImageFormat::WebP);
    const RgbImage img = segllm::decode_image_bytes(bytes, "lossy.webp");
    QCOMPARE(img.width, 48);
    QCOMPARE(img.height, 32);
    QCOMPARE(layout(img), QString("RGB/WKY"));
}

void TestDecode::corrupt_png() {
    cv::Mat m(64, 64, CV_8UC3);
    cv::randu(m, 0, 256);
    Bytes bytes = encode(m, ".png");
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
        bytes[i] ^= 0x5A;
    const QString msg = error_of([&] { segllm::decode_image_bytes(bytes, "broken.png"); });
    QVERIFY2(msg.contains("broken.png") && msg.contains("corrupt"), qPrintable(msg));
}

void TestDecode::truncated_png() {
    cv::Mat m(64, 64, CV_8UC3);
    cv::randu(m, 0, 256);
    Bytes bytes = encode(m, ".png");
    bytes.resize(bytes.size() / 2);
    const std::string file = path("cut.png");
    write_file(file, bytes);
    const QString msg = error_of([&] { segllm::decode_image(file); });
    QVERIFY2(msg.contains("cut.png") && msg.contains("truncated"), qPrintable(msg));
}

void TestDecode::truncated_jpeg() {
    cv::Mat m(64, 64, CV_8UC3);
    cv::randu(m, 0, 256);
    Bytes bytes = encode(m, ".jpg");
    bytes.resize(bytes.size() * 7 / 10);
    const QString msg = error_of([&] { segllm::decode_image_bytes(bytes, "cut.jpg"); });
    QVERIFY2(msg.contains("cut.jpg") && msg.contains("truncated"), qPrintable(msg));
}

void TestDecode::missing_empty_and_unknown_files() {
    const std::string missing = path("no-such-image.png");
    QString msg = error_of([&] { segllm::decode_image(missing); });
    QVERIFY2(msg.contains("no-such-image.png") && msg.contains("No such file"), qPrintable(msg));

    const std::string empty = path("empty.jpg");
    write_file(empty, {});
    msg = error_of([&] { segllm::decode_image(empty); });
    QVERIFY2(msg.contains("empty.jpg") && msg.contains("empty"), qPrintable(msg));

    const std::string text = path("notes.png");
    const std::string content = "this is a text file, not a picture";
    write_file(text, Bytes(content.begin(), content.end()));
    msg = error_of([&] { segllm::decode_image(text); });
    QVERIFY2(msg.contains("notes.png") && msg.contains("unknown image format"), qPrintable(msg));
}

void TestDecode::huge_image_is_refused_before_decoding() {
    // A valid PNG header claiming 100000 x 100000 RGB (30 GB decoded) and no pixel data.
    Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    be32(ihdr, 100000);
    be32(ihdr, 100000);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    png_chunk(png, "IHDR", ihdr);
    png_chunk(png, "IEND", {});
    const std::string file = path("huge.png");
    write_file(file, png);
    QElapsedTimer timer;
    timer.start();
    const QString msg = error_of([&] { segllm::decode_image(file); });
    QVERIFY(timer.elapsed() < 1000);
    QVERIFY2(msg.contains("huge.png") && msg.contains("100000x100000") &&
                 msg.contains("10000000000 pixels") && msg.contains("100000000"),
             qPrintable(msg));
    const auto size = segllm::read_image_size(file);
    QVERIFY(size.has_value());
    QCOMPARE(size->first, 100000);
}

void TestDecode::custom_pixel_limit() {
    cv::Mat m(64, 64, CV_8UC3, cv::Scalar(1, 2, 3));
    const Bytes bytes = encode(m, ".png");
    segllm::DecodeOptions options;
    options.max_pixels = 4095;
    QVERIFY(
        error_of([&] { segllm::decode_image_bytes(bytes, "x.png", options); }).contains("64x64"));
    options.max_pixels = 4096;
    QCOMPARE(segllm::decode_image_bytes(bytes, "x.png", options).width, 64);
}

QTEST_APPLESS_MAIN(TestDecode)
#include "test_decode.moc"
