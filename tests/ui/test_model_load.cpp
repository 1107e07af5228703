// The model loads in the background with progress: the stages in order with non-decreasing
// fractions ending at 1, the status bar's text and bar while it loads and the model afterwards,
// the device note, cancellation by closing the window or choosing another model, and the
// coalescing of a round's per-layer progress reports. Uses a tiny random model saved as a
// model folder (the engine tests' fixture).
#include "core/model/segllm.h"
#include "tests/engine/engine_fixture.h"
#include "ui/chat_controller.h"
#include "ui/chat_pane.h"
#include "ui/inference_worker.h"
#include "ui/main_window.h"
#include "ui/settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QMutex>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <cmath>
#include <memory>
#include <vector>

using namespace segllm;
using namespace segllm::ui;

namespace {

constexpr int kTimeout = 120000;  // generous: the random model runs on a shared CPU

// The English status bar names of the engine's load stages, written out by hand.
QString englishStageName(const QString& stage) {
    static const QHash<QString, QString> names = {
        {QStringLiteral("reading config"), QStringLiteral("reading the configuration")},
        {QStringLiteral("building model"), QStringLiteral("building the model")},
        {QStringLiteral("reading tokenizer"), QStringLiteral("reading the tokenizer")},
        {QStringLiteral("loading weights"), QStringLiteral("loading weights")},
        {QStringLiteral("moving to device"), QStringLiteral("moving to the device")},
        {QStringLiteral("warm-up"), QStringLiteral("warming up")},
        {QStringLiteral("ready"), QStringLiteral("ready")}};
    return names.value(stage);
}

// What the worker reported, recorded on the worker thread (direct connections).
struct WorkerLog {
    QMutex mutex;
    std::vector<std::pair<QString, double>> progress;
    std::vector<std::pair<quint64, bool>> failures;  // (load id, cancelled)
    std::vector<quint64> loaded;

    std::size_t failureCount() {
        const QMutexLocker lock(&mutex);
        return failures.size();
    }

    void attach(InferenceWorker* worker) {
        QObject::connect(
            worker, &InferenceWorker::loadProgress, worker,
            [this](quint64, const QString& stage, double fraction) {
                const QMutexLocker lock(&mutex);
                progress.emplace_back(stage, fraction);
            },
            Qt::DirectConnection);
        QObject::connect(
            worker, &InferenceWorker::modelLoadFailed, worker,
            [this](quint64 id, const QString&, bool cancelled) {
                const QMutexLocker lock(&mutex);
                failures.emplace_back(id, cancelled);
            },
            Qt::DirectConnection);
        QObject::connect(
            worker, &InferenceWorker::modelLoaded, worker,
            [this](quint64 id, const ModelLoadInfo&) {
                const QMutexLocker lock(&mutex);
                loaded.push_back(id);
            },
            Qt::DirectConnection);
    }
};

// Holds the worker thread at its first "loading weights" report until released, so that the
// test can act while a load is surely in progress.
struct LoadGate {
    QSemaphore reached;
    QSemaphore release;
    std::atomic<int> holds{1};  // how many loads to hold

    void attach(InferenceWorker* worker) {
        QObject::connect(
            worker, &InferenceWorker::loadProgress, worker,
            [this](quint64, const QString& stage, double) {
                if (stage == QLatin1String("loading weights") && holds.fetch_sub(1) > 0) {
                    reached.release();
                    release.tryAcquire(1, kTimeout);
                }
            },
            Qt::DirectConnection);
    }
};

}  // namespace

class TestModelLoad : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    QString modelDir_;
    QString otherModelDir_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("test_model_load"));
        QSettings().clear();
        QVERIFY(dir_.isValid());
        modelDir_ = dir_.filePath(QStringLiteral("model"));
        otherModelDir_ = dir_.filePath(QStringLiteral("model-b"));
        QVERIFY(QDir().mkpath(modelDir_));
        QVERIFY(QDir().mkpath(otherModelDir_));
        const test::TinyModel tiny = test::make_tiny_model(modelDir_.toStdString());
        model::save_model_folder(*tiny.model, modelDir_.toStdString());
        // The same model under another folder name (the user picks another model folder).
        for (const QString& name : QDir(modelDir_).entryList(QDir::Files)) {
            QVERIFY(
                QFile::copy(QDir(modelDir_).filePath(name), QDir(otherModelDir_).filePath(name)));
        }
    }

    void reportsStagesInOrder_data() {
        QTest::addColumn<bool>("warmUp");
        QTest::addColumn<QStringList>("stages");
        const QStringList plain = {
            QStringLiteral("reading config"),    QStringLiteral("building model"),
            QStringLiteral("reading tokenizer"), QStringLiteral("loading weights"),
            QStringLiteral("moving to device"),  QStringLiteral("ready")};
        QStringList warm = plain;
        warm.insert(5, QStringLiteral("warm-up"));
        QTest::newRow("plain") << false << plain;
        QTest::newRow("warm-up") << true << warm;
    }

    void reportsStagesInOrder() {
        QFETCH(bool, warmUp);
        QFETCH(QStringList, stages);
        MainWindow window;
        window.show();
        ChatController* chat = window.chat();
        chat->setWarmUp(warmUp);
        // At every report the status bar already shows it.
        struct Seen {
            QString stage;
            double fraction;
            QString status;
            bool barVisible;
            int barValue;
        };
        std::vector<Seen> seen;
        connect(chat, &ChatController::loadProgress, this,
                [&](const QString& stage, double fraction) {
                    seen.push_back({stage, fraction, window.modelStatusText(),
                                    window.modelProgressBar()->isVisibleTo(&window),
                                    window.modelProgressBar()->value()});
                });
        chat->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QVERIFY(chat->isModelLoading());
        QCOMPARE(window.modelStatusText(), QStringLiteral("Loading model..."));
        QVERIFY(window.modelProgressBar()->isVisibleTo(&window));
        QTRY_VERIFY_WITH_TIMEOUT(!chat->isModelLoading(), kTimeout);
        QVERIFY(chat->isModelLoaded());

        // The stages, each one run of reports, in the documented order.
        QStringList order;
        for (const Seen& s : seen) {
            if (order.isEmpty() || order.constLast() != s.stage) {
                order << s.stage;
            }
        }
        QCOMPARE(order, stages);
        double previous = 0.0;
        for (const Seen& s : seen) {
            QVERIFY2(
                s.fraction >= previous && s.fraction <= 1.0,
                qPrintable(
                    QStringLiteral("%1 %2 after %3").arg(s.stage).arg(s.fraction).arg(previous)));
            previous = s.fraction;
            const int percent = static_cast<int>(std::floor(s.fraction * 100.0));
            QCOMPARE(s.status, QStringLiteral("Loading model: %1 %2%")
                                   .arg(englishStageName(s.stage))
                                   .arg(percent));
            QVERIFY(s.barVisible);
            QCOMPARE(s.barValue, percent);
        }
        QCOMPARE(seen.back().stage, QStringLiteral("ready"));
        QCOMPARE(seen.back().fraction, 1.0);
        QVERIFY(seen.back().status.endsWith(QStringLiteral(" 100%")));

        // Afterwards: the model named in the status bar, the bar gone, the prompt usable once
        // an image is open.
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model: model on CPU"));
        QVERIFY(!window.modelProgressBar()->isVisibleTo(&window));
        QVERIFY(window.openImage(QStringLiteral(SEGLLM_SOURCE_DIR) +
                                 QStringLiteral("/resources/images/shapes-512x384.png")));
        QVERIFY(window.chatPane()->sendButton()->isEnabled());
    }

    // "auto" (and "cuda") on a machine without CUDA: the model runs on the CPU and the status
    // bar says why.
    void deviceNoteIsShown() {
        MainWindow window;
        window.chat()->setWarmUp(false);
        ModelLoadInfo info;
        connect(window.chat()->worker(), &InferenceWorker::modelLoaded, this,
                [&](quint64, const ModelLoadInfo& i) { info = i; });
        window.chat()->loadModel(modelDir_, QStringLiteral("cuda"), QStringLiteral("f32"));
        QTRY_VERIFY_WITH_TIMEOUT(window.chat()->isModelLoaded(), kTimeout);
        QTRY_VERIFY(!info.device.isEmpty());
        if (info.device.startsWith(QLatin1String("cuda"))) {
            QSKIP("CUDA is available here: no device note to show");
        }
        QCOMPARE(info.device, QStringLiteral("cpu"));
        QVERIFY(!info.deviceNote.isEmpty());
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model: model on CPU (CUDA not used)"));
        QCOMPARE(window.chat()->modelStatusDetail(),
                 QStringLiteral("CUDA not used: ") + info.deviceNote);
        QVERIFY(info.deviceNote.contains(QStringLiteral("not available")));
    }

    void closingTheWindowCancelsTheLoad() {
        auto window = std::make_unique<MainWindow>();
        window->show();
        ChatController* chat = window->chat();
        WorkerLog log;
        log.attach(chat->worker());
        LoadGate gate;
        gate.attach(chat->worker());
        chat->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QVERIFY(gate.reached.tryAcquire(1, kTimeout));  // the worker is loading weights now

        QElapsedTimer clock;
        clock.start();
        QVERIFY(window->close());
        gate.release.release();
        // The load stops at its next tensor: a cancelled failure, no model, no "ready".
        QTRY_VERIFY_WITH_TIMEOUT(!chat->isModelLoading(), 10000);
        QVERIFY(!chat->isModelLoaded());
        QCOMPARE(window->modelStatusText(), QStringLiteral("Model not loaded"));
        window.reset();  // joins the worker thread
        const qint64 ms = clock.elapsed();
        QVERIFY2(ms < 5000, qPrintable(QStringLiteral("closing took %1 ms").arg(ms)));
        const QMutexLocker lock(&log.mutex);
        QCOMPARE(log.failures.size(), std::size_t(1));
        QVERIFY(log.failures[0].second);
        QVERIFY(log.loaded.empty());
        for (const auto& [stage, fraction] : log.progress) {
            QVERIFY(stage != QLatin1String("ready") && fraction < 1.0);
        }
    }

    void destroyingTheWindowWhileLoadingReturns() {
        // No close event (the application quits with the window still open): the controller's
        // destructor cancels the load and joins the thread.
        auto window = std::make_unique<MainWindow>();
        WorkerLog log;
        log.attach(window->chat()->worker());
        window->chat()->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QTRY_VERIFY_WITH_TIMEOUT(!window->chat()->loadStage().isEmpty(), kTimeout);
        QElapsedTimer clock;
        clock.start();
        window.reset();
        QVERIFY(clock.elapsed() < 5000);
        const QMutexLocker lock(&log.mutex);
        // Either the load was stopped, or it had already finished before the destructor ran.
        QCOMPARE(log.failures.size() + log.loaded.size(), std::size_t(1));
        if (!log.failures.empty()) {
            QVERIFY(log.failures[0].second);
        }
    }

    void choosingAnotherModelCancelsTheLoad() {
        Settings settings;
        settings.setModelFolder(modelDir_);
        settings.setDevice(QStringLiteral("cpu"));
        MainWindow window;
        ChatController* chat = window.chat();
        chat->setWarmUp(false);
        WorkerLog log;
        log.attach(chat->worker());
        LoadGate gate;
        gate.attach(chat->worker());
        window.startModel();
        QVERIFY(gate.reached.tryAcquire(1, kTimeout));
        // The settings dialog changed the folder: the main window loads again.
        settings.setModelFolder(otherModelDir_);
        window.startModel();
        QVERIFY(chat->isModelLoading());
        gate.release.release();
        QTRY_VERIFY_WITH_TIMEOUT(chat->isModelLoaded(), kTimeout);
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model: model-b on CPU"));
        const QMutexLocker lock(&log.mutex);
        // The first load was cancelled (id 1), the second loaded (id 2).
        QCOMPARE(log.failures.size(), std::size_t(1));
        QCOMPARE(log.failures[0].first, quint64(1));
        QVERIFY(log.failures[0].second);
        QCOMPARE(log.loaded, std::vector<quint64>{2});
        settings.setModelFolder(QString());
    }

    void cancelLoadLeavesNoModel() {
        MainWindow window;
        ChatController* chat = window.chat();
        WorkerLog log;
        log.attach(chat->worker());
        LoadGate gate;
        gate.attach(chat->worker());
        QSignalSpy messages(chat, &ChatController::message);
        chat->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QVERIFY(gate.reached.tryAcquire(1, kTimeout));
        chat->cancelLoad();
        gate.release.release();
        QVERIFY(!chat->isModelLoading());
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model not loaded"));
        QVERIFY(!window.modelProgressBar()->isVisibleTo(&window));
        QCOMPARE(messages.count(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(log.failureCount() == 1, kTimeout);
        QTest::qWait(50);  // the failure's queued signal must change nothing
        QVERIFY(!chat->isModelLoaded());
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model not loaded"));
    }

    // The status bar's model button: "Load Model" with no model, "Stop loading" while one
    // loads (pressing it cancels the load), "Load Model" again after that (pressing it loads
    // the model chosen in Settings), hidden once a model is loaded.
    void stopAndLoadButton() {
        Settings settings;
        settings.setModelFolder(modelDir_);
        settings.setDevice(QStringLiteral("cpu"));
        MainWindow window;
        window.show();
        ChatController* chat = window.chat();
        chat->setWarmUp(false);
        QToolButton* button = window.stopLoadButton();
        QVERIFY(button != nullptr);
        QVERIFY(button->isVisibleTo(&window));
        QCOMPARE(button->text(), QStringLiteral("Load Model"));
        WorkerLog log;
        log.attach(chat->worker());
        LoadGate gate;
        gate.attach(chat->worker());
        window.startModel();
        QVERIFY(gate.reached.tryAcquire(1, kTimeout));
        QVERIFY(button->isVisibleTo(&window));
        QCOMPARE(button->text(), QStringLiteral("Stop loading"));
        QTest::mouseClick(button, Qt::LeftButton);
        gate.release.release();
        QVERIFY(!chat->isModelLoading());
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model not loaded"));
        QCOMPARE(button->text(), QStringLiteral("Load Model"));
        QTRY_VERIFY_WITH_TIMEOUT(log.failureCount() == 1, kTimeout);

        QTest::mouseClick(button, Qt::LeftButton);
        QVERIFY(chat->isModelLoading());
        QTRY_VERIFY_WITH_TIMEOUT(chat->isModelLoaded(), kTimeout);
        QVERIFY(!button->isVisibleTo(&window));
        QCOMPARE(window.modelStatusText(), QStringLiteral("Model: model on CPU"));
        settings.setModelFolder(QString());
    }

    // A round reports "llm" after every decoder layer; the worker forwards at most one report
    // per 33 ms of a stage (every stage change passes), so the GUI gets about 30 a second.
    void roundProgressIsCoalesced() {
        MainWindow window;
        ChatController* chat = window.chat();
        chat->setWarmUp(false);
        chat->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QTRY_VERIFY_WITH_TIMEOUT(chat->isModelLoaded(), kTimeout);
        QVERIFY(window.openImage(QStringLiteral(SEGLLM_SOURCE_DIR) +
                                 QStringLiteral("/resources/images/shapes-512x384.png")));
        struct Report {
            quint64 request;
            QString stage;
            qint64 ms;
        };
        QMutex mutex;
        std::vector<Report> reports;
        QElapsedTimer clock;
        clock.start();
        connect(
            chat->worker(), &InferenceWorker::progress, chat->worker(),
            [&](quint64 request, const QString& stage, double) {
                const QMutexLocker lock(&mutex);
                reports.push_back({request, stage, clock.elapsed()});
            },
            Qt::DirectConnection);
        QSignalSpy idle(chat, &ChatController::idle);
        for (int round = 0; round < 2; ++round) {
            chat->send(QStringLiteral("Segment the red circle."));
            QTRY_VERIFY_WITH_TIMEOUT(idle.count() == round + 1, kTimeout);
        }
        const QMutexLocker lock(&mutex);
        QVERIFY(!reports.empty());
        int llm = 0;
        for (std::size_t i = 0; i < reports.size(); ++i) {
            llm += reports[i].stage == QLatin1String("llm") ? 1 : 0;
            if (i > 0 && reports[i].request == reports[i - 1].request &&
                reports[i].stage == reports[i - 1].stage) {
                // A repeat of the same stage only after the interval (1 ms of clock rounding).
                QVERIFY2(reports[i].ms - reports[i - 1].ms >= 32,
                         qPrintable(QStringLiteral("%1 reports %2 ms apart")
                                        .arg(reports[i].stage)
                                        .arg(reports[i].ms - reports[i - 1].ms)));
            }
        }
        QVERIFY(llm >= 2);  // the stage was seen in both rounds
    }
};

QTEST_MAIN(TestModelLoad)
#include "test_model_load.moc"
