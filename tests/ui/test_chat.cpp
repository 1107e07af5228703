// The chat window end to end with a tiny random model: rounds become instances (document and
// list), clicks insert references, cancel and errors leave no trace, undo removes a round.
#include "core/model/segllm.h"
#include "tests/engine/engine_fixture.h"
#include "ui/action_registry.h"
#include "ui/chat_controller.h"
#include "ui/chat_pane.h"
#include "ui/document.h"
#include "ui/edit_controller.h"
#include "ui/image_canvas.h"
#include "ui/instance_list_model.h"
#include "ui/instance_panel.h"
#include "ui/main_window.h"
#include "ui/workspace.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QKeyEvent>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <memory>

using namespace segllm;
using namespace segllm::ui;

namespace {
constexpr int kTimeout = 120000;  // generous: the random model runs on a shared CPU
}

class TestChat : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    QString modelDir_;
    QString imagePath_;
    std::unique_ptr<MainWindow> window_;

    Document* doc() const { return window_->workspace()->currentDocument(); }
    int rounds() const { return static_cast<int>(doc()->data().rounds.size()); }
    // Types `text` into the prompt and presses Enter; waits until the request is over.
    void ask(const QString& text) {
        QSignalSpy idle(window_->chat(), &ChatController::idle);
        window_->chatPane()->promptEdit()->setPlainText(text);
        QTest::keyClick(window_->chatPane()->promptEdit(), Qt::Key_Return);
        QVERIFY(window_->chat()->isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(idle.count() == 1, kTimeout);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("test_chat"));
        QSettings().clear();
        QVERIFY(dir_.isValid());
        modelDir_ = dir_.filePath(QStringLiteral("model"));
        QVERIFY(QDir().mkpath(modelDir_));
        const test::TinyModel tiny = test::make_tiny_model(modelDir_.toStdString());
        model::save_model_folder(*tiny.model, modelDir_.toStdString());
        imagePath_ = QStringLiteral(SEGLLM_SOURCE_DIR) +
                     QStringLiteral("/resources/images/shapes-512x384.png");

        window_ = std::make_unique<MainWindow>();
        QSignalSpy status(window_->chat(), &ChatController::modelStatusChanged);
        window_->chat()->loadModel(modelDir_, QStringLiteral("cpu"), QStringLiteral("f32"));
        QTRY_VERIFY_WITH_TIMEOUT(window_->chat()->isModelLoaded(), kTimeout);
        QVERIFY(window_->modelStatusText().contains(QStringLiteral("model")));
        QVERIFY(window_->modelStatusText().contains(QStringLiteral("CPU")));
        QVERIFY(window_->openImage(imagePath_));
        QVERIFY(window_->chatPane()->sendButton()->isEnabled());
    }

    void cleanupTestCase() { window_.reset(); }

    void loadFailureIsReported() {
        MainWindow window;
        window.chat()->loadModel(QStringLiteral("/nonexistent/segllm-model-xyz"),
                                 QStringLiteral("cpu"), QStringLiteral("f32"));
        QCOMPARE(window.modelStatusText(), QStringLiteral("Loading model..."));
        QTRY_VERIFY_WITH_TIMEOUT(
            window.modelStatusText().startsWith(QStringLiteral("Model not loaded: ")), kTimeout);
        QVERIFY(window.modelStatusText().contains(QStringLiteral("/nonexistent/segllm-model-xyz")));
        QVERIFY(!window.chat()->isModelLoaded());
        QVERIFY(!window.chatPane()->sendButton()->isEnabled());
    }

    void sendingMakesAnInstance() {
        QSignalSpy applied(window_->chat(), &ChatController::roundApplied);
        ask(QStringLiteral("Segment the red circle."));
        QCOMPARE(applied.count(), 1);
        QCOMPARE(applied.at(0).at(0).toInt(), 1);
        QCOMPARE(rounds(), 1);
        const ProjectInstance* instance = doc()->instance(1);
        QVERIFY(instance != nullptr);
        QCOMPARE(instance->round, 1);
        QCOMPARE(instance->mask.width, 512);
        QCOMPARE(instance->mask.height, 384);
        QCOMPARE(window_->instancePanel()->model()->rowCount(), 1);
        QCOMPARE(doc()->data().rounds[0].prompt, std::string("Segment the red circle."));
        QCOMPARE(doc()->data().rounds[0].produced_instance, 1);
        // The pane shows the round with its tag.
        QVERIFY(window_->chatPane()->transcriptText().contains(QStringLiteral("[1]")));
        QVERIFY(window_->chatPane()->promptEdit()->toPlainText().isEmpty());
    }

    void emptyPromptIsNotSent() {
        window_->chatPane()->promptEdit()->setPlainText(QStringLiteral("   \n "));
        QTest::keyClick(window_->chatPane()->promptEdit(), Qt::Key_Return);
        QVERIFY(!window_->chat()->isBusy());
        QCOMPARE(rounds(), 1);
    }

    void shiftEnterAddsANewLine() {
        PromptEdit* edit = window_->chatPane()->promptEdit();
        edit->setPlainText(QStringLiteral("a"));
        edit->moveCursor(QTextCursor::End);
        QTest::keyClick(edit, Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(edit->toPlainText(), QStringLiteral("a\n"));
        QVERIFY(!window_->chat()->isBusy());
        edit->clear();
    }

    void clickInsertsReference() {
        PromptEdit* edit = window_->chatPane()->promptEdit();
        edit->setPlainText(QStringLiteral("left of "));
        edit->moveCursor(QTextCursor::End);
        // A click in the list (the panel) and one on the canvas both ask for a reference.
        emit window_->instancePanel()->instanceReferenceRequested(1);
        QCOMPARE(edit->toPlainText(), QStringLiteral("left of [1]"));
        const ProjectInstance* instance = doc()->instance(1);
        QVERIFY(instance != nullptr);
        bool clicked = false;
        for (int y = 0; y < instance->mask.height && !clicked; ++y) {
            for (int x = 0; x < instance->mask.width && !clicked; ++x) {
                if (instance->mask.at(x, y) != 0 && doc()->instanceAt(QPoint(x, y)) == 1) {
                    edit->clear();
                    window_->editController()->click(QPointF(x + 0.5, y + 0.5));
                    QCOMPARE(edit->toPlainText(), QStringLiteral("[1]"));
                    clicked = true;
                }
            }
        }
        edit->clear();
    }

    void pickAlternativeReplacesTheMask() {
        const ProjectInstance* instance = doc()->instance(1);
        QVERIFY(instance != nullptr);
        const Mask before = instance->mask;
        // A pixel of the instance's own mask: its chosen candidate covers it.
        QPoint point(-1, -1);
        for (int y = 0; y < before.height && point.x() < 0; ++y) {
            for (int x = 0; x < before.width && point.x() < 0; ++x) {
                if (before.at(x, y) != 0) {
                    point = QPoint(x, y);
                }
            }
        }
        if (point.x() < 0) {
            QSKIP("the random model's mask of [1] is empty");
        }
        doc()->setSelectedId(1);
        QSignalSpy idle(window_->chat(), &ChatController::idle);
        const int commands = doc()->undoStack()->count();
        window_->canvas()->setTool(CanvasTool::PickAlternative);
        window_->chat()->pickAlternative(QPointF(point) + QPointF(0.5, 0.5));
        QTRY_VERIFY_WITH_TIMEOUT(idle.count() == 1, kTimeout);
        window_->canvas()->setTool(CanvasTool::Select);
        // One undoable edit whose mask covers the point; undo gives the old mask back.
        QCOMPARE(doc()->undoStack()->count(), commands + 1);
        QCOMPARE(int(doc()->instance(1)->mask.at(point.x(), point.y())), 1);
        doc()->undoStack()->undo();
        QVERIFY(doc()->instance(1)->mask == before);
    }

    void cancelLeavesNoHalfRound() {
        QSignalSpy idle(window_->chat(), &ChatController::idle);
        window_->chatPane()->promptEdit()->setPlainText(QStringLiteral("Find the blue square."));
        window_->chatPane()->sendButton()->click();
        QVERIFY(window_->chat()->isBusy());
        window_->chatPane()->cancelButton()->click();
        QVERIFY(!window_->chat()->isBusy());
        QCOMPARE(rounds(), 1);
        QCOMPARE(static_cast<int>(doc()->instances().size()), 1);
        // Chat > Cancel Round (Esc) does the same; it is enabled only while a round runs.
        QAction* cancelRound = window_->actions()->action(ActionRegistry::CancelRound);
        QTest::qWait(200);
        QVERIFY(!cancelRound->isEnabled());
        window_->chatPane()->promptEdit()->setPlainText(QStringLiteral("Find the blue square."));
        window_->chatPane()->sendButton()->click();
        QVERIFY(window_->chat()->isBusy());
        QVERIFY(cancelRound->isEnabled());
        cancelRound->trigger();
        QVERIFY(!window_->chat()->isBusy());
        QVERIFY(!cancelRound->isEnabled());
        QCOMPARE(rounds(), 1);
        QCOMPARE(static_cast<int>(doc()->instances().size()), 1);
        // Give the worker time to finish (and take back) the cancelled rounds, then run the
        // next round: it must become round 2.
        QTest::qWait(200);
        ask(QStringLiteral("Find the blue square."));
        QCOMPARE(rounds(), 2);
        QVERIFY(doc()->instance(2) != nullptr);
        QCOMPARE(static_cast<int>(doc()->instances().size()), 2);
    }

    void errorIsShownAndChangesNothing() {
        QSignalSpy errors(window_->chat(), &ChatController::roundError);
        ask(QStringLiteral("Find the shape left of [9]."));
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("9")));
        QCOMPARE(rounds(), 2);
        QCOMPARE(static_cast<int>(doc()->instances().size()), 2);
        QVERIFY(window_->chatPane()->transcriptText().contains(QStringLiteral("Error")));
        // The session still runs the next round, numbered 3.
        ask(QStringLiteral("Find the shape left of [1]."));
        QCOMPARE(rounds(), 3);
        QVERIFY(doc()->instance(3) != nullptr);
        QCOMPARE(doc()->data().rounds[2].references, std::vector<int>{1});
    }

    void undoRemovesTheRound() {
        QUndoStack* stack = doc()->undoStack();
        stack->undo();
        QCOMPARE(rounds(), 2);
        QVERIFY(doc()->instance(3) == nullptr);
        QCOMPARE(window_->instancePanel()->model()->rowCount(), 2);
        QVERIFY(!window_->chatPane()->transcriptText().contains(QStringLiteral("[3]")));
        // The engine undid its round too: the next round gets number 3 again.
        ask(QStringLiteral("Segment the green triangle."));
        QCOMPARE(rounds(), 3);
        QCOMPARE(doc()->data().rounds[2].prompt, std::string("Segment the green triangle."));
        QVERIFY(doc()->instance(3) != nullptr);
        // Undo then redo: the document has the round again and the engine follows (round 4).
        stack->undo();
        stack->redo();
        QCOMPARE(rounds(), 3);
        ask(QStringLiteral("Segment the red circle."));
        QCOMPARE(rounds(), 4);
        QVERIFY(doc()->instance(4) != nullptr);
    }

    // Not a check: with SEGLLM_CHAT_SCREENSHOT=<file.png> (run under xvfb-run with
    // QT_QPA_PLATFORM=xcb) the window with the conversation so far is saved for a look at the
    // layout.
    void screenshot() {
        const QString path = qEnvironmentVariable("SEGLLM_CHAT_SCREENSHOT");
        if (path.isEmpty()) {
            QSKIP("set SEGLLM_CHAT_SCREENSHOT to save a screenshot");
        }
        doc()->undoStack()->undo();  // three rounds (and the error of the [9] prompt)
        window_->resize(1400, 850);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        window_->chatPane()->promptEdit()->setPlainText(QStringLiteral("Find the shape left of "));
        window_->chatPane()->promptEdit()->moveCursor(QTextCursor::End);
        window_->chatPane()->insertReference(2);
        QTest::qWait(500);
        QVERIFY(window_->grab().save(path));
    }

    // A project opened again (new documents, the engine's sessions dropped): the next round
    // continues the saved conversation (Session::restore).
    void conversationContinuesAfterOpeningTheProject() {
        const int saved = rounds();
        QVERIFY(saved >= 3);
        const Project project = window_->workspace()->toProject();
        window_->workspace()->loadProject(project);
        QVERIFY(window_->workspace()->setCurrentIndex(0));
        QCOMPARE(rounds(), saved);
        ask(QStringLiteral("Find the shape left of [2]."));
        QCOMPARE(rounds(), saved + 1);
        QVERIFY(doc()->instance(saved + 1) != nullptr);
        QCOMPARE(doc()->data().rounds.back().references, std::vector<int>{2});
    }
};

QTEST_MAIN(TestChat)
#include "test_chat.moc"
