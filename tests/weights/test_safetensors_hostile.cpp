// Malformed and hostile safetensors files, crafted byte by byte: each must be refused with a
// segllm::Error naming the file (and the tensor, where one is concerned), never a crash.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/weights/safetensors.h"
#include "weights_test_util.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace segllm::weights;
using namespace segllm::weights::test;

namespace {

// A one-tensor header around `entry` (the JSON object of tensor "w").
std::string one(const std::string& entry) {
    return padded("{\"w\":" + entry + "}");
}

// A valid file of two F32 tensors, "a" = {1, 2} and "b" = {3}.
std::string two_tensor_file() {
    return file_bytes(padded("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                             "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}"),
                      hex("00 00 80 3f 00 00 00 40 00 00 40 40"));
}

}  // namespace

class TestSafetensorsHostile : public QObject {
    Q_OBJECT

private slots:
    void refused_data();
    void refused();
    void missingFileAndFolder();
    void everyTruncationRefused();
    void everyByteMutationSafe();
};

void TestSafetensorsHostile::refused_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("tensor");  // "" when no tensor is concerned
    QTest::addColumn<QString>("fragment");
    auto row = [](const char* name, const std::string& bytes, const char* tensor,
                  const char* fragment) {
        QTest::newRow(name) << QByteArray::fromStdString(bytes) << QString(tensor)
                            << QString(fragment);
    };
    const std::string f32x1 = hex("00 00 80 3f");
    const std::string ok_entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    // Length prefix and header framing.
    row("empty file", "", "", "empty");
    row("five bytes", "abcde", "", "too few");
    row("absurd header length", le64(0xffffffffffffffffULL) + "{}", "", "exceeds the limit");
    row("header length above 100 MB", le64(100000001) + "{}      ", "", "exceeds the limit");
    row("header length beyond file", le64(1000) + padded("{}"), "",
        "runs past the end of the file");
    row("header length zero", le64(0), "", "not valid JSON");
    row("header not JSON", file_bytes(padded("{\"w\":"), ""), "", "not valid JSON");
    row("header bad UTF-8", file_bytes(padded("{\"w\xff\":1}"), ""), "", "not valid JSON");
    row("header is an array", file_bytes(padded("[1,2]"), ""), "", "not a JSON object");
    row("header is a string", file_bytes(padded("\"w\""), ""), "", "not a JSON object");
    row("header nested deeply",
        file_bytes(padded(std::string(200, '[') + std::string(200, ']')), ""), "", "nested deeper");

    // Entries.
    row("entry not an object", file_bytes(one("5"), ""), "w", "entry is not a JSON object");
    row("missing dtype", file_bytes(one("{\"shape\":[1],\"data_offsets\":[0,4]}"), f32x1), "w",
        "no \"dtype\"");
    row("missing shape", file_bytes(one("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}"), f32x1), "w",
        "no \"shape\"");
    row("missing data_offsets", file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1]}"), f32x1), "w",
        "no \"data_offsets\"");
    row("dtype a number",
        file_bytes(one("{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}"), f32x1), "w",
        "\"dtype\" is not a string");
    row("unknown dtype",
        file_bytes(one("{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]}"), f32x1), "w",
        "unknown dtype \"F128\"");
    row("unsupported dtype U16",
        file_bytes(one("{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}"), f32x1), "w",
        "unknown dtype \"U16\"");
    row("lower-case dtype",
        file_bytes(one("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}"), f32x1), "w",
        "unknown dtype \"f32\"");
    row("shape a string",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}"), f32x1), "w",
        "\"shape\" is not an array");
    row("negative dimension",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}"), f32x1), "w",
        "shape[0] is -1");
    row("fractional dimension",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1,2.5],\"data_offsets\":[0,4]}"), f32x1), "w",
        "shape[1] is 2.5");
    row("dimension a string",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}"), f32x1), "w",
        "shape[0] is \"1\"");
    row("dimension above int64",
        file_bytes(one("{\"dtype\":\"I8\",\"shape\":[9223372036854775808],"
                       "\"data_offsets\":[0,4]}"),
                   f32x1),
        "w", "non-negative integers");
    row("offsets a string",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0,4\"}"), f32x1), "w",
        "not an array of two integers");
    row("three offsets",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}"), f32x1), "w",
        "not an array of two integers");
    row("negative offset",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}"), f32x1), "w",
        "data_offsets[0] is -4");
    row("fractional offset",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}"), f32x1), "w",
        "data_offsets[1] is 4.0");

    // Offsets against the data section.
    row("begin after end",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}"), f32x1 + f32x1),
        "w", "begin is after end");
    row("offsets out of range",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), f32x1), "w",
        "run past the end of the data section (4 bytes)");
    row("huge offsets",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],"
                       "\"data_offsets\":[18446744073709551612,18446744073709551615]}"),
                   f32x1),
        "w", "run past the end of the data section");
    row("truncated data", two_tensor_file().substr(0, two_tensor_file().size() - 2), "b",
        "the file may be truncated");
    row("size differs from shape",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}"), f32x1 + f32x1),
        "w", "hold 8 bytes but F32 with shape [3] needs 12");
    // 2^62 x 4 elements of one byte: a wrapping product would be 0 and match [0, 0].
    row("element count overflow",
        file_bytes(one("{\"dtype\":\"I8\",\"shape\":[4611686018427387904,4],"
                       "\"data_offsets\":[0,0]}"),
                   ""),
        "w", "overflows 64 bits");
    // 2^62 elements of 4 bytes: the byte count wraps to 0.
    row("byte count overflow",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[4611686018427387904],"
                       "\"data_offsets\":[0,0]}"),
                   ""),
        "w", "overflows 64 bits");
    row("overlapping tensors",
        file_bytes(padded("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}"),
                   f32x1 + f32x1 + f32x1),
        "b", "overlap those of tensor 'a' [0, 8]");
    row("hole between tensors",
        file_bytes(padded("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                          "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}"),
                   f32x1 + f32x1 + f32x1),
        "b", "leave bytes [4, 8)");
    row("hole at the start",
        file_bytes(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), f32x1 + f32x1),
        "w", "leave bytes [0, 4)");
    row("trailing bytes", file_bytes(one(ok_entry), f32x1 + "xyz"), "",
        "the data section has 7 bytes but the tensors cover only 4");

    // Duplicates and metadata.
    row("duplicate tensor name",
        file_bytes(padded("{\"w\":" + ok_entry + ",\"w\":" + ok_entry + "}"), f32x1), "w",
        "appears more than once in the header");
    row("duplicate key in entry",
        file_bytes(one("{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[1],"
                       "\"data_offsets\":[0,4]}"),
                   f32x1),
        "w", "key \"dtype\" appears more than once in its entry");
    row("metadata not an object",
        file_bytes(padded("{\"__metadata__\":\"x\",\"w\":" + ok_entry + "}"), f32x1), "",
        "\"__metadata__\" is not a JSON object");
    row("metadata value not a string",
        file_bytes(padded("{\"__metadata__\":{\"epoch\":3},\"w\":" + ok_entry + "}"), f32x1), "",
        "value of \"epoch\" is not a string");
    row("duplicate metadata", file_bytes(padded("{\"__metadata__\":{},\"__metadata__\":{}}"), ""),
        "__metadata__", "appears more than once");
}

void TestSafetensorsHostile::refused() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, tensor);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("hostile.safetensors").toStdString();
    write_file(path, bytes.toStdString());
    const QString message = error_of([&] { SafetensorsFile::open(path); });
    QVERIFY2(!message.isEmpty(), "the file was accepted");
    QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
    if (!tensor.isEmpty()) {
        QVERIFY2(message.contains("tensor '" + tensor + "'"), qPrintable(message));
    }
    QVERIFY2(message.contains(fragment), qPrintable(message));
    // The checkpoint layer passes the same error on.
    const QString via_checkpoint = error_of([&] { Checkpoint::open(path); });
    QCOMPARE(via_checkpoint, message);
}

void TestSafetensorsHostile::missingFileAndFolder() {
    QTemporaryDir dir;
    const std::string missing = dir.filePath("missing.safetensors").toStdString();
    QString message = error_of([&] { SafetensorsFile::open(missing); });
    QVERIFY2(message.contains(QString::fromStdString(missing)) && message.contains("cannot open"),
             qPrintable(message));
    const std::string folder = dir.path().toStdString();
    message = error_of([&] { SafetensorsFile::open(folder); });
    QVERIFY2(message.contains("not a regular file"), qPrintable(message));
}

// Every proper prefix of a valid file is refused (never read past the end of the file).
void TestSafetensorsHostile::everyTruncationRefused() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("cut.safetensors").toStdString();
    const std::string full = two_tensor_file();
    write_file(path, full);
    QCOMPARE(SafetensorsFile::open(path).tensor("b").item<float>(), 3.0f);
    for (std::size_t size = 0; size < full.size(); ++size) {
        write_file(path, full.substr(0, size));
        const QString message = error_of([&] { SafetensorsFile::open(path); });
        QVERIFY2(!message.isEmpty() && !message.startsWith("WRONG"),
                 qPrintable(QString("prefix of %1 bytes: '%2'").arg(size).arg(message)));
    }
}

// Every byte of a valid file replaced by a few values: either a clean segllm::Error, or a file
// that passes validation and whose every tensor can be read.
void TestSafetensorsHostile::everyByteMutationSafe() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("mutant.safetensors").toStdString();
    const std::string full = two_tensor_file();
    int accepted = 0;
    int refused = 0;
    for (std::size_t at = 0; at < full.size(); ++at) {
        for (const char value : {'\0', '9', '"', '-', '}', '\xff'}) {
            std::string mutant = full;
            if (mutant[at] == value) {
                continue;
            }
            mutant[at] = value;
            write_file(path, mutant);
            const QString message = error_of([&] {
                const SafetensorsFile st = SafetensorsFile::open(path);
                for (const TensorInfo& t : st.tensors()) {
                    (void)st.tensor(t.name).sum();
                }
            });
            QVERIFY2(!message.startsWith("WRONG"), qPrintable(message));
            (message.isEmpty() ? accepted : refused) += 1;
        }
    }
    QVERIFY(refused > 0);
    QVERIFY(accepted > 0);  // data bytes and names may change freely
}

QTEST_APPLESS_MAIN(TestSafetensorsHostile)
#include "test_safetensors_hostile.moc"
