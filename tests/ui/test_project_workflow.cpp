// Files of the main window: folder navigation (each image keeps its instances and its undo
// history), export from the menu with injected paths, project save / open, the unsaved-changes
// prompt on close (Save / Discard / Cancel), autosave and recovery.

#include "core/export/coco.h"
#include "core/export/project_file.h"
#include "ui/action_registry.h"
#include "ui/document.h"
#include "ui/file_controller.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/project_session.h"
#include "ui/settings.h"
#include "ui/workspace.h"
#include "ui_test_support.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace segllm;
using namespace segllm::ui;
using segllm::ui::test::addRectInstance;

namespace {

// Answers every question and file chooser from fields the test sets.
struct ScriptedDialogs {
    SaveAnswer saveAnswer = SaveAnswer::Cancel;
    bool yes = true;
    QString path;  // returned by every file / folder chooser
    int saveQuestions = 0;
    int yesNoQuestions = 0;

    DialogProvider provider() {
        DialogProvider d;
        d.askSave = [this](QWidget*, const QString&) {
            ++saveQuestions;
            return saveAnswer;
        };
        d.askYesNo = [this](QWidget*, const QString&) {
            ++yesNoQuestions;
            return yes;
        };
        d.saveFile = [this](QWidget*, const QString&, const QString&, const QString&) {
            return path;
        };
        d.openFile = d.saveFile;
        d.folder = [this](QWidget*, const QString&, const QString&) { return path; };
        return d;
    }
};

void closeMessageBoxes(MainWindow& window) {
    for (QMessageBox* box : window.findChildren<QMessageBox*>()) {
        box->close();
    }
    QApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

}  // namespace

class TestProjectWorkflow : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> dir_;
    QStringList images_;
    ScriptedDialogs dialogs_;

    std::unique_ptr<MainWindow> makeWindow() {
        auto window = std::make_unique<MainWindow>();
        window->setDialogProvider(dialogs_.provider());
        window->resize(800, 600);
        return window;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio workflow tests"));
    }

    void init() {
        QSettings().clear();
        dialogs_ = ScriptedDialogs{};
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        QDir(dir_->path()).mkpath(QStringLiteral("images"));
        images_ = test::writeImages(dir_->filePath(QStringLiteral("images")), 3, 64, 48);
    }

    // A, D (canvas focus) and PgDown/PgUp move through the folder; instances and undo history
    // stay with their image.
    void nextPreviousKeepInstances() {
        auto window = makeWindow();
        QVERIFY(window->files()->openFolder(dir_->filePath(QStringLiteral("images"))));
        Workspace* ws = window->workspace();
        QCOMPARE(ws->imageCount(), 3);
        QCOMPARE(window->currentFile(), images_[0]);
        addRectInstance(ws->currentDocument(), 1, 1, 10, 10, "first");

        window->actions()->action(ActionRegistry::NextImage)->trigger();
        QCOMPARE(window->currentFile(), images_[1]);
        QVERIFY(ws->currentDocument()->instances().empty());
        QCOMPARE(window->canvas()->document(), ws->currentDocument());
        addRectInstance(ws->currentDocument(), 20, 20, 30, 30, "second");
        addRectInstance(ws->currentDocument(), 40, 30, 50, 40, "third");

        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        window->canvas()->setFocus();
        QTest::keyClick(window->canvas(), Qt::Key_A);
        QCOMPARE(window->currentFile(), images_[0]);
        QCOMPARE(int(ws->currentDocument()->instances().size()), 1);
        QCOMPARE(ws->currentDocument()->instances()[0].label, std::string("first"));
        // Undo follows the current image: it removes "first", not "third".
        window->actions()->action(ActionRegistry::Undo)->trigger();
        QVERIFY(ws->currentDocument()->instances().empty());
        QTest::keyClick(window->canvas(), Qt::Key_D);
        QCOMPARE(window->currentFile(), images_[1]);
        QCOMPARE(int(ws->currentDocument()->instances().size()), 2);
        window->actions()->action(ActionRegistry::PreviousImage)->trigger();
        QCOMPARE(window->currentFile(), images_[0]);
        QVERIFY(!window->actions()->action(ActionRegistry::PreviousImage)->isEnabled());
        dialogs_.saveAnswer = SaveAnswer::Discard;
    }

    // Export actions with the path given by the (scripted) dialog: COCO of the current image,
    // PNG and labelme of all images.
    void exportFromMenu() {
        auto window = makeWindow();
        QVERIFY(window->files()->openFolder(dir_->filePath(QStringLiteral("images"))));
        addRectInstance(window->workspace()->currentDocument(), 2, 3, 11, 8, "cat");
        window->nextImage();
        addRectInstance(window->workspace()->currentDocument(), 5, 5, 9, 9, "dog");

        dialogs_.path = dir_->filePath(QStringLiteral("out/coco.json"));
        QDir(dir_->path()).mkpath(QStringLiteral("out"));
        window->actions()->action(ActionRegistry::ExportCocoImage)->trigger();
        QVERIFY(QFile::exists(dialogs_.path));
        const Project coco = read_coco(dialogs_.path.toStdString());
        QCOMPARE(int(coco.images.size()), 1);
        QCOMPARE(int(coco.images[0].instances.size()), 1);
        QCOMPARE(coco.images[0].instances[0].label, std::string("dog"));
        QCOMPARE(int(mask_area(coco.images[0].instances[0].mask)), 25);

        dialogs_.path = dir_->filePath(QStringLiteral("out/png"));
        window->actions()->action(ActionRegistry::ExportPngAll)->trigger();
        QVERIFY(QFile::exists(dialogs_.path + QStringLiteral("/labelmap.txt")));
        QVERIFY(QFile::exists(dialogs_.path + QStringLiteral("/SegmentationObject/img-1.png")));
        QVERIFY(QFile::exists(dialogs_.path + QStringLiteral("/SegmentationObject/img-3.png")));

        dialogs_.path = dir_->filePath(QStringLiteral("out/labelme"));
        window->actions()->action(ActionRegistry::ExportLabelmeAll)->trigger();
        QVERIFY(QFile::exists(dialogs_.path + QStringLiteral("/img-1.json")));
        QVERIFY(QFile::exists(dialogs_.path + QStringLiteral("/img-2.json")));
        dialogs_.saveAnswer = SaveAnswer::Discard;
    }

    // A failing export is reported with the file name.
    void exportErrorNamesFile() {
        auto window = makeWindow();
        QVERIFY(window->openImage(images_[0]));
        addRectInstance(window->workspace()->currentDocument(), 2, 3, 11, 8);
        QSignalSpy errors(window.get(), &MainWindow::errorOccurred);
        const QString target = dir_->filePath(QStringLiteral("missing-folder/coco.json"));
        QVERIFY(!window->files()->exportTo(ExportFormat::Coco, false, target));
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.at(0).at(0).toString().contains(QStringLiteral("missing-folder")),
                 qPrintable(errors.at(0).at(0).toString()));
        closeMessageBoxes(*window);
        dialogs_.saveAnswer = SaveAnswer::Discard;
    }

    void closeAsksAboutUnsavedChanges_data() {
        QTest::addColumn<int>("answer");
        QTest::newRow("cancel") << int(SaveAnswer::Cancel);
        QTest::newRow("discard") << int(SaveAnswer::Discard);
        QTest::newRow("save") << int(SaveAnswer::Save);
    }
    void closeAsksAboutUnsavedChanges() {
        QFETCH(int, answer);
        auto window = makeWindow();
        window->show();
        QVERIFY(window->openImage(images_[0]));
        QVERIFY(!window->isWindowModified());
        QVERIFY(window->close());  // nothing to save: no question
        QCOMPARE(dialogs_.saveQuestions, 0);

        window->show();
        addRectInstance(window->workspace()->currentDocument(), 2, 3, 11, 8, "cat");
        QVERIFY(window->isWindowModified());
        QVERIFY(window->windowTitle().contains(QStringLiteral("[*]")));
        dialogs_.saveAnswer = SaveAnswer(answer);
        dialogs_.path = dir_->filePath(QStringLiteral("saved"));
        const bool closed = window->close();
        QCOMPARE(dialogs_.saveQuestions, 1);
        QCOMPARE(closed, dialogs_.saveAnswer != SaveAnswer::Cancel);
        const QString file = dialogs_.path + QStringLiteral(".segllm");
        QCOMPARE(QFile::exists(file), dialogs_.saveAnswer == SaveAnswer::Save);
        if (dialogs_.saveAnswer == SaveAnswer::Save) {
            QVERIFY(!window->isWindowModified());
            const Project saved = load_project(file.toStdString());
            QCOMPARE(int(saved.images.size()), 1);
            QCOMPARE(saved.images[0].instances[0].label, std::string("cat"));
        }
        if (dialogs_.saveAnswer == SaveAnswer::Cancel) {
            QVERIFY(window->isVisible());
            QVERIFY(window->isWindowModified());
            dialogs_.saveAnswer = SaveAnswer::Discard;
        }
    }

    // Opening a folder or a project with unsaved changes asks first; Cancel keeps everything.
    void openAsksAboutUnsavedChanges() {
        auto window = makeWindow();
        QVERIFY(window->openImage(images_[2]));
        addRectInstance(window->workspace()->currentDocument(), 2, 3, 11, 8, "cat");
        dialogs_.saveAnswer = SaveAnswer::Cancel;
        QVERIFY(!window->files()->openFolder(dir_->filePath(QStringLiteral("images"))));
        QCOMPARE(dialogs_.saveQuestions, 1);
        QCOMPARE(window->workspace()->imageCount(), 1);
        QCOMPARE(int(window->workspace()->currentDocument()->instances().size()), 1);
        QVERIFY(!window->files()->openProject(dir_->filePath(QStringLiteral("none.segllm"))));
        QCOMPARE(dialogs_.saveQuestions, 2);
        QVERIFY(window->isWindowModified());
        dialogs_.saveAnswer = SaveAnswer::Discard;
        QVERIFY(window->files()->openFolder(dir_->filePath(QStringLiteral("images"))));
        QCOMPARE(window->workspace()->imageCount(), 3);
        QVERIFY(!window->isWindowModified());
    }

    // Undoing back to the saved state is not a change.
    void undoToSavedStateIsClean() {
        auto window = makeWindow();
        QVERIFY(window->openImage(images_[0]));
        Document* doc = window->workspace()->currentDocument();
        addRectInstance(doc, 2, 3, 11, 8);
        QVERIFY(window->files()->saveProjectTo(dir_->filePath(QStringLiteral("p.segllm"))));
        QVERIFY(!window->isWindowModified());
        addRectInstance(doc, 20, 20, 30, 30);
        QVERIFY(window->isWindowModified());
        doc->undoStack()->undo();
        QVERIFY(!window->isWindowModified());
    }

    // Save, open in a new window: same instances, labels, and paths.
    void saveAndOpenProject() {
        const QString file = dir_->filePath(QStringLiteral("work.segllm"));
        {
            auto window = makeWindow();
            QVERIFY(window->files()->openFolder(dir_->filePath(QStringLiteral("images"))));
            addRectInstance(window->workspace()->currentDocument(), 2, 3, 11, 8, "cat");
            window->nextImage();
            window->nextImage();
            addRectInstance(window->workspace()->currentDocument(), 5, 5, 9, 9, "dog");
            dialogs_.path = file;
            window->actions()->action(ActionRegistry::SaveProjectAs)->trigger();
            QVERIFY(QFile::exists(file));
            QCOMPARE(window->projectSession()->projectFile(), file);
            QVERIFY(window->windowTitle().contains(QStringLiteral("work.segllm")));
        }
        auto window = makeWindow();
        QVERIFY(window->files()->openProject(file));
        Workspace* ws = window->workspace();
        QCOMPARE(ws->imageCount(), 3);
        QCOMPARE(window->currentFile(), images_[0]);
        QCOMPARE(ws->currentDocument()->instances()[0].label, std::string("cat"));
        QVERIFY(ws->currentDocument()->instances()[0].mask == test::rectMask(64, 48, 2, 3, 11, 8));
        QCOMPARE(ws->labels(), QStringList({QStringLiteral("cat"), QStringLiteral("dog")}));
        QVERIFY(!window->isWindowModified());
        window->nextImage();
        window->nextImage();
        QCOMPARE(ws->currentDocument()->instances()[0].label, std::string("dog"));
    }

    // Autosave writes the recovery file (untitled work: in AppDataLocation); a new window
    // offers it and restores the instances; declining removes it.
    void autosaveAndRecovery() {
        QString recovery;
        {
            auto window = makeWindow();
            QVERIFY(window->projectSession()->autosaveActive());  // on by default
            QVERIFY(window->openImage(images_[1]));
            addRectInstance(window->workspace()->currentDocument(), 4, 4, 20, 12, "bird");
            QSignalSpy autosaved(window->projectSession(), &ProjectSession::autosaved);
            QVERIFY(window->projectSession()->autosave());
            QCOMPARE(autosaved.count(), 1);
            recovery = window->projectSession()->recoveryPath();
            QVERIFY(recovery.startsWith(
                QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
            QVERIFY(QFile::exists(recovery));
            QCOMPARE(Settings().recoveryFile(), recovery);
            // A crash: the window goes away without closeEvent.
        }
        QVERIFY(QFile::exists(recovery));
        {
            auto window = makeWindow();
            dialogs_.yes = true;
            QVERIFY(window->files()->offerRecovery());
            QCOMPARE(dialogs_.yesNoQuestions, 1);
            QCOMPARE(window->currentFile(), images_[1]);
            const auto& instances = window->workspace()->currentDocument()->instances();
            QCOMPARE(int(instances.size()), 1);
            QCOMPARE(instances[0].label, std::string("bird"));
            QVERIFY(instances[0].mask == test::rectMask(64, 48, 4, 4, 20, 12));
            QVERIFY(window->isWindowModified());  // restored work is unsaved work
        }
        // Declining removes the recovery file; then nothing is offered.
        dialogs_.yes = false;
        {
            auto window = makeWindow();
            QVERIFY(!window->files()->offerRecovery());
            QCOMPARE(dialogs_.yesNoQuestions, 2);
            QVERIFY(!QFile::exists(recovery));
            QVERIFY(!window->files()->offerRecovery());
            QCOMPARE(dialogs_.yesNoQuestions, 2);
        }
    }

    // A saved project's recovery file lies next to it; it is offered only while newer than the
    // project, and a save removes it.
    void projectRecoveryNextToProject() {
        const QString file = dir_->filePath(QStringLiteral("next.segllm"));
        auto window = makeWindow();
        QVERIFY(window->openImage(images_[0]));
        addRectInstance(window->workspace()->currentDocument(), 1, 1, 5, 5);
        QVERIFY(window->files()->saveProjectTo(file));
        addRectInstance(window->workspace()->currentDocument(), 10, 10, 15, 15);
        QTest::qWait(20);
        QVERIFY(window->projectSession()->autosave());
        QCOMPARE(window->projectSession()->recoveryPath(), file + QStringLiteral(".autosave"));
        QVERIFY(QFile::exists(file + QStringLiteral(".autosave")));
        const auto pending = ProjectSession::pendingRecovery();
        QVERIFY(pending.has_value());
        QCOMPARE(pending->project, file);
        QVERIFY(window->files()->saveProjectTo(file));
        QVERIFY(!QFile::exists(file + QStringLiteral(".autosave")));
        QVERIFY(!ProjectSession::pendingRecovery().has_value());
    }
};

QTEST_MAIN(TestProjectWorkflow)
#include "test_project_workflow.moc"
