// default_inference_threads(): SEGLLM_THREADS when set (0: every hardware thread), else 1; a
// value that is not a thread count is an error naming it.

#include "core/common/error.h"
#include "core/common/runtime.h"

#include <QtTest>

#include <cstdlib>
#include <string>

class TestRuntime : public QObject {
    Q_OBJECT

private slots:
    void cleanup() { unsetenv("SEGLLM_THREADS"); }

    void default_is_one_thread() {
        unsetenv("SEGLLM_THREADS");
        QCOMPARE(segllm::default_inference_threads(), 1);
        setenv("SEGLLM_THREADS", "", 1);
        QCOMPARE(segllm::default_inference_threads(), 1);
    }

    void environment_value() {
        setenv("SEGLLM_THREADS", "3", 1);
        QCOMPARE(segllm::default_inference_threads(), 3);
        setenv("SEGLLM_THREADS", "0", 1);
        QCOMPARE(segllm::default_inference_threads(), segllm::hardware_threads());
    }

    void bad_values_name_themselves_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("word") << "many";
        QTest::newRow("negative") << "-2";
        QTest::newRow("trailing") << "4x";
        QTest::newRow("huge") << "100000";
    }
    void bad_values_name_themselves() {
        QFETCH(QString, value);
        setenv("SEGLLM_THREADS", value.toUtf8().constData(), 1);
        try {
            segllm::default_inference_threads();
            QFAIL("no error");
        } catch (const segllm::Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("SEGLLM_THREADS") != std::string::npos, e.what());
            QVERIFY2(what.find("'" + value.toStdString() + "'") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestRuntime)
#include "test_runtime.moc"
