// The project file: round trip, relative paths, validation of damaged files, failed saves.

#include "core/common/error.h"
#include "core/export/atomic_file.h"
#include "core/export/project_file.h"
#include "core/export/rle.h"
#include "tests/export/mask_text.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <csignal>
#include <fstream>

using nlohmann::json;
using segllm::Mask;
using segllm::Project;
using segllm::ProjectImage;
using segllm::ProjectInstance;
using segllm::ProjectRound;

namespace {

Project sample(const std::filesystem::path& root) {
    Project p;
    p.labels = {"cat", "tail"};
    ProjectImage im;
    im.path = root / "images" / "cat.png";
    im.width = 5;
    im.height = 4;
    im.rounds.push_back(ProjectRound{"segment the cat", {}, 1, 812.5});
    im.rounds.push_back(ProjectRound{"now its tail, not [1]", {1}, 2, 640.25});
    ProjectInstance cat;
    cat.id = 1;
    cat.label = "cat";
    cat.mask = segllm::test::mask_from_rows({".###.", "####.", ".###.", "....."});
    cat.box = {0, 0, 3, 2};
    cat.score = 0.875f;
    cat.round = 1;
    ProjectInstance tail;
    tail.id = 2;
    tail.label = "tail";
    tail.mask = segllm::test::mask_from_rows({".....", ".....", "....#", "....#"});
    tail.box = {4, 2, 4, 3};
    tail.score = 0.5f;
    tail.round = 2;
    tail.edited = true;
    tail.visible = false;
    im.instances = {cat, tail};
    ProjectImage other;
    other.path = root / "other.jpg";
    other.width = 2;
    other.height = 2;
    p.images = {im, other};
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

std::filesystem::path temp_root(const QTemporaryDir& dir) {
    return dir.path().toStdString();
}

}  // namespace

class TestProjectFile : public QObject {
    Q_OBJECT

private slots:
    void round_trip() {
        QTemporaryDir dir;
        const auto root = temp_root(dir);
        const Project p = sample(root);
        const auto file = root / "work.segllm";
        segllm::save_project(p, file);
        const Project back = segllm::load_project(file);
        QCOMPARE(back.version, 1);
        QCOMPARE(back.labels, p.labels);
        QCOMPARE(back.images.size(), p.images.size());
        for (std::size_t i = 0; i < p.images.size(); ++i) {
            const ProjectImage& a = p.images[i];
            const ProjectImage& b = back.images[i];
            QCOMPARE(b.path, a.path);
            QCOMPARE(b.width, a.width);
            QCOMPARE(b.height, a.height);
            QCOMPARE(b.rounds.size(), a.rounds.size());
            for (std::size_t r = 0; r < a.rounds.size(); ++r) {
                QCOMPARE(b.rounds[r].prompt, a.rounds[r].prompt);
                QCOMPARE(b.rounds[r].references, a.rounds[r].references);
                QCOMPARE(b.rounds[r].produced_instance, a.rounds[r].produced_instance);
                QCOMPARE(b.rounds[r].time_ms, a.rounds[r].time_ms);
            }
            QCOMPARE(b.instances.size(), a.instances.size());
            for (std::size_t k = 0; k < a.instances.size(); ++k) {
                const ProjectInstance& x = a.instances[k];
                const ProjectInstance& y = b.instances[k];
                QCOMPARE(y.id, x.id);
                QCOMPARE(y.mask, x.mask);
                QCOMPARE(y.box, x.box);
                QCOMPARE(y.label, x.label);
                QCOMPARE(y.score, x.score);
                QCOMPARE(y.round, x.round);
                QCOMPARE(y.edited, x.edited);
                QCOMPARE(y.visible, x.visible);
            }
        }
    }

    void file_layout() {
        QTemporaryDir dir;
        const auto root = temp_root(dir);
        const auto file = root / "sub" / "work.segllm";
        std::filesystem::create_directories(file.parent_path());
        segllm::save_project(sample(root), file);
        const json doc = json::parse(segllm::read_file(file));
        QCOMPARE(doc["format"].get<std::string>(), std::string("segllm-studio-project"));
        QCOMPARE(doc["version"].get<int>(), 1);
        // Paths relative to the project file's folder.
        QCOMPARE(doc["images"][0]["path"].get<std::string>(), std::string("../images/cat.png"));
        QCOMPARE(doc["images"][1]["path"].get<std::string>(), std::string("../other.jpg"));
        const json& mask = doc["images"][0]["instances"][1]["mask"];
        QCOMPARE(mask["size"], json({4, 5}));
        // Tail: column 4, rows 2..3 -> column-major index 18, counts 18, 2. 18 has bit 0x10,
        // so it takes two characters: (18 | 0x20) + 48 = 'b', then '0'; 2 -> '2'.
        QCOMPARE(mask["counts"].get<std::string>(), std::string("b02"));
        QCOMPARE(doc["images"][0]["rounds"][1]["references"], json({1}));
        QCOMPARE(doc["images"][0]["instances"][1]["box"], json({4, 2, 4, 3}));
        QCOMPARE(doc["images"][0]["instances"][1]["edited"].get<bool>(), true);
    }

    void damaged_files_are_reported_data() {
        QTest::addColumn<QString>("edit");  // what to break
        QTest::addColumn<QString>("expected");
        QTest::newRow("truncated") << "truncate"
                                   << "not valid JSON";
        QTest::newRow("bad rle sum") << "rle_sum"
                                     << "images[0].instances[0].mask.counts: RLE counts sum to";
        QTest::newRow("bad rle char")
            << "rle_char"
            << "images[0].instances[0].mask.counts: RLE counts string has character";
        QTest::newRow("mask size") << "mask_size"
                                   << "images[0].instances[0].mask.size: mask size 3x5";
        QTest::newRow("version") << "version"
                                 << "version: unknown version 2";
        QTest::newRow("format") << "format"
                                << "format: not a project file";
        QTest::newRow("missing key") << "missing"
                                     << "images[0].instances[1].label: missing";
        QTest::newRow("wrong type") << "type"
                                    << "images[0].width: expected an integer, got string";
        QTest::newRow("duplicate id") << "duplicate"
                                      << "images[0].instances[1].id: duplicate instance id 1";
        QTest::newRow("id zero") << "id0"
                                 << "images[0].instances[0].id: value 0 is out of range";
    }
    void damaged_files_are_reported() {
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const auto root = temp_root(dir);
        const auto file = root / "work.segllm";
        segllm::save_project(sample(root), file);
        std::string text = segllm::read_file(file);
        json doc = json::parse(text);
        json& inst = doc["images"][0]["instances"];
        if (edit == "truncate") {
            text = text.substr(0, text.size() / 2);
        } else {
            if (edit == "rle_sum")
                inst[0]["mask"]["counts"] = "12";
            if (edit == "rle_char")
                inst[0]["mask"]["counts"] = "1~";
            if (edit == "mask_size")
                inst[0]["mask"]["size"] = {3, 5};
            if (edit == "version")
                doc["version"] = 2;
            if (edit == "format")
                doc["format"] = "something-else";
            if (edit == "missing")
                inst[1].erase("label");
            if (edit == "type")
                doc["images"][0]["width"] = "5";
            if (edit == "duplicate")
                inst[1]["id"] = 1;
            if (edit == "id0")
                inst[0]["id"] = 0;
            text = doc.dump(1);
        }
        { std::ofstream(file, std::ios::binary | std::ios::trunc) << text; }
        const std::string message = error_of([&] { segllm::load_project(file); });
        QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
        // Loading never rewrites the damaged file.
        QCOMPARE(segllm::read_file(file), text);
    }

    void invalid_project_is_not_saved() {
        QTemporaryDir dir;
        const auto root = temp_root(dir);
        const auto file = root / "work.segllm";
        segllm::save_project(sample(root), file);
        const std::string before = segllm::read_file(file);
        Project bad = sample(root);
        bad.images[0].instances[1].id = 1;  // duplicate
        QVERIFY(error_of([&] { segllm::save_project(bad, file); }).find("duplicate") !=
                std::string::npos);
        bad = sample(root);
        bad.images[0].instances[0].mask = Mask(4, 4);
        QVERIFY(error_of([&] { segllm::save_project(bad, file); }).find("mask is 4x4") !=
                std::string::npos);
        QCOMPARE(segllm::read_file(file), before);
    }

    void save_failing_midway_keeps_old_file() {
        // A file-size limit makes write() fail partway through the temporary file (this also
        // happens as root, unlike permission bits).
        QTemporaryDir dir;
        const auto root = temp_root(dir);
        const auto file = root / "work.segllm";
        segllm::save_project(sample(root), file);
        const std::string before = segllm::read_file(file);

        Project big = sample(root);
        segllm::test::Lcg rng(3);
        for (int i = 0; i < 40; ++i) {
            ProjectImage im;
            im.path = root / ("img" + std::to_string(i) + ".png");
            im.width = 64;
            im.height = 64;
            ProjectInstance in;
            in.id = 1;
            in.mask = Mask(64, 64);
            for (auto& v : in.mask.data)
                v = rng.below(2);
            im.instances.push_back(in);
            big.images.push_back(im);
        }
        rlimit old_limit{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old_limit;
        small.rlim_cur = before.size() + 100;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const std::string message = error_of([&] { segllm::save_project(big, file); });
        setrlimit(RLIMIT_FSIZE, &old_limit);
        std::signal(SIGXFSZ, old_handler);

        QVERIFY2(message.find("writing the temporary file") != std::string::npos, message.c_str());
        QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
        QCOMPARE(segllm::read_file(file), before);
        int entries = 0;
        for (const auto& e : std::filesystem::directory_iterator(root)) {
            ++entries;
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos,
                     "temporary file left behind");
        }
        QCOMPARE(entries, 1);
        // With the limit lifted the same save succeeds.
        segllm::save_project(big, file);
        QCOMPARE(segllm::load_project(file).images.size(), big.images.size());
    }
};

QTEST_APPLESS_MAIN(TestProjectFile)
#include "test_project_file.moc"
