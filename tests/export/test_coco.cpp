// COCO export and import: pycocotools' expectations, hand-computed area/bbox/RLE, round trips.

#include "core/common/error.h"
#include "core/export/coco.h"
#include "core/export/rle.h"
#include "tests/export/mask_text.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <fstream>

using nlohmann::json;
using segllm::Mask;
using segllm::Project;
using segllm::ProjectImage;
using segllm::ProjectInstance;

namespace {

ProjectInstance make_instance(int id, const std::string& label, const Mask& mask) {
    ProjectInstance in;
    in.id = id;
    in.label = label;
    in.mask = mask;
    if (auto box = segllm::mask_box(mask))
        in.box = *box;
    in.score = 0.5f;
    return in;
}

// Image 1 (6x5): "cat" of three pixels, an unlabelled ring with a hole, an empty instance.
// Image 2 (4x3): one "dog" rectangle and one "cat" pixel.
Project sample_project(const std::filesystem::path& folder) {
    Project p;
    p.labels = {"dog", "cat", "dog", ""};  // duplicate and empty entries are dropped
    ProjectImage a;
    a.path = folder / "images" / "a.png";
    a.width = 6;
    a.height = 5;
    a.instances.push_back(make_instance(
        1, "cat",
        segllm::test::mask_from_rows({"......", "......", ".#..#.", "..#...", "......"})));
    a.instances.push_back(make_instance(
        3, "", segllm::test::mask_from_rows({"......", ".###..", ".#.#..", ".###..", "......"})));
    a.instances.push_back(make_instance(4, "cat", Mask(6, 5)));
    ProjectImage b;
    b.path = folder / "images" / "b.png";
    b.width = 4;
    b.height = 3;
    b.instances.push_back(
        make_instance(1, "dog", segllm::test::mask_from_rows({".##.", ".##.", "...."})));
    b.instances.push_back(
        make_instance(2, "cat", segllm::test::mask_from_rows({"....", "....", "...#"})));
    p.images = {a, b};
    return p;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

}  // namespace

class TestCoco : public QObject {
    Q_OBJECT

private slots:
    void empty_project_has_every_block() {
        const json doc = json::parse(segllm::coco_to_string(Project{}, {}));
        for (const char* key : {"images", "annotations", "categories", "licenses"}) {
            QVERIFY2(doc.contains(key) && doc[key].is_array() && doc[key].empty(), key);
        }
        QVERIFY(doc["info"].is_object());
        QVERIFY(doc["info"].contains("year") && doc["info"].contains("version"));
    }

    void pycocotools_expectations() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        segllm::CocoExportOptions options;
        options.image_root = root;
        segllm::CocoExportSummary summary;
        const json doc =
            json::parse(segllm::coco_to_string(sample_project(root), options, &summary));

        // Categories: list order, then the default for the unlabelled ring; ids 1..n.
        QCOMPARE(doc["categories"].size(), std::size_t{3});
        const std::vector<std::string> names = {"dog", "cat", "object"};
        for (std::size_t k = 0; k < names.size(); ++k) {
            QCOMPARE(doc["categories"][k]["id"].get<int>(), static_cast<int>(k) + 1);
            QCOMPARE(doc["categories"][k]["name"].get<std::string>(), names[k]);
        }
        // Images: ids from 1, relative file names, sizes.
        QCOMPARE(doc["images"].size(), std::size_t{2});
        QCOMPARE(doc["images"][0]["id"].get<int>(), 1);
        QCOMPARE(doc["images"][1]["id"].get<int>(), 2);
        QCOMPARE(doc["images"][0]["file_name"].get<std::string>(), std::string("images/a.png"));
        QCOMPARE(doc["images"][0]["width"].get<int>(), 6);
        QCOMPARE(doc["images"][0]["height"].get<int>(), 5);
        // Annotations: the empty instance is skipped; ids 1..4; iscrowd is the integer 0.
        QCOMPARE(summary.skipped_empty, 1);
        const json& anns = doc["annotations"];
        QCOMPARE(anns.size(), std::size_t{4});
        for (std::size_t i = 0; i < anns.size(); ++i) {
            QCOMPARE(anns[i]["id"].get<int>(), static_cast<int>(i) + 1);
            QVERIFY(anns[i]["iscrowd"].is_number_integer());
            QCOMPARE(anns[i]["iscrowd"].get<int>(), 0);
            QVERIFY(anns[i]["segmentation"].is_object());
            QVERIFY(anns[i]["segmentation"]["counts"].is_string());
        }
        // "cat" pixels (1,2), (4,2), (2,3): area 3, bbox x 1, y 2, w 4-1+1 = 4, h 3-2+1 = 2.
        QCOMPARE(anns[0]["image_id"].get<int>(), 1);
        QCOMPARE(anns[0]["category_id"].get<int>(), 2);
        QCOMPARE(anns[0]["area"].get<int>(), 3);
        QCOMPARE(anns[0]["bbox"], json({1, 2, 4, 2}));
        // size is [height, width]; column-major index x * 5 + y: (1,2) -> 7, (2,3) -> 13,
        // (4,2) -> 22, so the runs are 7 zeros, 1, 5 zeros, 1, 8 zeros, 1, 7 zeros.
        QCOMPARE(anns[0]["segmentation"]["size"], json({5, 6}));
        QCOMPARE(
            segllm::rle_counts_from_string(anns[0]["segmentation"]["counts"].get<std::string>()),
            (std::vector<std::uint32_t>{7, 1, 5, 1, 8, 1, 7}));
        // Ring: 8 pixels, box 1..3 x 1..3; default category 3.
        QCOMPARE(anns[1]["category_id"].get<int>(), 3);
        QCOMPARE(anns[1]["area"].get<int>(), 8);
        QCOMPARE(anns[1]["bbox"], json({1, 1, 3, 3}));
        // Image 2: rectangle x 1..2, y 0..1.
        QCOMPARE(anns[2]["image_id"].get<int>(), 2);
        QCOMPARE(anns[2]["category_id"].get<int>(), 1);
        QCOMPARE(anns[2]["area"].get<int>(), 4);
        QCOMPARE(anns[2]["bbox"], json({1, 0, 2, 2}));
        QCOMPARE(anns[3]["bbox"], json({3, 2, 1, 1}));
    }

    void polygons_where_exact() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        segllm::CocoExportOptions options;
        options.polygons = true;
        options.image_root = root;
        segllm::CocoExportSummary summary;
        const json doc =
            json::parse(segllm::coco_to_string(sample_project(root), options, &summary));
        const json& anns = doc["annotations"];
        // The ring has a hole: it stays RLE. The others are polygons.
        QVERIFY(anns[1]["segmentation"].is_object());
        QCOMPARE(summary.polygon_annotations, 3);
        for (std::size_t i : {std::size_t{0}, std::size_t{2}, std::size_t{3}}) {
            const json& seg = anns[i]["segmentation"];
            QVERIFY(seg.is_array() && !seg.empty());
            for (const json& poly : seg) {
                // Never fewer than 3 points, never the 4-number form pycocotools reads as a box.
                QVERIFY(poly.size() >= 6 && poly.size() % 2 == 0);
                QVERIFY(poly.size() != 4);
            }
        }
        // The three separate "cat" pixels are three squares; the dog rectangle one polygon.
        QCOMPARE(anns[0]["segmentation"].size(), std::size_t{3});
        QCOMPARE(anns[2]["segmentation"], json::parse("[[3,0,3,2,1,2,1,0]]"));
        QCOMPARE(anns[2]["area"].get<int>(), 4);
    }

    void export_import_round_trip_data() {
        QTest::addColumn<bool>("polygons");
        QTest::newRow("rle") << false;
        QTest::newRow("polygons") << true;
    }
    void export_import_round_trip() {
        QFETCH(bool, polygons);
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const Project original = sample_project(root);
        segllm::CocoExportOptions options;
        options.polygons = polygons;
        options.image_root = root;
        const std::filesystem::path file = root / "export" / "coco.json";
        std::filesystem::create_directories(file.parent_path());
        segllm::write_coco(original, file, options);
        const Project back = segllm::read_coco(file, root);

        QCOMPARE(back.labels, (std::vector<std::string>{"dog", "cat", "object"}));
        QCOMPARE(back.images.size(), original.images.size());
        for (std::size_t i = 0; i < original.images.size(); ++i) {
            QCOMPARE(back.images[i].path, original.images[i].path);
            QCOMPARE(back.images[i].width, original.images[i].width);
            QCOMPARE(back.images[i].height, original.images[i].height);
            std::vector<const ProjectInstance*> kept;
            for (const auto& in : original.images[i].instances)
                if (segllm::mask_area(in.mask) > 0)
                    kept.push_back(&in);
            QCOMPARE(back.images[i].instances.size(), kept.size());
            for (std::size_t k = 0; k < kept.size(); ++k) {
                const ProjectInstance& got = back.images[i].instances[k];
                QCOMPARE(got.id, static_cast<int>(k) + 1);
                QCOMPARE(got.mask, kept[k]->mask);
                QCOMPARE(got.label,
                         kept[k]->label.empty() ? std::string("object") : kept[k]->label);
            }
        }
    }

    void import_hand_written_file() {
        // Uncompressed RLE, a polygon in pixel-corner coordinates, a box-only annotation, odd ids.
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        write_text(root / "in.json", R"({
          "images": [{"id": 7, "file_name": "x/p.jpg", "width": 4, "height": 3}],
          "categories": [{"id": 5, "name": "b"}, {"id": 2, "name": "a"}],
          "annotations": [
            {"id": 1, "image_id": 7, "category_id": 2, "iscrowd": 0,
             "segmentation": {"size": [3, 4], "counts": [3, 2, 7]}},
            {"id": 2, "image_id": 7, "category_id": 5, "score": 0.25,
             "segmentation": [[0, 0, 2, 0, 2, 1, 0, 1]]},
            {"id": 3, "image_id": 7, "category_id": 5, "segmentation": [], "bbox": [3, 1, 1, 2]}
          ]})");
        const Project p = segllm::read_coco(root / "in.json");
        QCOMPARE(p.labels, (std::vector<std::string>{"a", "b"}));  // by category id
        QCOMPARE(p.images.size(), std::size_t{1});
        QCOMPARE(p.images[0].path, (root / "x" / "p.jpg"));
        const auto& ins = p.images[0].instances;
        QCOMPARE(ins.size(), std::size_t{3});
        // counts 3,2,7 on 3x4: column-major indices 3,4 = column 1, rows 0 and 1.
        QCOMPARE(ins[0].mask, segllm::test::mask_from_rows({".#..", ".#..", "...."}));
        QCOMPARE(ins[0].label, std::string("a"));
        QCOMPARE(ins[1].mask, segllm::test::mask_from_rows({"##..", "....", "...."}));
        QCOMPARE(ins[1].score, 0.25f);
        QCOMPARE(ins[2].mask, segllm::test::mask_from_rows({"....", "...#", "...#"}));
        QCOMPARE(ins[2].box, (segllm::PixelBox{3, 1, 3, 2}));
    }

    void import_errors_name_file_and_path() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const std::string head =
            R"({"images": [{"id": 1, "file_name": "a.png", "width": 3, "height": 3}],
                "categories": [{"id": 1, "name": "c"}], "annotations": [)";
        struct Case {
            std::string annotations;
            std::string expected;
        };
        const std::vector<Case> cases = {
            {R"({"id": 1, "image_id": 1, "category_id": 1,
                 "segmentation": {"size": [3, 3], "counts": "32"}})",
             "annotations[0].segmentation.counts: RLE counts sum to 5, expected 9"},
            {R"({"id": 1, "image_id": 1, "category_id": 1,
                 "segmentation": {"size": [4, 3], "counts": "<"}})",
             "annotations[0].segmentation.size: mask size 4x3"},
            {R"({"id": 1, "image_id": 2, "category_id": 1, "segmentation": []})",
             "annotations[0].image_id: no image has this id"},
            {R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 2, 2]]})",
             "annotations[0].segmentation[0]: a polygon needs"},
            {R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": "x"})",
             "annotations[0].segmentation: expected polygons"},
        };
        for (const Case& c : cases) {
            write_text(root / "bad.json", head + c.annotations + "]}");
            const std::string message = error_of([&] { segllm::read_coco(root / "bad.json"); });
            QVERIFY2(message.find((root / "bad.json").string()) != std::string::npos,
                     message.c_str());
            QVERIFY2(message.find(c.expected) != std::string::npos, message.c_str());
        }
        write_text(root / "cut.json", head);
        QVERIFY(error_of([&] { segllm::read_coco(root / "cut.json"); }).find("not valid JSON") !=
                std::string::npos);
    }

    void rejects_mask_of_wrong_size() {
        Project p;
        ProjectImage im;
        im.path = "a.png";
        im.width = 4;
        im.height = 4;
        im.instances.push_back(make_instance(1, "x", Mask(3, 4)));
        p.images.push_back(im);
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::coco_to_string(p, {}));
    }
};

QTEST_APPLESS_MAIN(TestCoco)
#include "test_coco.moc"
