// Checkpoints: single files, folders, sharded checkpoints with a model.safetensors.index.json
// built here by hand, broken indexes, and the refusal of pickle weights.

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>

#include "core/weights/safetensors.h"
#include "weights_test_util.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

using namespace segllm::weights;
using namespace segllm::weights::test;

namespace {

const char* kShard1 = "model-00001-of-00002.safetensors";
const char* kShard2 = "model-00002-of-00002.safetensors";

// Shard 1: "embed" BF16 {1, -3} and "layers.0.w" F32 {1, 2}.
// Shard 2: "layers.1.w" I64 {42} and "norm" F16 {0.5}.
void write_shards(const QTemporaryDir& dir) {
    write_file(dir.filePath(kShard1).toStdString(),
               file_bytes(padded("{\"embed\":{\"dtype\":\"BF16\",\"shape\":[2],"
                                 "\"data_offsets\":[8,12]},"
                                 "\"layers.0.w\":{\"dtype\":\"F32\",\"shape\":[2],"
                                 "\"data_offsets\":[0,8]}}"),
                          hex("00 00 80 3f 00 00 00 40  80 3f 40 c0")));
    write_file(dir.filePath(kShard2).toStdString(),
               file_bytes(padded("{\"layers.1.w\":{\"dtype\":\"I64\",\"shape\":[1],"
                                 "\"data_offsets\":[0,8]},"
                                 "\"norm\":{\"dtype\":\"F16\",\"shape\":[1],"
                                 "\"data_offsets\":[8,10]}}"),
                          hex("2a 00 00 00 00 00 00 00  00 38")));
}

std::string index_json(const std::string& weight_map) {
    return "{\"metadata\": {\"total_size\": 22, \"format\": \"pt\"},\n \"weight_map\": {" +
           weight_map + "}}";
}

const std::string kFullMap = std::string("\"embed\": \"") + kShard1 + "\", \"layers.0.w\": \"" +
                             kShard1 + "\", \"layers.1.w\": \"" + kShard2 + "\", \"norm\": \"" +
                             kShard2 + "\"";

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void shardedFolder();
    void indexPathAndShardPath();
    void singleFileFolders();
    void unknownNames();
    void brokenIndex_data();
    void brokenIndex();
    void refusesPickles_data();
    void refusesPickles();
    void folderWithoutWeights();
};

void TestCheckpoint::shardedFolder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    write_shards(dir);
    write_file(dir.filePath("model.safetensors.index.json").toStdString(), index_json(kFullMap));

    const Checkpoint ck = Checkpoint::open(dir.path().toStdString());
    QCOMPARE(ck.names(), (std::vector<std::string>{"embed", "layers.0.w", "layers.1.w", "norm"}));
    QCOMPARE(ck.files(), (std::vector<std::string>{dir.filePath(kShard1).toStdString(),
                                                   dir.filePath(kShard2).toStdString()}));
    QCOMPARE(ck.info("norm").file, dir.filePath(kShard2).toStdString());
    QCOMPARE(ck.info("embed").file, dir.filePath(kShard1).toStdString());
    QVERIFY(ck.info("embed").dtype == DType::BF16);
    QCOMPARE(ck.info("embed").begin, std::uint64_t{8});
    QVERIFY(ck.contains("layers.1.w"));
    QVERIFY(!ck.contains("layers.2.w"));
    QCOMPARE(ck.metadata().at("total_size"), std::string("22"));
    QCOMPARE(ck.metadata().at("format"), std::string("pt"));

    QCOMPARE(ck.tensor("layers.0.w")[1].item<float>(), 2.0f);
    QCOMPARE(ck.tensor("layers.1.w").scalar_type(), at::kLong);
    QCOMPARE(ck.tensor("layers.1.w")[0].item<std::int64_t>(), std::int64_t{42});
    QCOMPARE(ck.tensor("norm").scalar_type(), at::kHalf);
    QCOMPARE(ck.tensor("norm")[0].item<float>(), 0.5f);
    // Stored BF16, requested F32: exact.
    const at::Tensor embed = ck.tensor("embed", at::kFloat);
    QCOMPARE(embed.scalar_type(), at::kFloat);
    QCOMPARE(embed[0].item<float>(), 1.0f);
    QCOMPARE(embed[1].item<float>(), -3.0f);
}

void TestCheckpoint::indexPathAndShardPath() {
    QTemporaryDir dir;
    write_shards(dir);
    const std::string index = dir.filePath("custom.index.json").toStdString();
    write_file(index, index_json(kFullMap));
    QCOMPARE(Checkpoint::open(index).names().size(), std::size_t{4});
    QCOMPARE(Checkpoint::open(index).path(), index);

    const Checkpoint shard = Checkpoint::open(dir.filePath(kShard2).toStdString());
    QCOMPARE(shard.names(), (std::vector<std::string>{"layers.1.w", "norm"}));
    QCOMPARE(shard.files().size(), std::size_t{1});
}

void TestCheckpoint::singleFileFolders() {
    QTemporaryDir dir;
    // model.safetensors wins over any other file in the folder.
    write_safetensors(dir.filePath("model.safetensors").toStdString(),
                      {{"a", at::ones({1}, at::kFloat)}}, {{"source", "test"}});
    write_safetensors(dir.filePath("other.safetensors").toStdString(),
                      {{"b", at::ones({1}, at::kFloat)}});
    Checkpoint ck = Checkpoint::open(dir.path().toStdString());
    QCOMPARE(ck.names(), std::vector<std::string>{"a"});
    QCOMPARE(ck.metadata().at("source"), std::string("test"));

    // A folder with exactly one .safetensors file of another name.
    QTemporaryDir single;
    write_safetensors(single.filePath("segllm.safetensors").toStdString(),
                      {{"b", at::full({1}, 7.0, at::kFloat)}});
    ck = Checkpoint::open(single.path().toStdString());
    QCOMPARE(ck.tensor("b")[0].item<float>(), 7.0f);

    // Two of them and no index: ambiguous.
    write_safetensors(single.filePath("second.safetensors").toStdString(),
                      {{"c", at::ones({1}, at::kFloat)}});
    const QString message = error_of([&] { Checkpoint::open(single.path().toStdString()); });
    QVERIFY2(message.contains("several .safetensors files") &&
                 message.contains("'second.safetensors', 'segllm.safetensors'"),
             qPrintable(message));
}

void TestCheckpoint::unknownNames() {
    QTemporaryDir dir;
    write_shards(dir);
    const std::string index = dir.filePath("model.safetensors.index.json").toStdString();
    write_file(index, index_json(kFullMap));
    const Checkpoint ck = Checkpoint::open(dir.path().toStdString());
    QString message = error_of([&] { ck.info("layers.9.w"); });
    QVERIFY2(message.contains(dir.path()) && message.contains("'layers.9.w'"), qPrintable(message));
    message = error_of([&] { ck.tensor("layers.9.w"); });
    QVERIFY2(message.contains("'layers.9.w'"), qPrintable(message));

    const SafetensorsFile st = SafetensorsFile::open(dir.filePath(kShard1).toStdString());
    message = error_of([&] { st.info("norm"); });
    QVERIFY2(message.contains(dir.filePath(kShard1)) && message.contains("tensor 'norm'"),
             qPrintable(message));

    message = error_of([&] { Checkpoint::open(dir.filePath("nothing-here").toStdString()); });
    QVERIFY2(message.contains("nothing-here") && message.contains("no such file or folder"),
             qPrintable(message));
}

void TestCheckpoint::brokenIndex_data() {
    QTest::addColumn<QString>("index");
    QTest::addColumn<QStringList>("fragments");
    const QString s1 = kShard1;
    const QString s2 = kShard2;
    const QString full = QString::fromStdString(kFullMap);
    auto map = [](const QString& weight_map) {
        return QString::fromStdString(index_json(weight_map.toStdString()));
    };
    QTest::newRow("missing shard")
        << map(full + ", \"head\": \"model-00003-of-00003.safetensors\"")
        << QStringList{"shard 'model-00003-of-00003.safetensors'", "tensor 'head'", "missing"};
    QTest::newRow("tensor not in its shard")
        << map(full + ", \"ghost\": \"" + s1 + "\"")
        << QStringList{"tensor 'ghost'", "listed in shard '" + s1 + "'", "does not hold it"};
    QTest::newRow("tensor listed in the wrong shard")
        << map("\"embed\": \"" + s2 + "\", \"layers.0.w\": \"" + s1 + "\", \"layers.1.w\": \"" +
               s2 + "\", \"norm\": \"" + s2 + "\"")
        << QStringList{"tensor 'embed'", "listed in shard '" + s2 + "'"};
    QTest::newRow("shard tensor not listed")
        << map("\"embed\": \"" + s1 + "\", \"layers.0.w\": \"" + s1 + "\", \"layers.1.w\": \"" +
               s2 + "\"")
        << QStringList{"holds tensor 'norm'", "does not list"};
    QTest::newRow("shard outside the folder")
        << map("\"embed\": \"../" + s1 + "\"")
        << QStringList{"tensor 'embed'", "'../" + s1 + "'", "not a file name inside"};
    QTest::newRow("absolute shard path")
        << map("\"embed\": \"/etc/passwd\"") << QStringList{"'/etc/passwd'", "not a file name"};
    QTest::newRow("shard name not a string")
        << map("\"embed\": 1") << QStringList{"tensor 'embed'", "non-string shard name"};
    QTest::newRow("duplicate name") << map(full + ", \"embed\": \"" + s1 + "\"")
                                    << QStringList{"key 'embed' appears more than once"};
    QTest::newRow("no weight_map")
        << QString("{\"metadata\": {}}") << QStringList{"no \"weight_map\" object"};
    QTest::newRow("empty weight_map") << map("") << QStringList{"lists no tensors"};
    QTest::newRow("not JSON") << QString("{\"weight_map\": {") << QStringList{"not valid JSON"};
    QTest::newRow("not an object") << QString("[]") << QStringList{"not a JSON object"};
}

void TestCheckpoint::brokenIndex() {
    QFETCH(QString, index);
    QFETCH(QStringList, fragments);
    QTemporaryDir dir;
    write_shards(dir);
    const std::string index_path = dir.filePath("model.safetensors.index.json").toStdString();
    write_file(index_path, index.toStdString());
    const QString message = error_of([&] { Checkpoint::open(dir.path().toStdString()); });
    QVERIFY2(message.contains(QString::fromStdString(index_path)), qPrintable(message));
    for (const QString& fragment : fragments) {
        QVERIFY2(message.contains(fragment), qPrintable(message));
    }
}

void TestCheckpoint::refusesPickles_data() {
    QTest::addColumn<QString>("layout");
    QTest::addColumn<QString>("named");  // the pickle file the message must name
    QTest::newRow("folder with pytorch_model.bin") << "folder"
                                                   << "pytorch_model.bin";
    QTest::newRow("path to a .pth") << "pth"
                                    << "model.pth";
    QTest::newRow("path to a .pt") << "pt"
                                   << "weights.pt";
    QTest::newRow("path to a .ckpt") << "ckpt"
                                     << "last.ckpt";
    QTest::newRow("index of .bin shards") << "index"
                                          << "pytorch_model-00001-of-00002.bin";
}

void TestCheckpoint::refusesPickles() {
    QFETCH(QString, layout);
    QFETCH(QString, named);
    QTemporaryDir dir;
    // Bytes that would be a pickle opcode stream: never looked at.
    const std::string pickle = hex("80 02 7d 71 00 2e");
    std::string path = dir.path().toStdString();
    if (layout == "folder") {
        write_file(dir.filePath("pytorch_model.bin").toStdString(), pickle);
        write_file(dir.filePath("config.json").toStdString(), "{}");
    } else if (layout == "index") {
        write_file(dir.filePath(named).toStdString(), pickle);
        path = dir.filePath("pytorch_model.bin.index.json").toStdString();
        write_file(path, "{\"weight_map\": {\"w\": \"" + named.toStdString() + "\"}}");
    } else {
        path = dir.filePath(named).toStdString();
        write_file(path, pickle);
    }
    const QString message = error_of([&] { Checkpoint::open(path); });
    QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
    QVERIFY2(message.contains("'" + named + "'"), qPrintable(message));
    QVERIFY2(message.contains("pickle"), qPrintable(message));
    QVERIFY2(message.contains("only safetensors"), qPrintable(message));
    QVERIFY2(message.contains("run arbitrary code"), qPrintable(message));
}

void TestCheckpoint::folderWithoutWeights() {
    QTemporaryDir dir;
    write_file(dir.filePath("config.json").toStdString(), "{}");
    const QString message = error_of([&] { Checkpoint::open(dir.path().toStdString()); });
    QVERIFY2(message.contains(dir.path()) && message.contains("no model.safetensors"),
             qPrintable(message));
}

QTEST_APPLESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
