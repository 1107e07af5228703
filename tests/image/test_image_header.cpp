// Header parsing without decoding: sizes and EXIF orientation from hand-built headers.

#include "core/common/error.h"
#include "core/image/image_header.h"

#include <QtTest/QtTest>

#include <QTemporaryDir>

#include <array>
#include <fstream>
#include <string>
#include <vector>

using segllm::ImageFormat;
using segllm::ImageHeaderInfo;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& b, const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
}
void be16(Bytes& b, std::uint32_t v) {
    b.push_back(std::uint8_t(v >> 8));
    b.push_back(std::uint8_t(v));
}
void be32(Bytes& b, std::uint32_t v) {
    be16(b, v >> 16);
    be16(b, v & 0xFFFF);
}
void le16(Bytes& b, std::uint32_t v) {
    b.push_back(std::uint8_t(v));
    b.push_back(std::uint8_t(v >> 8));
}
void le32(Bytes& b, std::uint32_t v) {
    le16(b, v & 0xFFFF);
    le16(b, v >> 16);
}

// TIFF structure with IFD0 entries (tag, type, value), big- or little-endian.
Bytes tiff_block(bool little, const std::vector<std::array<std::uint32_t, 3>>& entries) {
    Bytes b;
    auto w16 = [&](std::uint32_t v) { little ? le16(b, v) : be16(b, v); };
    auto w32 = [&](std::uint32_t v) { little ? le32(b, v) : be32(b, v); };
    put(b, little ? "II" : "MM");
    w16(42);
    w32(8);
    w16(static_cast<std::uint32_t>(entries.size()));
    for (const auto& e : entries) {
        w16(e[0]);
        w16(e[1]);
        w32(1);
        if (e[1] == 3) {
            w16(e[2]);
            w16(0);
        } else {
            w32(e[2]);
        }
    }
    w32(0);
    return b;
}

Bytes png_header(std::uint32_t w, std::uint32_t h) {
    Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    be32(b, 13);
    put(b, "IHDR");
    be32(b, w);
    be32(b, h);
    b.insert(b.end(), {8, 2, 0, 0, 0});
    be32(b, 0);  // CRC (not checked by the header reader)
    return b;
}

ImageHeaderInfo parse(const Bytes& b) {
    return segllm::parse_image_header(b.data(), b.size());
}

}  // namespace

class TestImageHeader : public QObject {
    Q_OBJECT

private slots:
    void png();
    void png_exif();
    void jpeg_with_exif();
    void bmp();
    void tiff_data();
    void tiff();
    void webp();
    void malformed_exif_is_ignored();
    void errors_data();
    void errors();
    void read_size_from_file();
};

void TestImageHeader::png() {
    Bytes b = png_header(100000, 70000);
    be32(b, 0);
    put(b, "IEND");
    be32(b, 0);
    const ImageHeaderInfo info = parse(b);
    QCOMPARE(info.format, ImageFormat::Png);
    QCOMPARE(info.width, 100000);
    QCOMPARE(info.height, 70000);
    QCOMPARE(info.orientation, 1);
}

void TestImageHeader::png_exif() {
    Bytes b = png_header(30, 20);
    const Bytes exif = tiff_block(false, {{274, 3, 8}});
    be32(b, static_cast<std::uint32_t>(exif.size()));
    put(b, "eXIf");
    b.insert(b.end(), exif.begin(), exif.end());
    be32(b, 0);
    be32(b, 0);
    put(b, "IDAT");
    const ImageHeaderInfo info = parse(b);
    QCOMPARE(info.orientation, 8);
    QCOMPARE(info.oriented_width(), 20);
    QCOMPARE(info.oriented_height(), 30);
}

void TestImageHeader::jpeg_with_exif() {
    // SOI, APP1 Exif (orientation 6, little-endian), SOF0 30x20, SOS.
    Bytes b = {0xFF, 0xD8};
    Bytes app1;
    put(app1, std::string("Exif\0\0", 6));
    const Bytes t = tiff_block(true, {{274, 3, 6}});
    app1.insert(app1.end(), t.begin(), t.end());
    b.insert(b.end(), {0xFF, 0xE1});
    be16(b, static_cast<std::uint32_t>(app1.size() + 2));
    b.insert(b.end(), app1.begin(), app1.end());
    const std::size_t sof = b.size();
    b.insert(b.end(), {0xFF, 0xC0});
    be16(b, 17);
    b.push_back(8);
    be16(b, 20);  // height
    be16(b, 30);  // width
    b.insert(b.end(), {3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
    QCOMPARE(b.size(), sof + 19);
    const std::size_t sos = b.size();
    b.insert(b.end(), {0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0});
    const ImageHeaderInfo info = parse(b);
    QCOMPARE(info.format, ImageFormat::Jpeg);
    QCOMPARE(info.width, 30);
    QCOMPARE(info.height, 20);
    QCOMPARE(info.orientation, 6);
    QCOMPARE(info.oriented_width(), 20);
    QCOMPARE(info.jpeg_scan_offset, sos);
}

void TestImageHeader::bmp() {
    // BITMAPINFOHEADER, top-down (negative height).
    Bytes b;
    put(b, "BM");
    le32(b, 0);
    le32(b, 0);
    le32(b, 54);
    le32(b, 40);
    le32(b, 640);
    le32(b, static_cast<std::uint32_t>(-480));
    b.resize(54, 0);
    ImageHeaderInfo info = parse(b);
    QCOMPARE(info.format, ImageFormat::Bmp);
    QCOMPARE(info.width, 640);
    QCOMPARE(info.height, 480);
    // BITMAPCOREHEADER: 16-bit sizes.
    Bytes c;
    put(c, "BM");
    le32(c, 0);
    le32(c, 0);
    le32(c, 26);
    le32(c, 12);
    le16(c, 7);
    le16(c, 9);
    c.resize(26, 0);
    info = parse(c);
    QCOMPARE(info.width, 7);
    QCOMPARE(info.height, 9);
}

void TestImageHeader::tiff_data() {
    QTest::addColumn<bool>("little");
    QTest::newRow("II") << true;
    QTest::newRow("MM") << false;
}

void TestImageHeader::tiff() {
    QFETCH(bool, little);
    // Width as SHORT, height as LONG, orientation 5.
    const Bytes b = tiff_block(little, {{256, 3, 300}, {257, 4, 70000}, {274, 3, 5}});
    const ImageHeaderInfo info = parse(b);
    QCOMPARE(info.format, ImageFormat::Tiff);
    QCOMPARE(info.width, 300);
    QCOMPARE(info.height, 70000);
    QCOMPARE(info.orientation, 5);
    QCOMPARE(info.oriented_width(), 70000);
}

void TestImageHeader::webp() {
    // Lossy VP8: frame tag, start code, 14-bit sizes.
    Bytes vp8;
    put(vp8, "RIFF");
    le32(vp8, 0);
    put(vp8, "WEBPVP8 ");
    le32(vp8, 10);
    vp8.insert(vp8.end(), {0, 0, 0, 0x9D, 0x01, 0x2A});
    le16(vp8, 640);
    le16(vp8, 480 | 0x4000);  // upper two bits: scaling, ignored
    ImageHeaderInfo info = parse(vp8);
    QCOMPARE(info.format, ImageFormat::WebP);
    QCOMPARE(info.width, 640);
    QCOMPARE(info.height, 480);
    // Lossless VP8L: 14 bits width - 1, 14 bits height - 1.
    Bytes vp8l;
    put(vp8l, "RIFF");
    le32(vp8l, 0);
    put(vp8l, "WEBPVP8L");
    le32(vp8l, 5);
    vp8l.push_back(0x2F);
    le32(vp8l, 299u | (199u << 14));
    info = parse(vp8l);
    QCOMPARE(info.width, 300);
    QCOMPARE(info.height, 200);
    // Extended VP8X with an EXIF chunk after the image data (orientation 8).
    Bytes x;
    put(x, "RIFF");
    le32(x, 0);
    put(x, "WEBPVP8X");
    le32(x, 10);
    x.push_back(0x08);
    x.insert(x.end(), {0, 0, 0});
    x.insert(x.end(), {0xE7, 0x03, 0x00});  // 999 -> 1000
    x.insert(x.end(), {0x1F, 0x00, 0x00});  // 31 -> 32
    put(x, "VP8L");
    le32(x, 3);
    x.insert(x.end(), {1, 2, 3, 0});  // odd size, padded
    const Bytes exif = tiff_block(true, {{274, 3, 8}});
    put(x, "EXIF");
    le32(x, static_cast<std::uint32_t>(exif.size()));
    x.insert(x.end(), exif.begin(), exif.end());
    info = parse(x);
    QCOMPARE(info.width, 1000);
    QCOMPARE(info.height, 32);
    QCOMPARE(info.orientation, 8);
}

void TestImageHeader::malformed_exif_is_ignored() {
    // An eXIf chunk with a bad byte-order mark: size still read, orientation 1.
    Bytes b = png_header(5, 6);
    be32(b, 4);
    put(b, std::string("eXIfXX*\0", 8));
    be32(b, 0);
    const ImageHeaderInfo info = parse(b);
    QCOMPARE(info.width, 5);
    QCOMPARE(info.orientation, 1);
}

void TestImageHeader::errors_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QByteArray() << "empty";
    QTest::newRow("text") << QByteArray("hello, this is not an image") << "unknown image format";
    QTest::newRow("gif") << QByteArray("GIF89a\x01\x00\x01\x00\x00\x00\x00", 13)
                         << "unknown image format";
    QTest::newRow("cut png") << QByteArray("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00", 18)
                             << "truncated";
    QTest::newRow("zero width") << QByteArray(
                                       reinterpret_cast<const char*>(png_header(0, 5).data()),
                                       int(png_header(0, 5).size()))
                                << "zero width";
    QTest::newRow("bigtiff") << QByteArray("II+\0\x08\x00\x00\x00", 8) << "BigTIFF";
}

void TestImageHeader::errors() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    try {
        segllm::parse_image_header(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                   static_cast<std::size_t>(bytes.size()));
        QFAIL("no error");
    } catch (const segllm::Error& e) {
        QVERIFY2(QString(e.what()).contains(reason), e.what());
    }
}

void TestImageHeader::read_size_from_file() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A TIFF whose IFD lies beyond the first 64 KiB: the reader must fetch the rest.
    Bytes t;
    put(t, "II");
    le16(t, 42);
    const std::uint32_t ifd = 70000;
    le32(t, ifd);
    t.resize(ifd, 0);
    const Bytes block = tiff_block(true, {{256, 3, 12}, {257, 3, 34}, {274, 3, 6}});
    t.insert(t.end(), block.begin() + 8, block.end());
    const std::string path = dir.filePath("far.tif").toStdString();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(t.data()), std::streamsize(t.size()));
    const auto size = segllm::read_image_size(path);
    QVERIFY(size.has_value());
    QCOMPARE(size->first, 34);  // orientation 6: upright size is 34x12
    QCOMPARE(size->second, 12);

    QVERIFY(!segllm::read_image_size(dir.filePath("missing.png").toStdString()).has_value());
    const std::string junk = dir.filePath("junk.png").toStdString();
    std::ofstream(junk) << "not an image at all";
    QVERIFY(!segllm::read_image_size(junk).has_value());
}

QTEST_APPLESS_MAIN(TestImageHeader)
#include "test_image_header.moc"
