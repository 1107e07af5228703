// Benchmark folders on disk: PNG encodings of scenes and masks, the writer's files and their
// round trip through the reader, determinism, and the refusal to mix with other files.

#include "core/common/error.h"
#include "core/synth/benchmark_files.h"

#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace segllm;
using namespace segllm::synth;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

BenchmarkOptions options(int count, std::uint64_t seed) {
    BenchmarkOptions o;
    o.count = count;
    o.seed = seed;
    o.rounds = {1, 4};
    return o;
}

}  // namespace

class TestSynthBenchmarkFiles : public QObject {
    Q_OBJECT

private slots:
    void pngRoundTrip() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        RgbImage image(5, 3);
        for (std::size_t i = 0; i < image.data.size(); ++i) {
            image.data[i] = static_cast<std::uint8_t>(i * 17);
        }
        write_png_rgb(dir + "/a.png", image);
        const RgbImage back = read_png_rgb(dir + "/a.png");
        QCOMPARE(back.width, 5);
        QCOMPARE(back.height, 3);
        QVERIFY(back.data == image.data);
        // Channel order on disk: OpenCV reads BGR, so pixel (0,0) = (0, 17, 34) reads as (34, 17,
        // 0).
        const cv::Mat raw = cv::imread(dir + "/a.png", cv::IMREAD_UNCHANGED);
        QCOMPARE(raw.at<cv::Vec3b>(0, 0)[0], std::uint8_t(34));
        QCOMPARE(raw.at<cv::Vec3b>(0, 0)[2], std::uint8_t(0));

        Mask mask(4, 2);
        mask.at(1, 0) = 1;
        mask.at(3, 1) = 1;
        write_png_mask(dir + "/m.png", mask);
        const cv::Mat m = cv::imread(dir + "/m.png", cv::IMREAD_UNCHANGED);
        QCOMPARE(m.type(), CV_8UC1);
        QCOMPARE(int(m.at<std::uint8_t>(0, 1)), 255);
        QCOMPARE(int(m.at<std::uint8_t>(0, 0)), 0);
        QCOMPARE(int(m.at<std::uint8_t>(1, 3)), 255);
        QVERIFY(read_png_mask(dir + "/m.png") == mask);
        QVERIFY(read_png_mask(dir + "/m.png", 4, 2) == mask);
    }

    void badMasksNameTheFile() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        write_png_rgb(dir + "/rgb.png", RgbImage(4, 4));
        write_png_mask(dir + "/m.png", Mask(4, 4));
        std::ofstream(dir + "/junk.png") << "not a png";
        const std::pair<std::string, std::string> cases[] = {
            {"rgb.png", "one channel"}, {"junk.png", "junk.png"}, {"none.png", "none.png"}};
        for (const auto& [file, reason] : cases) {
            try {
                read_png_mask(dir + "/" + file);
                QFAIL("no error");
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(file)), e.what());
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(reason)), e.what());
            }
        }
        QVERIFY_THROWS_EXCEPTION(Error, read_png_mask(dir + "/m.png", 5, 4));
        QVERIFY_THROWS_EXCEPTION(Error, read_png_rgb(dir + "/junk.png"));
    }

    void writtenFolderReadsBack() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/bench";
        const BenchmarkOptions o = options(5, 21);
        int calls = 0;
        write_benchmark(dir, o, false, [&](int done, int total) {
            ++calls;
            QCOMPARE(done, calls);
            QCOMPARE(total, 5);
        });
        QCOMPARE(calls, 5);
        const std::vector<BenchmarkEntry> entries = read_benchmark(dir);
        QCOMPARE(entries.size(), std::size_t(5));
        for (int i = 0; i < 5; ++i) {
            const Conversation c = benchmark_conversation(o, i);
            const BenchmarkEntry& e = entries[std::size_t(i)];
            const std::string stem = benchmark_stem(i);
            QCOMPARE(fs::path(e.image_path), fs::path(dir) / (stem + ".png"));
            const RgbImage image = read_png_rgb(e.image_path);
            QVERIFY(image.data == c.scene.image.data);
            QCOMPARE(e.rounds.size(), c.rounds.size());
            for (std::size_t r = 0; r < c.rounds.size(); ++r) {
                QCOMPARE(e.rounds[r].prompt, c.rounds[r].prompt);
                QVERIFY(e.rounds[r].type == c.rounds[r].type);
                QCOMPARE(e.rounds[r].references, c.rounds[r].references);
                const Mask mask = read_png_mask(e.rounds[r].mask_path, image.width, image.height);
                const Instance& answer = c.scene.instances[std::size_t(c.rounds[r].answer)];
                QVERIFY(mask == answer.mask);
                // Only 0 and 255 on disk.
                const cv::Mat raw = cv::imread(e.rounds[r].mask_path, cv::IMREAD_UNCHANGED);
                QCOMPARE(raw.type(), CV_8UC1);
                QCOMPARE(cv::countNonZero(raw), int(answer.area));
                QCOMPARE(cv::countNonZero(raw == 255), int(answer.area));
            }
            QCOMPARE(slurp(e.json_path), conversation_json(stem, c.rounds));
        }
    }

    void sameSeedSameFiles() {
        QTemporaryDir tmp;
        const std::string a = tmp.path().toStdString() + "/a";
        const std::string b = tmp.path().toStdString() + "/b";
        const std::string c = tmp.path().toStdString() + "/c";
        write_benchmark(a, options(4, 5));
        write_benchmark(b, options(4, 5));
        write_benchmark(c, options(4, 6));
        bool differs = false;
        for (int i = 0; i < 4; ++i) {
            const std::string json = benchmark_stem(i) + ".json";
            const std::string png = benchmark_stem(i) + ".png";
            QCOMPARE(slurp(a + "/" + json), slurp(b + "/" + json));
            QVERIFY(read_png_rgb(a + "/" + png).data == read_png_rgb(b + "/" + png).data);
            differs = differs || slurp(a + "/" + json) != slurp(c + "/" + json);
            differs =
                differs || read_png_rgb(a + "/" + png).data != read_png_rgb(c + "/" + png).data;
        }
        QVERIFY(differs);
    }

    void mixedSizesWriteMatchingMasks() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        BenchmarkOptions o = options(3, 8);
        o.mixed_size = true;
        write_benchmark(dir, o);
        for (const BenchmarkEntry& e : read_benchmark(dir)) {
            const RgbImage image = read_png_rgb(e.image_path);
            QVERIFY(image.width >= 96 && image.width <= 512);
            QVERIFY(image.height >= 96 && image.height <= 512);
            for (const BenchmarkRound& r : e.rounds) {
                read_png_mask(r.mask_path, image.width, image.height);  // throws on a size mismatch
            }
        }
    }

    void nonEmptyFolderNeedsOverwrite() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        std::ofstream(dir + "/notes.txt") << "keep me";
        std::ofstream(dir + "/scene_0042.json") << "{}";
        std::ofstream(dir + "/scene_0042_r1.png") << "";
        try {
            write_benchmark(dir, options(2, 1));
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(QString::fromStdString(dir)), e.what());
        }
        write_benchmark(dir, options(2, 1), true);
        QVERIFY(fs::exists(dir + "/notes.txt"));
        QVERIFY(!fs::exists(dir + "/scene_0042.json"));
        QVERIFY(!fs::exists(dir + "/scene_0042_r1.png"));
        QCOMPARE(read_benchmark(dir).size(), std::size_t(2));
        QVERIFY_THROWS_EXCEPTION(Error, write_benchmark(dir + "/x", options(0, 1)));
    }
};

QTEST_APPLESS_MAIN(TestSynthBenchmarkFiles)
#include "test_synth_benchmark_files.moc"
