// SafetensorsFile maps the file instead of reading it: opening a 256 MiB file costs almost no
// resident memory, the mapping exists exactly while the object lives, and tensors are copies
// that stay valid (and independent of the file) after the object is destroyed.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/weights/safetensors.h"
#include "weights_test_util.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace segllm::weights;
using namespace segllm::weights::test;

namespace {

constexpr std::uint64_t kBig = 256ull << 20;  // 256 MiB of U8

// Resident set size of this process, from /proc/self/status.
std::uint64_t resident_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            std::uint64_t kib = 0;
            fields >> kib;
            return kib * 1024;
        }
    }
    return 0;
}

struct Range {
    std::uintptr_t begin = 0, end = 0;
};

// Address ranges at which `path` is mapped into this process, from /proc/self/maps.
std::vector<Range> mappings_of(const std::string& path) {
    std::vector<Range> out;
    std::ifstream in("/proc/self/maps");
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < path.size() ||
            line.compare(line.size() - path.size(), path.size(), path) != 0) {
            continue;
        }
        Range r;
        char dash = 0;
        std::istringstream fields(line);
        fields >> std::hex >> r.begin >> dash >> r.end;
        out.push_back(r);
    }
    return out;
}

// A sparse file: "big" (U8, 256 MiB of zeros never written) then "small" (F32 {1.5, -4}).
std::string make_big_file(const QTemporaryDir& dir) {
    const std::string path = dir.filePath("big.safetensors").toStdString();
    const std::string header = padded(
        "{\"big\":{\"dtype\":\"U8\",\"shape\":[268435456],\"data_offsets\":[0,268435456]},"
        "\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[268435456,268435464]}}");
    write_file(path, le64(header.size()) + header);
    const std::uint64_t data_start = 8 + header.size();
    if (::truncate(path.c_str(), static_cast<off_t>(data_start + kBig)) != 0) {
        return {};
    }
    std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(static_cast<std::streamoff>(data_start + kBig));
    const std::string small = hex("00 00 c0 3f 00 00 80 c0");
    out.write(small.data(), static_cast<std::streamsize>(small.size()));
    return QFileInfo(QString::fromStdString(path)).canonicalFilePath().toStdString();
}

}  // namespace

class TestSafetensorsMapping : public QObject {
    Q_OBJECT

private slots:
    void openMapsInsteadOfReading();
    void tensorsOutliveTheFile();
    void moveKeepsTheMapping();
};

void TestSafetensorsMapping::openMapsInsteadOfReading() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = make_big_file(dir);
    QVERIFY(!path.empty());
    QVERIFY(mappings_of(path).empty());
    {
        const std::uint64_t before = resident_bytes();
        const SafetensorsFile st = SafetensorsFile::open(path);
        QCOMPARE(st.file_size(), st.data_offset() + kBig + 8);
        const at::Tensor small = st.tensor("small");
        const std::uint64_t after = resident_bytes();
        QVERIFY2(after < before + (32ull << 20),
                 qPrintable(QString("resident memory grew by %1 bytes")
                                .arg(static_cast<qulonglong>(after - before))));
        QCOMPARE(small[0].item<float>(), 1.5f);
        QCOMPARE(small[1].item<float>(), -4.0f);

        const std::vector<Range> maps = mappings_of(path);
        QCOMPARE(maps.size(), std::size_t{1});
        QVERIFY(maps[0].end - maps[0].begin >= st.file_size());
        // The tensor owns its bytes: they are not inside the mapping.
        const auto p = reinterpret_cast<std::uintptr_t>(small.data_ptr());
        QVERIFY(p < maps[0].begin || p >= maps[0].end);
        QCOMPARE(st.info("big").end - st.info("big").begin, kBig);
    }
    QVERIFY(mappings_of(path).empty());  // unmapped with the object
}

void TestSafetensorsMapping::tensorsOutliveTheFile() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("small.safetensors").toStdString();
    const std::string header =
        padded("{\"w\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[0,12]}}");
    write_file(path, file_bytes(header, hex("01 00 00 00 02 00 00 00 03 00 00 00")));
    at::Tensor w;
    {
        const SafetensorsFile st = SafetensorsFile::open(path);
        w = st.tensor("w");
        w[0] = 100;  // a private copy: the file is untouched
        QCOMPARE(st.tensor("w")[0].item<int>(), 1);
    }
    // The file is gone and its place is taken by other bytes; the tensor keeps its values.
    write_file(path, file_bytes(header, hex("09 00 00 00 09 00 00 00 09 00 00 00")));
    QVERIFY(QFile::remove(QString::fromStdString(path)));
    QCOMPARE(w[0].item<int>(), 100);
    QCOMPARE(w[1].item<int>(), 2);
    QCOMPARE(w[2].item<int>(), 3);
}

void TestSafetensorsMapping::moveKeepsTheMapping() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("m.safetensors").toStdString();
    write_safetensors(path, {{"x", at::full({2}, 2.5, at::kFloat)}});
    std::vector<SafetensorsFile> files;
    files.push_back(SafetensorsFile::open(path));
    files.push_back(SafetensorsFile::open(path));  // may reallocate: moves the first
    SafetensorsFile moved = std::move(files[0]);
    QCOMPARE(moved.tensor("x")[1].item<float>(), 2.5f);
    QCOMPARE(files[1].path(), path);
    QCOMPARE(moved.info("x").file, path);
}

QTEST_APPLESS_MAIN(TestSafetensorsMapping)
#include "test_safetensors_mapping.moc"
