// `segllm check-model` as a real process: a tiny model folder written by save_model_folder (with
// a tokenizer trained here) is usable (exit 0, configuration, parameter counts per component,
// device); a folder with a misshaped tensor, one without a tokenizer, and an unexpected tensor
// under --strict are not (exit 1, naming the tensor or file).

#include "core/model/segllm.h"
#include "core/model/weight_loading.h"
#include "core/weights/safetensors_writer.h"
#include "tests/app/process_run.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>

using namespace segllm;
using namespace segllm::model;
namespace fs = std::filesystem;

namespace {

test::ProcessResult check_model(const QStringList& arguments) {
    return test::runProcess(QStringLiteral(SEGLLM_CLI_PATH),
                            QStringList{QStringLiteral("check-model")} + arguments);
}

void rewrite_weights(const std::string& dir, const SegllmModel& m, const std::string& key,
                     const at::Tensor& value) {
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& [name, t] : module_tensors(m.root())) {
        if (name != key) {
            tensors.emplace_back(name, t);
        }
    }
    tensors.emplace_back(key, value);
    weights::write_safetensors(dir + "/model.safetensors", tensors);
}

}  // namespace

class TestCheckModelCli : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::shared_ptr<SegllmModel> model_;
    std::string good_;

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const std::string tok_dir = tmp_.filePath("tok").toStdString();
        fs::create_directories(tok_dir);
        {
            std::ofstream out(tok_dir + "/corpus.txt");
            for (const char* c : {"red", "green", "blue", "yellow"}) {
                for (const char* s : {"circle", "square", "ring", "triangle"}) {
                    out << "USER: Segment the " << c << " " << s << " left of it. ASSISTANT:\n";
                }
            }
        }
        text::BpeTrainOptions options;
        options.vocab_size = 300;
        options.hard_vocab_limit = false;
        text::train_bpe(tok_dir + "/corpus.txt", tok_dir + "/tokenizer", options);
        auto tok = std::make_shared<const text::Tokenizer>(text::Tokenizer::load(tok_dir));
        SegllmConfig c = segllm_preset("segllm-tiny");
        c.llm.vocab_size = tok->vocab_size();
        LoadOptions cpu;
        cpu.device = "cpu";
        model_ = SegllmModel::random(c, 4, tok, cpu);
        good_ = tmp_.filePath("good").toStdString();
        save_model_folder(*model_, good_);
    }

    void usable_folder() {
        const auto r = check_model({QString::fromStdString(good_), "--device", "cpu"});
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains("usable: yes"));
        QVERIFY(r.out.contains("hidden 128"));
        QVERIFY(r.out.contains("segmentator (HIPIE): 128 px"));
        const auto counts = parameter_counts(model_->root());
        for (const auto& [part, n] : counts) {
            const QRegularExpression line(QString("\\n  %1 +%2\\n").arg(part.c_str()).arg(n));
            QVERIFY2(line.match(r.out).hasMatch(),
                     qPrintable(part.c_str() + QString("\n") + r.out));
        }
        QVERIFY(r.out.contains("device: cpu"));
        QVERIFY(r.out.contains("missing tensors: 0"));
    }

    void unusable_folders_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("misshaped") << "misshaped"
                                   << "model.norm.weight: expected [128], got [127]";
        QTest::newRow("no tokenizer") << "no tokenizer"
                                      << "tokenizer.model";
        QTest::newRow("unexpected with --strict") << "unexpected"
                                                  << "model.extra.weight";
    }
    void unusable_folders() {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        const std::string dir = tmp_.filePath(kind).toStdString();
        save_model_folder(*model_, dir);
        QStringList args{QString::fromStdString(dir), "--device", "cpu"};
        if (kind == "misshaped") {
            rewrite_weights(dir, *model_, "model.norm.weight", at::ones({127}));
        } else if (kind == "no tokenizer") {
            fs::remove(dir + "/tokenizer.model");
        } else {
            rewrite_weights(dir, *model_, "model.extra.weight", at::ones({2}));
            const auto lenient = check_model(args);
            QVERIFY2(lenient.exitCode == 0, qPrintable(lenient.out + lenient.err));
            QVERIFY(lenient.out.contains("model.extra.weight"));
            args << "--strict";
        }
        const auto r = check_model(args);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("NOT USABLE") && r.out.contains(expected), qPrintable(r.out));
    }
};

QTEST_APPLESS_MAIN(TestCheckModelCli)
#include "test_check_model_cli.moc"
