// MainWindow: opening by path and by drop, the error path, status texts, actions, settings.

#include "ui/action_registry.h"
#include "ui/chat_pane.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/shortcuts_dialog.h"
#include "ui/workspace.h"

#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <utility>

using segllm::ui::MainWindow;

namespace {

const QString kSample = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/shapes-512x384.png");
const QString kSmallSample = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/shapes-128.png");
const QString kTruncated = QStringLiteral(SEGLLM_TEST_DATA_DIR "/ui/truncated-shapes.png");

QList<QMessageBox*> messageBoxes(const MainWindow& window) {
    return window.findChildren<QMessageBox*>();
}

void closeMessageBoxes(const MainWindow& window) {
    for (QMessageBox* box : messageBoxes(window)) {
        box->close();
    }
    QApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

// Sends a drag-enter and a drop of `mime` to the window; returns whether the enter was accepted.
bool dropOn(MainWindow& window, QMimeData* mime) {
    const QPoint pos(window.width() / 2, window.height() / 2);
    QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    if (!enter.isAccepted()) {
        return false;
    }
    QDropEvent drop(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    return true;
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio tests"));
        QSettings().clear();
    }

    void startsWithoutImage() {
        MainWindow window;
        QVERIFY(window.currentFile().isEmpty());
        QVERIFY(!window.canvas()->hasImage());
        // "[*]" is where Qt shows the unsaved-changes mark.
        QCOMPARE(window.windowTitle(), QStringLiteral("SegLLM Studio tests[*]"));
        QVERIFY(!window.isWindowModified());
        QVERIFY(window.imageSizeText().isEmpty());
        for (QAction* action : window.shortcutActions()) {
            if (action->text().contains(QStringLiteral("Zoom")) ||
                action->text().contains(QStringLiteral("Fit")) ||
                action->text().contains(QStringLiteral("Actual"))) {
                QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
            }
        }
    }

    void opensImageByPath() {
        MainWindow window;
        window.resize(900, 700);
        QSignalSpy opened(&window, &MainWindow::imageOpened);
        QSignalSpy errors(&window, &MainWindow::errorOccurred);
        QVERIFY(window.openImage(kSample));
        QCOMPARE(opened.count(), 1);
        QCOMPARE(errors.count(), 0);
        QCOMPARE(window.currentFile(), kSample);
        QCOMPARE(window.windowTitle(),
                 QStringLiteral("shapes-512x384.png[*] - SegLLM Studio tests"));
        // Viewing an image is not a change.
        QVERIFY(!window.isWindowModified());
        QCOMPARE(window.canvas()->imageSize(), QSize(512, 384));
        QCOMPARE(window.imageSizeText(), QStringLiteral("512 x 384 px"));
        QVERIFY(messageBoxes(window).isEmpty());
    }

    // Zoom 0.5 -> "50%", 1 -> "100%", 0.05 -> "5.0%" (one decimal below 10%).
    void statusShowsZoom() {
        MainWindow window;
        QVERIFY(window.openImage(kSample));
        window.canvas()->showActualSize();
        QCOMPARE(window.zoomText(), QStringLiteral("100%"));
        window.canvas()->zoomAt(0.5, QPointF(10, 10));
        QCOMPARE(window.zoomText(), QStringLiteral("50%"));
        window.canvas()->zoomAt(0.1, QPointF(10, 10));
        QCOMPARE(window.zoomText(), QStringLiteral("5.0%"));
    }

    void badFileKeepsPreviousImage_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        QTest::newRow("corrupt") << kTruncated << QStringLiteral("cannot be decoded");
        QTest::newRow("missing") << QStringLiteral(SEGLLM_TEST_DATA_DIR "/ui/missing.png")
                                 << QStringLiteral("does not exist");
    }
    void badFileKeepsPreviousImage() {
        QFETCH(QString, path);
        QFETCH(QString, reason);
        MainWindow window;
        window.show();
        QVERIFY(window.openImage(kSample));
        const QString title = window.windowTitle();
        QSignalSpy errors(&window, &MainWindow::errorOccurred);

        QVERIFY(!window.openImage(path));
        QCOMPARE(errors.count(), 1);
        const QString message = errors.at(0).at(0).toString();
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY2(message.contains(reason), qPrintable(message));
        // The previous image is still shown.
        QCOMPARE(window.currentFile(), kSample);
        QCOMPARE(window.canvas()->imageSize(), QSize(512, 384));
        QCOMPARE(window.windowTitle(), title);
        // The user sees the same message in a (non-blocking) message box.
        const QList<QMessageBox*> boxes = messageBoxes(window);
        QCOMPARE(boxes.size(), 1);
        QVERIFY(boxes.first()->isVisible());
        QCOMPARE(boxes.first()->text(), message);
        closeMessageBoxes(window);
        QVERIFY(messageBoxes(window).isEmpty());
    }

    void dropOpensFile() {
        MainWindow window;
        QVERIFY(window.openImage(kSample));
        auto* mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(kSmallSample)});
        QSignalSpy opened(&window, &MainWindow::imageOpened);
        QVERIFY(dropOn(window, mime));
        QCOMPARE(opened.count(), 1);
        QCOMPARE(window.currentFile(), kSmallSample);
        QCOMPARE(window.canvas()->imageSize(), QSize(128, 128));
        delete mime;
    }

    // A dropped folder opens all its images, the first shown.
    void dropFolderOpensImages() {
        QTemporaryDir dir;
        for (int i = 1; i <= 2; ++i) {
            QImage image(20 + i, 10, QImage::Format_RGB32);
            image.fill(Qt::green);
            QVERIFY(image.save(dir.filePath(QStringLiteral("p%1.png").arg(i))));
        }
        MainWindow window;
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(dir.path())});
        QVERIFY(dropOn(window, &mime));
        QCOMPARE(window.currentFile(), dir.filePath(QStringLiteral("p1.png")));
        QCOMPARE(window.canvas()->imageSize(), QSize(21, 10));
        window.nextImage();
        QCOMPARE(window.canvas()->imageSize(), QSize(22, 10));
    }

    // Several dropped image files: the first is shown, the others follow it in the image list;
    // a dropped file that is not an image is left out.
    void dropSeveralFilesOpensAll() {
        QTemporaryDir dir;
        QStringList paths;
        for (int i = 1; i <= 2; ++i) {
            QImage image(30 + i, 12, QImage::Format_RGB32);
            image.fill(Qt::blue);
            paths << dir.filePath(QStringLiteral("q%1.png").arg(i));
            QVERIFY(image.save(paths.last()));
        }
        QFile text(dir.filePath(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not an image");
        text.close();
        MainWindow window;
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(paths[1]), QUrl::fromLocalFile(text.fileName()),
                      QUrl::fromLocalFile(paths[0])});
        QVERIFY(dropOn(window, &mime));
        QCOMPARE(window.currentFile(), paths[1]);
        QCOMPARE(window.canvas()->imageSize(), QSize(32, 12));
        QCOMPARE(window.workspace()->imageCount(), 2);
        QAction* next = window.actions()->action(segllm::ui::ActionRegistry::NextImage);
        QVERIFY(next->isEnabled());
        next->trigger();
        QCOMPARE(window.currentFile(), paths[0]);
        QCOMPARE(window.canvas()->imageSize(), QSize(31, 12));
    }

    void dropOfNonFileIsRefused() {
        MainWindow window;
        QMimeData mime;
        mime.setText(QStringLiteral("not a file"));
        QVERIFY(!dropOn(window, &mime));
        QMimeData remote;
        remote.setUrls({QUrl(QStringLiteral("https://example.org/a.png"))});
        QVERIFY(!dropOn(window, &remote));
        QVERIFY(window.currentFile().isEmpty());
    }

    void actionsFollowImage() {
        MainWindow window;
        window.resize(800, 600);
        QVERIFY(window.openImage(kSample));
        QAction* actual = nullptr;
        QAction* fit = nullptr;
        for (QAction* action : window.shortcutActions()) {
            if (action->text().contains(QStringLiteral("Zoom")) ||
                action->text().contains(QStringLiteral("Fit")) ||
                action->text().contains(QStringLiteral("Actual"))) {
                QVERIFY2(action->isEnabled(), qPrintable(action->text()));
            }
            if (action->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+1")))) {
                actual = action;
            }
            if (action->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+0")))) {
                fit = action;
            }
        }
        QVERIFY(actual != nullptr && fit != nullptr);
        actual->trigger();
        QCOMPARE(window.canvas()->zoom(), 1.0);
        fit->trigger();
        QVERIFY(window.canvas()->isFitToWindow());
    }

    void shortcutsDialogListsEveryShortcut() {
        MainWindow window;
        segllm::ui::ShortcutsDialog dialog(window.shortcutActions());
        const auto rows = dialog.rows();
        QStringList keys;
        for (const auto& row : rows) {
            keys << row.second;
        }
        const QString all = keys.join(QLatin1Char('|'));
        for (const QString& expected :
             {QStringLiteral("Ctrl+O"), QStringLiteral("Ctrl+0"), QStringLiteral("Ctrl+1"),
              QStringLiteral("Ctrl++"), QStringLiteral("Ctrl+-"), QStringLiteral("Ctrl+Q"),
              QStringLiteral("F11"), QStringLiteral("F1"), QStringLiteral("Mouse wheel")}) {
            QVERIFY2(all.contains(expected), qPrintable(expected + QStringLiteral(" in ") + all));
        }
        QCOMPARE(rows.first().first, QStringLiteral("Open Image"));
        // The editing and navigation keys are listed too.
        for (const QString& expected :
             {QStringLiteral("Ctrl+Z"), QStringLiteral("Ctrl+Shift+Z"), QStringLiteral("Ctrl+S"),
              QStringLiteral("PgDown"), QStringLiteral("PgUp"), QStringLiteral("D"),
              QStringLiteral("B"), QStringLiteral("E"), QStringLiteral("["), QStringLiteral("]"),
              QStringLiteral("Del"), QStringLiteral("Ctrl + mouse wheel")}) {
            QVERIFY2(all.contains(expected), qPrintable(expected + QStringLiteral(" in ") + all));
        }
        // The chat: focus the prompt, cancel a round, send, new line.
        QStringList whats;
        for (const auto& row : rows) {
            whats << row.first;
        }
        for (const auto& [what, key] :
             {std::pair<QString, QString>{QStringLiteral("Type a Prompt"),
                                          QStringLiteral("Ctrl+L")},
              {QStringLiteral("Cancel Round"), QStringLiteral("Esc")},
              {QStringLiteral("Send the prompt"), QStringLiteral("Enter (in the prompt box)")},
              {QStringLiteral("New line in the prompt"), QStringLiteral("Shift+Enter")}}) {
            const int row = static_cast<int>(whats.indexOf(what));
            QVERIFY2(row >= 0, qPrintable(what));
            QCOMPARE(rows[row].second, key);
        }
    }

    // Esc cancels a running round from anywhere in the window, except while a polygon is
    // drawn on the canvas: there it drops the polygon, and only the next Esc cancels.
    void escapeCancelsPolygonBeforeRound() {
        MainWindow window;
        window.resize(800, 600);
        QVERIFY(window.openImage(kSmallSample));
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        segllm::ui::ImageCanvas* canvas = window.canvas();
        canvas->setFocus();
        QTRY_VERIFY(canvas->hasFocus());
        canvas->setTool(segllm::ui::CanvasTool::PolygonAdd);
        QAction* cancel = window.actions()->action(segllm::ui::ActionRegistry::CancelRound);
        QVERIFY(!cancel->isEnabled());  // no round runs
        cancel->setEnabled(true);       // as while a round runs
        QSignalSpy cancelled(cancel, &QAction::triggered);
        for (const QPointF p : {QPointF(20.5, 20.5), QPointF(60.5, 20.5)}) {
            const QPointF w = canvas->mapFromImage(p);
            QMouseEvent press(QEvent::MouseButtonPress, w, canvas->mapToGlobal(w), Qt::LeftButton,
                              Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(canvas, &press);
            QMouseEvent release(QEvent::MouseButtonRelease, w, canvas->mapToGlobal(w),
                                Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
            QApplication::sendEvent(canvas, &release);
        }
        QCOMPARE(canvas->pendingPolygon().size(), 2);
        QTest::keyClick(canvas, Qt::Key_Escape);
        QVERIFY(canvas->pendingPolygon().isEmpty());
        QCOMPARE(cancelled.count(), 0);
        QTest::keyClick(canvas, Qt::Key_Escape);
        QCOMPARE(cancelled.count(), 1);
    }

    // Ctrl+L puts the keyboard focus into the prompt box.
    void focusPromptShortcut() {
        MainWindow window;
        window.resize(800, 600);
        QVERIFY(window.openImage(kSmallSample));
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        window.canvas()->setFocus();
        QTRY_VERIFY(window.canvas()->hasFocus());
        QTest::keyClick(window.canvas(), Qt::Key_L, Qt::ControlModifier);
        QTRY_VERIFY(window.chatPane()->promptEdit()->hasFocus());
    }

    // The SVG icon is compiled in and drawn: transparent outside the rounded square (which
    // starts at 6/128 of the side), dark blue-grey (#262c3e) inside it.
    void hasApplicationIcon() {
        MainWindow window;
        QVERIFY(!window.windowIcon().isNull());
        const QImage icon = window.windowIcon().pixmap(QSize(64, 64)).toImage();
        QCOMPARE(icon.size(), QSize(64, 64));
        QCOMPARE(icon.pixelColor(32, 1).alpha(), 0);
        QCOMPARE(icon.pixelColor(4, 32), QColor(0x26, 0x2c, 0x3e));
    }

    void remembersGeometry() {
        {
            MainWindow window;
            window.resize(640, 480);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow again;
        QCOMPARE(again.size(), QSize(640, 480));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
