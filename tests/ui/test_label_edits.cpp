// Label changes are edits like any other: they make the project unsaved (window title, the
// workspace's modified state, autosave), are undone and redone through the undo stack (and the
// Edit menu's Undo / Redo, which name them), saving makes the project clean again, and the
// saved and autosaved files hold the label. A label leaves the instance's `edited` flag (a
// changed mask) alone.

#include "core/export/project_file.h"
#include "ui/action_registry.h"
#include "ui/document.h"
#include "ui/file_controller.h"
#include "ui/instance_panel.h"
#include "ui/main_window.h"
#include "ui/project_session.h"
#include "ui/workspace.h"
#include "ui_test_support.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>
#include <string>

using namespace segllm;
using namespace segllm::ui;
using segllm::ui::test::addRectInstance;

namespace {

const QString kSample = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/shapes-128.png");

// The label of the only instance of the only image in the project file `file`.
std::string savedLabel(const QString& file) {
    const Project project = load_project(file.toStdString());
    if (project.images.size() != 1 || project.images[0].instances.size() != 1) {
        return "<unexpected project shape>";
    }
    return project.images[0].instances[0].label;
}

}  // namespace

class TestLabelEdits : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<MainWindow> window_;
    Document* doc_ = nullptr;
    int id_ = 0;
    QString projectFile_;

    Workspace* workspace() const { return window_->workspace(); }
    QAction* action(ActionRegistry::Id id) const { return window_->actions()->action(id); }

    // Types `label` into the instance panel's label box and presses Enter, as a user does.
    void typeLabel(const QString& label) {
        QComboBox* combo = window_->instancePanel()->labelCombo();
        combo->setEditText(label);
        emit combo->lineEdit()->returnPressed();
    }

    const ProjectInstance& instance() const { return *doc_->instance(id_); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio label tests"));
        QSettings().clear();
    }

    // One image with one unlabelled hand-made instance, saved: the project starts clean.
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        window_ = std::make_unique<MainWindow>();
        DialogProvider dialogs;
        dialogs.askSave = [](QWidget*, const QString&) { return SaveAnswer::Discard; };
        window_->setDialogProvider(dialogs);
        QVERIFY(window_->openImage(kSample));
        doc_ = workspace()->currentDocument();
        QVERIFY(doc_ != nullptr);
        id_ = addRectInstance(doc_, 10, 10, 30, 30);
        doc_->setSelectedId(id_);
        projectFile_ = dir_->filePath(QStringLiteral("labels.segllm"));
        QVERIFY(window_->files()->saveProjectTo(projectFile_));
        QVERIFY(!workspace()->isModified());
        QVERIFY(!window_->isWindowModified());
        QCOMPARE(savedLabel(projectFile_), std::string());
    }

    void cleanup() {
        window_->projectSession()->discardRecovery();
        window_.reset();
        dir_.reset();
    }

    void labelChangeMarksUnsaved() {
        QSignalSpy modified(workspace(), &Workspace::modifiedChanged);
        typeLabel(QStringLiteral("cat"));
        QCOMPARE(instance().label, std::string("cat"));
        QVERIFY(doc_->isModified());
        QVERIFY(workspace()->isModified());
        QVERIFY(window_->isWindowModified());
        QCOMPARE(modified.count(), 1);
        QCOMPARE(modified.at(0).at(0).toBool(), true);
        // Only the label changed: the mask is the model's / the hand-made one as before.
        QVERIFY(!instance().edited);
        QVERIFY(instance().mask == test::rectMask(128, 128, 10, 10, 30, 30));
        // The file on disk still has no label until saved.
        QCOMPARE(savedLabel(projectFile_), std::string());
    }

    // Undo restores the old label and, back at the saved state, the clean state; redo brings
    // the new label and the unsaved state back; saving clears it and writes the label.
    void undoRedoThenSave() {
        typeLabel(QStringLiteral("cat"));
        QVERIFY(action(ActionRegistry::Undo)->isEnabled());
        QCOMPARE(action(ActionRegistry::Undo)->text(),
                 QStringLiteral("&Undo Label [1] as \"cat\""));
        action(ActionRegistry::Undo)->trigger();
        QCOMPARE(instance().label, std::string());
        QVERIFY(!workspace()->isModified());
        QVERIFY(!window_->isWindowModified());
        QCOMPARE(action(ActionRegistry::Redo)->text(),
                 QStringLiteral("&Redo Label [1] as \"cat\""));
        action(ActionRegistry::Redo)->trigger();
        QCOMPARE(instance().label, std::string("cat"));
        QVERIFY(workspace()->isModified());
        QVERIFY(window_->isWindowModified());
        // The panel shows the label of the selected instance after undo / redo.
        QCOMPARE(window_->instancePanel()->labelCombo()->currentText(), QStringLiteral("cat"));

        action(ActionRegistry::SaveProject)->trigger();
        QVERIFY(!workspace()->isModified());
        QVERIFY(!window_->isWindowModified());
        QCOMPARE(savedLabel(projectFile_), std::string("cat"));
        const Project saved = load_project(projectFile_.toStdString());
        QCOMPARE(saved.labels, std::vector<std::string>{"cat"});
        QVERIFY(!saved.images[0].instances[0].edited);

        // Undo after the save: the document differs from the file again.
        action(ActionRegistry::Undo)->trigger();
        QCOMPARE(instance().label, std::string());
        QVERIFY(workspace()->isModified());
        action(ActionRegistry::Redo)->trigger();
        QVERIFY(!workspace()->isModified());
    }

    // Removing a label (an empty label) is an edit too.
    void clearingLabelIsUndoable() {
        typeLabel(QStringLiteral("dog"));
        QVERIFY(window_->files()->saveProject());
        QVERIFY(!workspace()->isModified());
        typeLabel(QString());
        QCOMPARE(instance().label, std::string());
        QVERIFY(workspace()->isModified());
        QCOMPARE(action(ActionRegistry::Undo)->text(),
                 QStringLiteral("&Undo Remove the label of [1]"));
        action(ActionRegistry::Undo)->trigger();
        QCOMPARE(instance().label, std::string("dog"));
        QVERIFY(!workspace()->isModified());
    }

    // The same label again (or with surrounding blanks) changes nothing and is no edit.
    void sameLabelIsNoEdit() {
        typeLabel(QStringLiteral("cat"));
        QVERIFY(window_->files()->saveProject());
        const int commands = doc_->undoStack()->count();
        typeLabel(QStringLiteral("  cat "));
        QCOMPARE(doc_->undoStack()->count(), commands);
        QVERIFY(!workspace()->isModified());
    }

    // Autosave writes a recovery file with the new label while the project file keeps the
    // saved one; saving removes the recovery file.
    void autosaveKeepsLabel() {
        typeLabel(QStringLiteral("bird"));
        ProjectSession* session = window_->projectSession();
        QString error;
        QVERIFY2(session->autosave(&error), qPrintable(error));
        const QString recovery = session->recoveryPath();
        QCOMPARE(recovery, projectFile_ + QStringLiteral(".autosave"));
        QVERIFY(QFile::exists(recovery));
        QCOMPARE(savedLabel(recovery), std::string("bird"));
        QCOMPARE(savedLabel(projectFile_), std::string());
        QVERIFY(workspace()->isModified());  // autosave is not a save
        QVERIFY(window_->files()->saveProject());
        QVERIFY(!QFile::exists(recovery));
        QCOMPARE(savedLabel(projectFile_), std::string("bird"));
    }

    // Closing after a label change asks to save; "Save" writes the label.
    void closeAsksAfterLabelChange() {
        typeLabel(QStringLiteral("fish"));
        int asked = 0;
        DialogProvider dialogs;
        dialogs.askSave = [&asked](QWidget*, const QString&) {
            ++asked;
            return SaveAnswer::Save;
        };
        window_->setDialogProvider(dialogs);
        QVERIFY(window_->close());
        QCOMPARE(asked, 1);
        QCOMPARE(savedLabel(projectFile_), std::string("fish"));
    }
};

QTEST_MAIN(TestLabelEdits)
#include "test_label_edits.moc"
