#include "ui/action_registry.h"

#include <QAction>
#include <QActionGroup>
#include <QKeySequence>
#include <QUndoGroup>
#include <QWidget>

namespace segllm::ui {

ActionRegistry::ActionRegistry(QWidget* window, QWidget* canvas, QUndoGroup* undoGroup)
    : QObject(window), window_(window), undoGroup_(undoGroup) {
    for (int i = OpenImage; i <= About; ++i) {
        const Id id = static_cast<Id>(i);
        auto* action = new QAction(window_);
        if (id == NextImageOnCanvas || id == PreviousImageOnCanvas) {
            action->setShortcutContext(Qt::WidgetShortcut);
            canvas->addAction(action);
        } else {
            window_->addAction(action);
        }
        actions_[id] = action;
    }
    action(ShowSettings)->setMenuRole(QAction::PreferencesRole);
    action(Quit)->setMenuRole(QAction::QuitRole);
    action(About)->setMenuRole(QAction::AboutRole);

    // Undo and Redo of the active document's stack (plain actions rather than the group's
    // own, whose "Undo" prefix is fixed at creation and so could not follow a new language).
    connect(action(Undo), &QAction::triggered, undoGroup, &QUndoGroup::undo);
    connect(action(Redo), &QAction::triggered, undoGroup, &QUndoGroup::redo);
    connect(undoGroup, &QUndoGroup::canUndoChanged, action(Undo), &QAction::setEnabled);
    connect(undoGroup, &QUndoGroup::canRedoChanged, action(Redo), &QAction::setEnabled);
    connect(undoGroup, &QUndoGroup::undoTextChanged, this, &ActionRegistry::updateUndoRedoTexts);
    connect(undoGroup, &QUndoGroup::redoTextChanged, this, &ActionRegistry::updateUndoRedoTexts);
    action(Undo)->setEnabled(undoGroup->canUndo());
    action(Redo)->setEnabled(undoGroup->canRedo());

    toolGroup_ = new QActionGroup(this);
    for (Id id : {SelectTool, BrushTool, EraserTool, PolygonAddTool, PolygonSubtractTool,
                  PickAlternativeTool}) {
        action(id)->setCheckable(true);
        toolGroup_->addAction(action(id));
    }
    action(SelectTool)->setChecked(true);
    action(ToggleOverlays)->setCheckable(true);
    action(ToggleOverlays)->setChecked(true);
    action(FullScreen)->setCheckable(true);
    // Enabled by the main window while a round runs.
    action(CancelRound)->setEnabled(false);
    retranslate();
}

void ActionRegistry::retranslate() {
    set(OpenImage, tr("&Open Image..."), {QKeySequence::Open}, tr("Open an image file"));
    set(OpenFolder, tr("Open &Folder..."), {QKeySequence(tr("Ctrl+Shift+O"))},
        tr("Open every image of a folder"));
    set(OpenProject, tr("Open &Project..."), {QKeySequence(tr("Ctrl+Alt+O"))},
        tr("Open a saved project"));
    set(SaveProject, tr("&Save Project"), {QKeySequence::Save}, tr("Save the project"));
    set(SaveProjectAs, tr("Save Project &As..."), {QKeySequence(tr("Ctrl+Shift+S"))});
    set(ExportCocoImage, tr("COCO JSON, Current Image..."), {QKeySequence(tr("Ctrl+E"))});
    set(ExportCocoAll, tr("COCO JSON, All Images..."), {QKeySequence(tr("Ctrl+Shift+E"))});
    set(ExportPngImage, tr("PNG Masks, Current Image..."), {});
    set(ExportPngAll, tr("PNG Masks, All Images..."), {});
    set(ExportLabelmeImage, tr("labelme JSON, Current Image..."), {});
    set(ExportLabelmeAll, tr("labelme JSON, All Images..."), {});
    set(ShowSettings, tr("Se&ttings..."), {QKeySequence(tr("Ctrl+,"))});
    set(Quit, tr("&Quit"), {QKeySequence(tr("Ctrl+Q"))});

    set(Undo, tr("&Undo"), {QKeySequence::Undo});
    set(Redo, tr("&Redo"), {QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    updateUndoRedoTexts();
    set(DeleteInstance, tr("&Delete Instance"), {QKeySequence::Delete},
        tr("Delete the selected instance"));
    set(EditLabel, tr("Edit &Label"), {QKeySequence(tr("F2"))},
        tr("Type the label of the selected instance"));

    set(SelectTool, tr("&Select"), {QKeySequence(tr("V"))},
        tr("Click an instance to select and reference it; drag to pan"));
    set(BrushTool, tr("&Brush"), {QKeySequence(tr("B"))}, tr("Paint on the selected instance"));
    set(EraserTool, tr("&Eraser"), {QKeySequence(tr("E"))}, tr("Erase from the selected instance"));
    set(PolygonAddTool, tr("Polygon &Add"), {QKeySequence(tr("P"))},
        tr("Click points, Enter or double-click to add the area (a new instance if none is "
           "selected); Esc cancels"));
    set(PolygonSubtractTool, tr("Polygon S&ubtract"), {QKeySequence(tr("Shift+P"))},
        tr("Click points, Enter or double-click to remove the area; Esc cancels"));
    set(PickAlternativeTool, tr("Pick Alter&native"), {QKeySequence(tr("K"))},
        tr("Click a point: the model's best-ranked candidate of the selected instance that "
           "contains it replaces the mask"));
    set(BrushLarger, tr("Larger Brush"), {QKeySequence(tr("]"))});
    set(BrushSmaller, tr("Smaller Brush"), {QKeySequence(tr("["))});

    set(FocusPrompt, tr("Type a &Prompt"), {QKeySequence(tr("Ctrl+L"))},
        tr("Move the keyboard focus to the prompt box"));
    set(CancelRound, tr("&Cancel Round"), {QKeySequence(tr("Esc"))},
        tr("Stop the running round; it leaves nothing behind"));

    set(NextImage, tr("&Next Image"), {QKeySequence(tr("PgDown"))});
    set(PreviousImage, tr("&Previous Image"), {QKeySequence(tr("PgUp"))});
    set(NextImageOnCanvas, tr("Next Image (canvas focused)"), {QKeySequence(tr("D"))});
    set(PreviousImageOnCanvas, tr("Previous Image (canvas focused)"), {QKeySequence(tr("A"))});

    set(ZoomIn, tr("Zoom &In"), {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    set(ZoomOut, tr("Zoom &Out"), {QKeySequence::ZoomOut});
    set(FitToWindow, tr("&Fit to Window"), {QKeySequence(tr("Ctrl+0")), QKeySequence(tr("F"))});
    set(ActualSize, tr("&Actual Size (1:1)"), {QKeySequence(tr("Ctrl+1"))});
    set(ToggleOverlays, tr("Show &Overlays"), {QKeySequence(tr("H"))},
        tr("Show or hide every instance overlay"));
    set(FullScreen, tr("F&ull Screen"), {QKeySequence(tr("F11"))});
    set(ShowShortcuts, tr("&Keyboard Shortcuts"), {QKeySequence(tr("F1"))});
    set(About, tr("&About SegLLM Studio"), {});
}

void ActionRegistry::set(Id id, const QString& text, const QList<QKeySequence>& keys,
                         const QString& tip) {
    QAction* target = action(id);
    target->setText(text);
    target->setShortcuts(keys);
    target->setStatusTip(tip);
    target->setToolTip(tip);  // empty: Qt derives it from the text
}

void ActionRegistry::updateUndoRedoTexts() {
    const auto withCommand = [](const QString& prefix, const QString& command) {
        return command.isEmpty() ? prefix : prefix + QLatin1Char(' ') + command;
    };
    action(Undo)->setText(withCommand(tr("&Undo"), undoGroup_->undoText()));
    action(Redo)->setText(withCommand(tr("&Redo"), undoGroup_->redoText()));
}

QList<QAction*> ActionRegistry::shortcutActions() const {
    QList<QAction*> result;
    for (const auto& [id, action] : actions_) {
        if (!action->shortcuts().isEmpty()) {
            result.append(action);
        }
    }
    return result;
}

}  // namespace segllm::ui
