// PNG class/instance maps, labelmap.txt, per-instance PNGs and the palette PNG codec.

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/png_codec.h"
#include "core/export/png_maps.h"
#include "tests/export/mask_text.h"

#include <QTemporaryDir>
#include <QtTest>

using segllm::Mask;
using segllm::PngPixels;
using segllm::Project;
using segllm::ProjectImage;
using segllm::ProjectInstance;
using segllm::Rgb;

namespace {

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& file) {
    const std::string s = segllm::read_file(file);
    return {s.begin(), s.end()};
}

ProjectInstance instance(int id, const std::string& label, const Mask& mask) {
    ProjectInstance in;
    in.id = id;
    in.label = label;
    in.mask = mask;
    return in;
}

// A "hand" (2x2), the "body" (6x4 block) that contains it, listed after the hand, and a
// separate unlabelled pixel.
Project overlap_project() {
    Project p;
    p.labels = {"body", "hand"};
    ProjectImage im;
    im.path = "/data/shots/frame.png";
    im.width = 8;
    im.height = 6;
    im.instances.push_back(
        instance(1, "hand",
                 segllm::test::mask_from_rows(
                     {"........", "........", "...##...", "...##...", "........", "........"})));
    im.instances.push_back(
        instance(2, "body",
                 segllm::test::mask_from_rows(
                     {"........", ".######.", ".######.", ".######.", ".######.", "........"})));
    im.instances.push_back(
        instance(5, "",
                 segllm::test::mask_from_rows(
                     {".......#", "........", "........", "........", "........", "........"})));
    p.images.push_back(im);
    return p;
}

}  // namespace

class TestPngMaps : public QObject {
    Q_OBJECT

private slots:
    void crc_and_voc_colours() {
        const std::uint8_t iend[4] = {'I', 'E', 'N', 'D'};
        QCOMPARE(segllm::png_crc32(iend, 4), 0xAE426082u);  // the IEND CRC of every PNG
        QCOMPARE(segllm::voc_color(0), (Rgb{0, 0, 0}));
        QCOMPARE(segllm::voc_color(1), (Rgb{128, 0, 0}));
        QCOMPARE(segllm::voc_color(2), (Rgb{0, 128, 0}));
        QCOMPARE(segllm::voc_color(3), (Rgb{128, 128, 0}));
        QCOMPARE(segllm::voc_color(4), (Rgb{0, 0, 128}));
        QCOMPARE(segllm::voc_color(8), (Rgb{64, 0, 0}));
        QCOMPARE(segllm::voc_color(15), (Rgb{192, 128, 128}));
    }

    void palette_png_round_trip() {
        const std::vector<std::uint8_t> indices = {0, 1, 2, 1, 0, 2};
        const std::vector<Rgb> palette = {{0, 0, 0}, {10, 20, 30}, {200, 100, 50}};
        const auto png = segllm::png_encode_palette(indices, 3, 2, palette);
        QCOMPARE(png[25], std::uint8_t{3});  // IHDR colour type byte: palette
        std::vector<Rgb> read_palette;
        const PngPixels raw = segllm::png_decode_palette(png, &read_palette);
        QCOMPARE(read_palette, palette);
        QCOMPARE(raw.channels, 1);
        QCOMPARE(std::vector<std::uint8_t>(raw.samples.begin(), raw.samples.end()), indices);
        // A standard decoder (libpng through OpenCV) expands the palette to colours.
        const PngPixels rgb = segllm::png_decode(png);
        QCOMPARE(rgb.channels, 3);
        for (std::size_t i = 0; i < indices.size(); ++i)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(rgb.samples[i * 3 + c], std::uint16_t{palette[indices[i]][c]});
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::png_encode_palette({0, 3}, 2, 1, palette));
    }

    void smaller_instance_wins() {
        const Project p = overlap_project();
        // Painted largest first: body (24 px), hand (4 px), pixel (1 px).
        QCOMPARE(segllm::paint_order(p.images[0]), (std::vector<std::size_t>{1, 0, 2}));
        const auto map = segllm::instance_map(p.images[0]);
        QCOMPARE(map[2 * 8 + 3], std::uint16_t{1});  // hand keeps its pixels inside the body
        QCOMPARE(map[1 * 8 + 1], std::uint16_t{2});  // body elsewhere
        QCOMPARE(map[0 * 8 + 7], std::uint16_t{3});
        QCOMPARE(map[0], std::uint16_t{0});
    }

    void writes_cvat_layout() {
        QTemporaryDir dir;
        const std::filesystem::path out = dir.path().toStdString();
        const Project p = overlap_project();
        segllm::PngExportOptions options;
        options.per_instance = true;
        const auto summary = segllm::write_png_maps(p, out, options);
        QCOMPARE(summary.images, 1);
        QCOMPARE(summary.classes, 3);
        QCOMPARE(summary.instance_files, 3);

        QCOMPARE(segllm::read_file(out / "labelmap.txt"),
                 std::string("# label:color_rgb:parts:actions\n"
                             "background:0,0,0::\n"
                             "body:128,0,0::\n"
                             "hand:0,128,0::\n"
                             "object:128,128,0::\n"));
        QCOMPARE(segllm::read_file(out / "ImageSets" / "Segmentation" / "default.txt"),
                 std::string("frame\n"));

        // Expected maps computed by hand from the masks: body=1, hand=2, object=3.
        const std::vector<std::string> expected_class = {"00000003", "01111110", "01122110",
                                                         "01122110", "01111110", "00000000"};
        std::vector<Rgb> palette;
        const PngPixels cls = segllm::png_decode_palette(
            read_bytes(out / "SegmentationClass" / "frame.png"), &palette);
        QCOMPARE(cls.width, 8);
        QCOMPARE(cls.height, 6);
        QCOMPARE(palette.size(), std::size_t{4});
        QCOMPARE(palette[2], (Rgb{0, 128, 0}));
        const PngPixels cls_rgb =
            segllm::png_decode(read_bytes(out / "SegmentationClass" / "frame.png"));
        for (int y = 0; y < 6; ++y) {
            for (int x = 0; x < 8; ++x) {
                const int want = expected_class[y][x] - '0';
                const std::size_t i = static_cast<std::size_t>(y) * 8 + x;
                QCOMPARE(static_cast<int>(cls.samples[i]), want);
                const Rgb colour = segllm::voc_color(want);
                for (int k = 0; k < 3; ++k)
                    QCOMPARE(static_cast<int>(cls_rgb.samples[i * 3 + k]),
                             static_cast<int>(colour[k]));
            }
        }
        const PngPixels obj =
            segllm::png_decode(read_bytes(out / "SegmentationObject" / "frame.png"));
        QCOMPARE(obj.bit_depth, 8);
        QCOMPARE(obj.channels, 1);
        QCOMPARE(obj.samples[2 * 8 + 4], std::uint16_t{1});
        QCOMPARE(obj.samples[4 * 8 + 6], std::uint16_t{2});
        QCOMPARE(obj.samples[7], std::uint16_t{3});
        QCOMPARE(obj.samples[5 * 8 + 7], std::uint16_t{0});

        // Per-instance PNGs are whole (the body keeps the pixels the hand covers) and 0/255.
        for (std::size_t k = 0; k < 3; ++k) {
            const PngPixels bin = segllm::png_decode(
                read_bytes(out / "Instances" / "frame" / (std::to_string(k + 1) + ".png")));
            QCOMPARE(bin.channels, 1);
            const Mask& m = p.images[0].instances[k].mask;
            for (std::size_t i = 0; i < m.data.size(); ++i)
                QCOMPARE(bin.samples[i], static_cast<std::uint16_t>(m.data[i] ? 255 : 0));
        }
    }

    void sixteen_bit_above_255_instances() {
        Project p;
        ProjectImage im;
        im.path = "many.png";
        im.width = 20;
        im.height = 15;
        for (int k = 0; k < 300; ++k) {
            Mask m(20, 15);
            m.data[static_cast<std::size_t>(k)] = 1;  // instance k+1 owns pixel k
            im.instances.push_back(instance(k + 1, "dot", m));
        }
        p.images.push_back(im);
        QTemporaryDir dir;
        const std::filesystem::path out = dir.path().toStdString();
        segllm::write_png_maps(p, out, {});
        const PngPixels obj =
            segllm::png_decode(read_bytes(out / "SegmentationObject" / "many.png"));
        QCOMPARE(obj.bit_depth, 16);
        QCOMPARE(obj.channels, 1);
        for (std::size_t i = 0; i < 300; ++i)
            QCOMPARE(obj.samples[i], static_cast<std::uint16_t>(i + 1));
    }

    void unique_names() {
        Project p;
        for (const char* path : {"a/x.png", "b/x.jpg", "c/y.png"}) {
            ProjectImage im;
            im.path = path;
            p.images.push_back(im);
        }
        QCOMPARE(segllm::png_export_names(p), (std::vector<std::string>{"x_1", "x_2", "y"}));
    }

    void rejects_colon_in_label() {
        Project p = overlap_project();
        p.images[0].instances[0].label = "a:b";
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 segllm::write_png_maps(p, dir.path().toStdString(), {}));
    }
};

QTEST_APPLESS_MAIN(TestPngMaps)
#include "test_png_maps.moc"
