// labelme JSON: structure labelme reads, mask shapes as bbox corners + base64 PNG crop.

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/base64.h"
#include "core/export/labelme.h"
#include "core/export/png_codec.h"
#include "tests/export/mask_text.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

using nlohmann::json;
using segllm::Mask;
using segllm::Project;
using segllm::ProjectImage;
using segllm::ProjectInstance;

namespace {

Project sample(const std::filesystem::path& root) {
    Project p;
    ProjectImage im;
    im.path = root / "photos" / "cat.jpg";
    im.width = 7;
    im.height = 5;
    ProjectInstance a;
    a.id = 1;
    a.label = "ear";
    a.mask = segllm::test::mask_from_rows({".......", "..#....", "..##...", "...#...", "......."});
    ProjectInstance b;
    b.id = 2;
    b.mask = segllm::test::mask_from_rows({"######.", "#....#.", "#....#.", "######.", "......."});
    ProjectInstance empty;
    empty.id = 3;
    empty.label = "gone";
    empty.mask = Mask(7, 5);
    im.instances = {a, b, empty};
    p.images.push_back(im);
    return p;
}

}  // namespace

class TestLabelme : public QObject {
    Q_OBJECT

private slots:
    void structure_and_crop() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const Project p = sample(root);
        const json doc = json::parse(segllm::labelme_to_string(p.images[0], root / "labelme", {}));
        for (const char* key :
             {"version", "flags", "shapes", "imagePath", "imageData", "imageHeight", "imageWidth"})
            QVERIFY2(doc.contains(key), key);
        QCOMPARE(doc["imagePath"].get<std::string>(), std::string("../photos/cat.jpg"));
        QVERIFY(doc["imageData"].is_null());
        QCOMPARE(doc["imageHeight"].get<int>(), 5);
        QCOMPARE(doc["imageWidth"].get<int>(), 7);
        QCOMPARE(doc["shapes"].size(), std::size_t{2});  // the empty instance has no shape

        const json& ear = doc["shapes"][0];
        QCOMPARE(ear["label"].get<std::string>(), std::string("ear"));
        QCOMPARE(ear["shape_type"].get<std::string>(), std::string("mask"));
        QVERIFY(ear["group_id"].is_null());
        QVERIFY(ear["flags"].is_object());
        // Pixels x 2..3, y 1..3: the points are the inclusive corners.
        QCOMPARE(ear["points"], json::parse("[[2, 1], [3, 3]]"));
        const std::string b64 = ear["mask"].get<std::string>();
        const auto bytes = segllm::base64_decode(b64);
        QCOMPARE(bytes[0], std::uint8_t{0x89});  // PNG signature
        const segllm::PngPixels crop = segllm::png_decode(bytes);
        QCOMPARE(crop.width, 2);
        QCOMPARE(crop.height, 3);
        QCOMPARE(crop.channels, 1);
        // Crop of rows 1..3, columns 2..3: "#.", "##", ".#" as 0/1 like labelme's own masks.
        QCOMPARE(crop.samples, (std::vector<std::uint16_t>{1, 0, 1, 1, 0, 1}));

        const json& frame = doc["shapes"][1];
        QCOMPARE(frame["label"].get<std::string>(), std::string("object"));  // default label
        QCOMPARE(frame["points"], json::parse("[[0, 0], [5, 3]]"));
    }

    void files_decode_to_same_masks() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const Project p = sample(root);
        const auto summary = segllm::write_labelme(p, root / "out", {});
        QCOMPARE(summary.files, 1);
        QCOMPARE(summary.shapes, 2);
        QCOMPARE(summary.skipped_empty, 1);
        const auto masks = segllm::read_labelme_masks(root / "out" / "cat.json");
        QCOMPARE(masks.size(), std::size_t{2});
        QCOMPARE(masks[0].label, std::string("ear"));
        QCOMPARE(masks[0].mask, p.images[0].instances[0].mask);
        QCOMPARE(masks[1].mask, p.images[0].instances[1].mask);
    }

    void bad_crop_is_reported() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const Project p = sample(root);
        json doc = json::parse(segllm::labelme_to_string(p.images[0], root, {}));
        doc["shapes"][0]["points"][1] = {4, 3};  // box wider than the stored crop
        segllm::write_file_atomic(root / "bad.json", doc.dump());
        try {
            segllm::read_labelme_masks(root / "bad.json");
            QFAIL("no error");
        } catch (const segllm::Error& e) {
            const std::string message = e.what();
            QVERIFY2(
                message.find("shapes[0].mask: crop is 2x3, the box is 3x3") != std::string::npos,
                message.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestLabelme)
#include "test_labelme.moc"
