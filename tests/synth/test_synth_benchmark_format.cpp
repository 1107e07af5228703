// The benchmark JSON format (synthetic-world.md, "Benchmark format"): exact text, parsing with
// paths relative to the JSON file, optional masks, and errors that name the file.

#include "core/common/error.h"
#include "core/synth/benchmark_format.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

using namespace segllm;
using namespace segllm::synth;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

const char* kSpecExample = R"({
  "image": "scene_0007.png",
  "rounds": [
    {"prompt": "Segment the red circle.", "mask": "scene_0007_r1.png", "type": "absolute"},
    {"prompt": "Find the shape left of [1].", "mask": "scene_0007_r2.png", "type": "positional"}
  ]
}
)";

}  // namespace

class TestSynthBenchmarkFormat : public QObject {
    Q_OBJECT

private slots:
    void stems() {
        QCOMPARE(benchmark_stem(0), std::string("scene_0000"));
        QCOMPARE(benchmark_stem(7), std::string("scene_0007"));
        QCOMPARE(benchmark_stem(12345), std::string("scene_12345"));
    }

    void jsonTextIsTheSpecLayout() {
        Round a;
        a.prompt = "Segment the red circle.";
        a.type = RelationType::absolute;
        Round b;
        b.prompt = "Find the shape left of [1].";
        b.type = RelationType::positional;
        QCOMPARE(conversation_json("scene_0007", {a, b}), std::string(kSpecExample));
    }

    void parsesTheSpecExample() {
        const BenchmarkEntry e =
            parse_conversation_json(kSpecExample, "/data/bench/scene_0007.json");
        QCOMPARE(e.json_path, std::string("/data/bench/scene_0007.json"));
        QCOMPARE(e.image_path, std::string("/data/bench/scene_0007.png"));
        QCOMPARE(e.rounds.size(), std::size_t(2));
        QCOMPARE(e.rounds[0].prompt, std::string("Segment the red circle."));
        QCOMPARE(e.rounds[0].mask_path, std::string("/data/bench/scene_0007_r1.png"));
        QVERIFY(e.rounds[0].type == RelationType::absolute);
        QVERIFY(e.rounds[0].references.empty());
        QCOMPARE(e.rounds[1].mask_path, std::string("/data/bench/scene_0007_r2.png"));
        QVERIFY(e.rounds[1].type == RelationType::positional);
        QCOMPARE(e.rounds[1].references, std::vector<int>{1});
    }

    void masksAndTypesAreOptional() {
        const std::string text =
            R"({"image": "../img/a.png", "rounds": [{"prompt": "Find the ring."},)"
            R"( {"prompt": "Now the dot inside [1] and [1].", "type": "hierarchical"}]})";
        const BenchmarkEntry e = parse_conversation_json(text, "/x/y/conv.json");
        QCOMPARE(e.image_path, std::string("/x/img/a.png"));
        QVERIFY(e.rounds[0].mask_path.empty());
        QVERIFY(!e.rounds[0].type.has_value());
        QVERIFY(e.rounds[1].type == RelationType::hierarchical);
        QCOMPARE(e.rounds[1].references, (std::vector<int>{1, 1}));
    }

    void promptReferences() {
        QCOMPARE(prompt_references("the shape left of [2]"), std::vector<int>{2});
        QCOMPARE(prompt_references("[1] [x] [ 3] [12]"), (std::vector<int>{1, 12}));
        QVERIFY(prompt_references("no refs").empty());
    }

    void badJsonNamesTheFile_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << "{\"image\": "
                                  << "invalid JSON";
        QTest::newRow("array") << "[1, 2]"
                               << "not a JSON object";
        QTest::newRow("no image") << R"({"rounds": [{"prompt": "Find the ring."}]})"
                                  << "image";
        QTest::newRow("image number") << R"({"image": 3, "rounds": [{"prompt": "x"}]})"
                                      << "not a string";
        QTest::newRow("no rounds") << R"({"image": "a.png", "rounds": []})"
                                   << "rounds";
        QTest::newRow("no prompt") << R"({"image": "a.png", "rounds": [{"mask": "m.png"}]})"
                                   << "prompt";
        QTest::newRow("bad type")
            << R"({"image": "a.png", "rounds": [{"prompt": "x", "type": "spatial"}]})"
            << "unknown type";
        QTest::newRow("forward reference")
            << R"({"image": "a.png", "rounds": [{"prompt": "x"}, {"prompt": "the shape left of [2]"}]})"
            << "[2]";
        QTest::newRow("zero reference")
            << R"({"image": "a.png", "rounds": [{"prompt": "x"}, {"prompt": "the dot inside [0]"}]})"
            << "[0]";
    }
    void badJsonNamesTheFile() {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        try {
            parse_conversation_json(text.toStdString(), "/b/scene_0003.json");
            QFAIL("no error");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("/b/scene_0003.json"), qPrintable(what));
            QVERIFY2(what.contains(reason), qPrintable(what));
        }
    }

    void readsAFolder() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string dir = tmp.path().toStdString();
        write_file(dir + "/b.json",
                   R"({"image": "b.png", "rounds": [{"prompt": "Find the ring."}]})");
        write_file(dir + "/a.json", kSpecExample);
        write_file(dir + "/notes.txt", "not a conversation");
        for (const char* f :
             {"b.png", "scene_0007.png", "scene_0007_r1.png", "scene_0007_r2.png"}) {
            write_file(dir + "/" + f, "");
        }
        const std::vector<BenchmarkEntry> all = read_benchmark(dir);
        QCOMPARE(all.size(), std::size_t(2));
        QCOMPARE(fs::path(all[0].json_path).filename().string(), std::string("a.json"));
        QCOMPARE(fs::path(all[0].image_path), fs::path(dir) / "scene_0007.png");
        QCOMPARE(fs::path(all[1].image_path), fs::path(dir) / "b.png");
        // A single file also reads.
        QCOMPARE(read_benchmark(dir + "/b.json").size(), std::size_t(1));
        // A missing mask names the JSON file and the mask.
        fs::remove(dir + "/scene_0007_r2.png");
        try {
            read_benchmark(dir);
            QFAIL("no error");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("a.json") && what.contains("scene_0007_r2.png"),
                     qPrintable(what));
        }
        fs::remove(dir + "/b.png");
        try {
            read_benchmark(dir + "/b.json");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("b.json"), e.what());
        }
    }

    void emptyOrMissingFolderThrows() {
        QTemporaryDir tmp;
        QVERIFY_THROWS_EXCEPTION(Error, read_benchmark(tmp.path().toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, read_benchmark(tmp.path().toStdString() + "/nothing"));
    }

    void conversationsDependOnIndexNotCount() {
        BenchmarkOptions small;
        small.count = 3;
        small.seed = 9;
        BenchmarkOptions large = small;
        large.count = 50;
        const Conversation a = benchmark_conversation(small, 2);
        const Conversation b = benchmark_conversation(large, 2);
        QVERIFY(a.scene.image.data == b.scene.image.data);
        QCOMPARE(conversation_json("s", a.rounds), conversation_json("s", b.rounds));
        QVERIFY(benchmark_conversation(small, 1).scene.image.data != a.scene.image.data);
    }

    void mixedSizesStayInBounds() {
        BenchmarkOptions o;
        o.count = 30;
        o.seed = 4;
        o.mixed_size = true;
        std::set<std::pair<int, int>> sizes;
        for (int i = 0; i < 30; ++i) {
            const Conversation c = benchmark_conversation(o, i);
            QVERIFY(c.scene.image.width >= 96 && c.scene.image.width <= 512);
            QVERIFY(c.scene.image.height >= 96 && c.scene.image.height <= 512);
            sizes.insert({c.scene.image.width, c.scene.image.height});
        }
        QVERIFY(sizes.size() > 20);
    }
};

QTEST_APPLESS_MAIN(TestSynthBenchmarkFormat)
#include "test_synth_benchmark_format.moc"
