// Writing and reading back safetensors files: every dtype against hand-computed little-endian
// bytes, the exact bytes of small files (header length, JSON text, padding), empty and
// non-contiguous tensors, dtype conversion on read, and the writer's refusals.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/weights/safetensors.h"
#include "weights_test_util.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace segllm::weights;
using namespace segllm::weights::test;

namespace {

// Raw bytes of a tensor in C order.
std::string raw_bytes(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()),
                       static_cast<std::size_t>(c.numel()) * c.element_size());
}

at::Tensor from_doubles(std::vector<double> values, at::ScalarType type) {
    return at::tensor(at::ArrayRef<double>(values), at::TensorOptions().dtype(at::kDouble))
        .to(type)
        .reshape({2, 2});
}

at::Tensor from_ints(std::vector<std::int64_t> values, at::ScalarType type) {
    return at::tensor(at::ArrayRef<std::int64_t>(values), at::TensorOptions().dtype(at::kLong))
        .to(type)
        .reshape({2, 2});
}

struct DTypeCase {
    at::Tensor tensor;      // 2x2 hand-made values
    at::ScalarType scalar;  // its ATen type
    std::string bytes;      // its little-endian bytes, written out by hand
};

DTypeCase dtype_case(const QString& name) {
    constexpr auto i64min = std::numeric_limits<std::int64_t>::min();
    constexpr auto i64max = std::numeric_limits<std::int64_t>::max();
    if (name == "F64") {
        return {from_doubles({1.5, -2.25, -0.0, std::numeric_limits<double>::denorm_min()},
                             at::kDouble),
                at::kDouble,
                hex("00 00 00 00 00 00 f8 3f  00 00 00 00 00 00 02 c0"
                    "00 00 00 00 00 00 00 80  01 00 00 00 00 00 00 00")};
    }
    if (name == "F32") {
        return {from_doubles({1.0, -0.5, std::numeric_limits<float>::max(), std::ldexp(1.0, -149)},
                             at::kFloat),
                at::kFloat, hex("00 00 80 3f  00 00 00 bf  ff ff 7f 7f  01 00 00 00")};
    }
    if (name == "F16") {  // 1, -2.5, 65504 (largest half), 2^-24 (smallest subnormal half)
        return {from_doubles({1.0, -2.5, 65504.0, std::ldexp(1.0, -24)}, at::kHalf), at::kHalf,
                hex("00 3c  00 c1  ff 7b  01 00")};
    }
    if (name == "BF16") {  // 1, -3, 2^-7, largest bfloat16 (0x7f7f)
        return {
            from_doubles({1.0, -3.0, std::ldexp(1.0, -7), std::ldexp(255.0, 120)}, at::kBFloat16),
            at::kBFloat16, hex("80 3f  40 c0  00 3c  7f 7f")};
    }
    if (name == "I64") {
        return {from_ints({i64min, i64max, -1, 0x0102030405060708}, at::kLong), at::kLong,
                hex("00 00 00 00 00 00 00 80  ff ff ff ff ff ff ff 7f"
                    "ff ff ff ff ff ff ff ff  08 07 06 05 04 03 02 01")};
    }
    if (name == "I32") {
        return {from_ints({-2147483648LL, 2147483647LL, -1, 0x01020304}, at::kInt), at::kInt,
                hex("00 00 00 80  ff ff ff 7f  ff ff ff ff  04 03 02 01")};
    }
    if (name == "I16") {
        return {from_ints({-32768, 32767, -1, 0x0102}, at::kShort), at::kShort,
                hex("00 80  ff 7f  ff ff  02 01")};
    }
    if (name == "I8") {
        return {from_ints({-128, 127, -1, 0}, at::kChar), at::kChar, hex("80 7f ff 00")};
    }
    if (name == "U8") {
        return {from_ints({0, 255, 128, 1}, at::kByte), at::kByte, hex("00 ff 80 01")};
    }
    // BOOL: one byte per element
    return {from_ints({1, 0, 0, 1}, at::kBool), at::kBool, hex("01 00 00 01")};
}

}  // namespace

class TestSafetensorsRoundTrip : public QObject {
    Q_OBJECT

private slots:
    void dtypeTable();
    void everyDtype_data();
    void everyDtype();
    void exactBytesOfSmallFile();
    void referenceLayouts();
    void emptyAndScalarTensors();
    void nonContiguousInput();
    void conversionOnRead();
    void deviceOnRead();
    void replacesExistingFileAtomically();
    void writerRefusals_data();
    void writerRefusals();
};

void TestSafetensorsRoundTrip::dtypeTable() {
    struct Row {
        DType dtype;
        const char* name;
        std::size_t size;
    };
    const Row rows[] = {{DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
                        {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                        {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
                        {DType::BOOL, "BOOL", 1}};
    for (const Row& r : rows) {
        QCOMPARE(QString(dtype_name(r.dtype)), QString(r.name));
        QCOMPARE(dtype_size(r.dtype), r.size);
        QVERIFY(dtype_from_name(r.name) == r.dtype);
        QCOMPARE(c10::elementSize(scalar_type(r.dtype)), r.size);
        QVERIFY(dtype_from_scalar_type(scalar_type(r.dtype)) == r.dtype);
    }
    QVERIFY(!dtype_from_name("U16"));
    QVERIFY(!dtype_from_name("f32"));
    QVERIFY(!dtype_from_scalar_type(at::kComplexFloat));
}

void TestSafetensorsRoundTrip::everyDtype_data() {
    QTest::addColumn<QString>("dtype");
    for (const char* name :
         {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"}) {
        QTest::newRow(name) << QString(name);
    }
}

void TestSafetensorsRoundTrip::everyDtype() {
    QFETCH(QString, dtype);
    const DTypeCase c = dtype_case(dtype);
    QCOMPARE(c.tensor.scalar_type(), c.scalar);
    QCOMPARE(raw_bytes(c.tensor), c.bytes);  // the hand-made values are what we think they are

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("t.safetensors").toStdString();
    write_safetensors(path, {{"t", c.tensor}});

    // The file: length, header, data (the data section holds exactly the hand-made bytes).
    const std::string file = read_file(path);
    const std::string header = "{\"t\":{\"dtype\":\"" + dtype.toStdString() +
                               "\",\"shape\":[2,2],\"data_offsets\":[0," +
                               std::to_string(c.bytes.size()) + "]}}";
    QCOMPARE(file, file_bytes(padded(header), c.bytes));

    const SafetensorsFile st = SafetensorsFile::open(path);
    QCOMPARE(st.tensors().size(), std::size_t{1});
    const TensorInfo& info = st.info("t");
    QCOMPARE(QString(dtype_name(info.dtype)), dtype);
    QCOMPARE(info.shape, (std::vector<std::int64_t>{2, 2}));
    QCOMPARE(info.begin, std::uint64_t{0});
    QCOMPARE(info.end, std::uint64_t(c.bytes.size()));
    QCOMPARE(info.file, path);
    const at::Tensor back = st.tensor("t");
    QCOMPARE(back.scalar_type(), c.scalar);
    QCOMPARE(back.sizes().vec(), (std::vector<std::int64_t>{2, 2}));
    QVERIFY(back.device().is_cpu());
    QCOMPARE(raw_bytes(back), c.bytes);
}

void TestSafetensorsRoundTrip::exactBytesOfSmallFile() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("small.safetensors").toStdString();
    const at::Tensor weight =
        at::tensor(at::ArrayRef<float>(std::vector<float>{1.0f, -2.0f}), at::kFloat);
    const at::Tensor bias =
        at::tensor(at::ArrayRef<std::int64_t>(std::vector<std::int64_t>{-1, 2, -128}), at::kLong)
            .to(at::kChar);
    const at::Tensor scale = at::scalar_tensor(0.5, at::kDouble);  // 0-dim
    write_safetensors(path, {{"weight", weight}, {"bias", bias}, {"scale", scale}},
                      {{"format", "pt"}});

    // Widest alignment first (F64, F32, I8), metadata first, compact JSON, 204 bytes + 4 spaces.
    const std::string header =
        "{\"__metadata__\":{\"format\":\"pt\"},"
        "\"scale\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
        "\"weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
        "\"bias\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[16,19]}}";
    QCOMPARE(header.size(), std::size_t{204});
    const std::string expected = hex("d0 00 00 00 00 00 00 00") + header + "    " +
                                 hex("00 00 00 00 00 00 e0 3f") +   // 0.5
                                 hex("00 00 80 3f  00 00 00 c0") +  // 1, -2
                                 hex("ff 02 80");                   // -1, 2, -128
    const std::string file = read_file(path);
    QCOMPARE(file.size(), std::size_t{8 + 208 + 19});
    QCOMPARE(file, expected);

    const SafetensorsFile st = SafetensorsFile::open(path);
    QCOMPARE(st.data_offset(), std::uint64_t{216});
    QCOMPARE(st.data_offset() % 8, std::uint64_t{0});
    QCOMPARE(st.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
    QCOMPARE(st.tensors().size(), std::size_t{3});
    QCOMPARE(st.tensors()[0].name, std::string("scale"));  // header order
    QCOMPARE(st.tensors()[1].name, std::string("weight"));
    QCOMPARE(st.tensors()[2].name, std::string("bias"));
    QCOMPARE(st.tensor("scale").dim(), std::int64_t{0});
    QCOMPARE(st.tensor("scale").item<double>(), 0.5);
    QCOMPARE(st.tensor("weight")[1].item<float>(), -2.0f);
    QCOMPARE(st.tensor("bias")[2].item<std::int8_t>(), std::int8_t{-128});
}

// Byte layouts from the reference implementation's own tests (safetensors/src/tensor.rs).
void TestSafetensorsRoundTrip::referenceLayouts() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("ref.safetensors").toStdString();
    write_safetensors(path, {});
    QCOMPARE(read_file(path), hex("08 00 00 00 00 00 00 00 7b 7d 20 20 20 20 20 20"));
    QVERIFY(SafetensorsFile::open(path).tensors().empty());

    write_safetensors(path, {}, {{"framework", "pt"}});
    QCOMPARE(read_file(path),
             hex("28 00 00 00 00 00 00 00") + "{\"__metadata__\":{\"framework\":\"pt\"}}     ");

    const at::Tensor attn = at::arange(6, at::kFloat).reshape({1, 2, 3});
    write_safetensors(path, {{"attn.0", attn}});
    const std::string expected_header =
        "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    QCOMPARE(read_file(path), hex("40 00 00 00 00 00 00 00") + expected_header +
                                  std::string(64 - expected_header.size(), ' ') +
                                  hex("00 00 00 00 00 00 80 3f 00 00 00 40"
                                      "00 00 40 40 00 00 80 40 00 00 a0 40"));
}

void TestSafetensorsRoundTrip::emptyAndScalarTensors() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("empty.safetensors").toStdString();
    write_safetensors(path, {{"none", at::empty({0}, at::kFloat)},
                             {"wide", at::empty({2, 0, 3}, at::kHalf)},
                             {"one", at::scalar_tensor(7, at::kLong)}});
    const SafetensorsFile st = SafetensorsFile::open(path);
    QCOMPARE(st.info("none").begin, st.info("none").end);
    QCOMPARE(st.info("wide").begin, st.info("wide").end);
    QCOMPARE(st.tensor("none").sizes().vec(), (std::vector<std::int64_t>{0}));
    QCOMPARE(st.tensor("wide").sizes().vec(), (std::vector<std::int64_t>{2, 0, 3}));
    QCOMPARE(st.tensor("wide").scalar_type(), at::kHalf);
    QCOMPARE(st.tensor("one").dim(), std::int64_t{0});
    QCOMPARE(st.tensor("one").item<std::int64_t>(), std::int64_t{7});
    QCOMPARE(st.file_size(), st.data_offset() + 8);  // only the I64 scalar has bytes
}

void TestSafetensorsRoundTrip::nonContiguousInput() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.safetensors").toStdString();
    // [[0,1,2],[3,4,5]] transposed is [[0,3],[1,4],[2,5]]: stored in C order 0,3,1,4,2,5.
    const at::Tensor transposed = at::arange(6, at::kInt).reshape({2, 3}).t();
    QVERIFY(!transposed.is_contiguous());
    write_safetensors(path, {{"t", transposed}});
    const std::string file = read_file(path);
    QCOMPARE(file.substr(file.size() - 24),
             hex("00 00 00 00 03 00 00 00 01 00 00 00 04 00 00 00 02 00 00 00 05 00 00 00"));
    const at::Tensor back = SafetensorsFile::open(path).tensor("t");
    QCOMPARE(back.sizes().vec(), (std::vector<std::int64_t>{3, 2}));
    QCOMPARE(back[0][1].item<int>(), 3);
    QCOMPARE(back[2][0].item<int>(), 2);
}

void TestSafetensorsRoundTrip::conversionOnRead() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bf16.safetensors").toStdString();
    // BF16 1.0, -3.0, 2^-7, 0.15625 (0x3e20) written by hand, read as F32.
    const std::string header =
        padded("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}");
    write_file(path, file_bytes(header, hex("80 3f 40 c0 00 3c 20 3e")));
    const SafetensorsFile st = SafetensorsFile::open(path);
    QCOMPARE(st.tensor("w").scalar_type(), at::kBFloat16);
    const at::Tensor f32 = st.tensor("w", at::kFloat);
    QCOMPARE(f32.scalar_type(), at::kFloat);
    const float expected[] = {1.0f, -3.0f, 0.0078125f, 0.15625f};
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(f32[i].item<float>(), expected[i]);
    }
    // Integers to float and bool to int.
    write_file(path, file_bytes(padded("{\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],"
                                       "\"data_offsets\":[0,3]}}"),
                                hex("01 00 07")));  // 7 is not a canonical bool: reads as true
    const at::Tensor b = SafetensorsFile::open(path).tensor("b", at::kInt);
    QCOMPARE(b.scalar_type(), at::kInt);
    QCOMPARE(b[0].item<int>(), 1);
    QCOMPARE(b[1].item<int>(), 0);
    QCOMPARE(b[2].item<int>(), 1);
}

// CUDA where LibTorch has it; elsewhere the request fails with an error naming file and tensor.
void TestSafetensorsRoundTrip::deviceOnRead() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("d.safetensors").toStdString();
    write_file(path, file_bytes(padded("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],"
                                       "\"data_offsets\":[0,4]}}"),
                                hex("80 3f 40 c0")));  // 1, -3
    const SafetensorsFile st = SafetensorsFile::open(path);
    if (at::hasCUDA()) {
        const at::Tensor w = st.tensor("w", at::kFloat, at::Device(at::kCUDA, 0));
        QVERIFY(w.is_cuda());
        QCOMPARE(w.scalar_type(), at::kFloat);
        QCOMPARE(w[1].item<float>(), -3.0f);
    } else {
        const QString message =
            error_of([&] { st.tensor("w", at::kFloat, at::Device(at::kCUDA, 0)); });
        QVERIFY2(message.contains(QString::fromStdString(path)) && message.contains("tensor 'w'") &&
                     message.contains("cuda"),
                 qPrintable(message));
    }
}

void TestSafetensorsRoundTrip::replacesExistingFileAtomically() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.safetensors").toStdString();
    write_file(path, "old contents");
    write_safetensors(path, {{"x", at::ones({3}, at::kFloat)}});
    QCOMPARE(SafetensorsFile::open(path).tensor("x").sum().item<float>(), 3.0f);
    // Nothing but the target is left in the folder.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"w.safetensors"});
}

void TestSafetensorsRoundTrip::writerRefusals_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("duplicate name") << "duplicate"
                                    << "'a' is given more than once";
    QTest::newRow("reserved prefix") << "reserved"
                                     << "'__secret' starts with \"__\"";
    QTest::newRow("metadata as name") << "metadata"
                                      << "'__metadata__' starts with";
    QTest::newRow("empty name") << "empty"
                                << "empty name";
    QTest::newRow("undefined tensor") << "undefined"
                                      << "'u' is undefined";
    QTest::newRow("complex dtype") << "complex"
                                   << "'c' has type ComplexFloat";
    QTest::newRow("bad UTF-8 name") << "utf8"
                                    << "not valid UTF-8";
    QTest::newRow("missing folder") << "folder"
                                    << "cannot create a temporary file";
}

void TestSafetensorsRoundTrip::writerRefusals() {
    QFETCH(QString, kind);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    std::string path = dir.filePath("out.safetensors").toStdString();
    const at::Tensor t = at::zeros({2}, at::kFloat);
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    if (kind == "duplicate") {
        tensors = {{"a", t}, {"b", t}, {"a", t}};
    } else if (kind == "reserved") {
        tensors = {{"__secret", t}};
    } else if (kind == "metadata") {
        tensors = {{"__metadata__", t}};
    } else if (kind == "empty") {
        tensors = {{"", t}};
    } else if (kind == "undefined") {
        tensors = {{"u", at::Tensor()}};
    } else if (kind == "complex") {
        tensors = {{"c", at::zeros({2}, at::kComplexFloat)}};
    } else if (kind == "utf8") {
        tensors = {{std::string("bad\xff"), t}};
    } else if (kind == "sparse") {
        tensors = {{"s", at::eye(3, at::kFloat).to_sparse()}};
    } else if (kind == "folder") {
        path = dir.filePath("no/such/folder/out.safetensors").toStdString();
        tensors = {{"a", t}};
    }
    const QString message = error_of([&] { write_safetensors(path, tensors); });
    QVERIFY2(message.contains(fragment), qPrintable(message));
    QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
    QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
}

QTEST_APPLESS_MAIN(TestSafetensorsRoundTrip)
#include "test_safetensors_roundtrip.moc"
