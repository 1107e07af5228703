#include "ui/action_registry.h"

#include <QAction>
#include <QActionGroup>
#include <QKeySequence>
#include <QUndoGroup>
#include <QWidget>

namespace segllm::ui {

ActionRegistry::ActionRegistry(QWidget* window, QWidget* canvas, QUndoGroup* undoGroup)
    : QObject(window), window_(window) {
    add(OpenImage, tr("&Open Image..."), {QKeySequence::Open}, tr("Open an image file"));
    add(OpenFolder, tr("Open &Folder..."), {QKeySequence(tr("Ctrl+Shift+O"))},
        tr("Open every image of a folder"));
    add(OpenProject, tr("Open &Project..."), {QKeySequence(tr("Ctrl+Alt+O"))},
        tr("Open a saved project"));
    add(SaveProject, tr("&Save Project"), {QKeySequence::Save}, tr("Save the project"));
    add(SaveProjectAs, tr("Save Project &As..."), {QKeySequence(tr("Ctrl+Shift+S"))});
    add(ExportCocoImage, tr("COCO JSON, Current Image..."), {QKeySequence(tr("Ctrl+E"))});
    add(ExportCocoAll, tr("COCO JSON, All Images..."), {QKeySequence(tr("Ctrl+Shift+E"))});
    add(ExportPngImage, tr("PNG Masks, Current Image..."), {});
    add(ExportPngAll, tr("PNG Masks, All Images..."), {});
    add(ExportLabelmeImage, tr("labelme JSON, Current Image..."), {});
    add(ExportLabelmeAll, tr("labelme JSON, All Images..."), {});
    add(ShowSettings, tr("Se&ttings..."), {QKeySequence(tr("Ctrl+,"))});
    action(ShowSettings)->setMenuRole(QAction::PreferencesRole);
    add(Quit, tr("&Quit"), {QKeySequence(tr("Ctrl+Q"))});
    action(Quit)->setMenuRole(QAction::QuitRole);

    QAction* undo = undoGroup->createUndoAction(window, tr("&Undo"));
    undo->setShortcuts({QKeySequence::Undo});
    actions_[Undo] = undo;
    QAction* redo = undoGroup->createRedoAction(window, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    actions_[Redo] = redo;
    add(DeleteInstance, tr("&Delete Instance"), {QKeySequence::Delete},
        tr("Delete the selected instance"));
    add(EditLabel, tr("Edit &Label"), {QKeySequence(tr("F2"))},
        tr("Type the label of the selected instance"));

    add(SelectTool, tr("&Select"), {QKeySequence(tr("V"))},
        tr("Click an instance to select and reference it; drag to pan"));
    add(BrushTool, tr("&Brush"), {QKeySequence(tr("B"))}, tr("Paint on the selected instance"));
    add(EraserTool, tr("&Eraser"), {QKeySequence(tr("E"))}, tr("Erase from the selected instance"));
    add(PolygonAddTool, tr("Polygon &Add"), {QKeySequence(tr("P"))},
        tr("Click points, Enter or double-click to add the area (a new instance if none is "
           "selected); Esc cancels"));
    add(PolygonSubtractTool, tr("Polygon S&ubtract"), {QKeySequence(tr("Shift+P"))},
        tr("Click points, Enter or double-click to remove the area; Esc cancels"));
    add(PickAlternativeTool, tr("Pick Alter&native"), {QKeySequence(tr("K"))},
        tr("Click a point: the model's best-ranked candidate of the selected instance that "
           "contains it replaces the mask"));
    toolGroup_ = new QActionGroup(this);
    for (Id id : {SelectTool, BrushTool, EraserTool, PolygonAddTool, PolygonSubtractTool,
                  PickAlternativeTool}) {
        action(id)->setCheckable(true);
        toolGroup_->addAction(action(id));
    }
    action(SelectTool)->setChecked(true);
    add(BrushLarger, tr("Larger Brush"), {QKeySequence(tr("]"))});
    add(BrushSmaller, tr("Smaller Brush"), {QKeySequence(tr("["))});

    add(NextImage, tr("&Next Image"), {QKeySequence(tr("PgDown"))});
    add(PreviousImage, tr("&Previous Image"), {QKeySequence(tr("PgUp"))});
    add(NextImageOnCanvas, tr("Next Image (canvas focused)"), {QKeySequence(tr("D"))});
    add(PreviousImageOnCanvas, tr("Previous Image (canvas focused)"), {QKeySequence(tr("A"))});
    for (Id id : {NextImageOnCanvas, PreviousImageOnCanvas}) {
        action(id)->setShortcutContext(Qt::WidgetShortcut);
        canvas->addAction(action(id));
    }

    add(ZoomIn, tr("Zoom &In"), {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    add(ZoomOut, tr("Zoom &Out"), {QKeySequence::ZoomOut});
    add(FitToWindow, tr("&Fit to Window"), {QKeySequence(tr("Ctrl+0")), QKeySequence(tr("F"))});
    add(ActualSize, tr("&Actual Size (1:1)"), {QKeySequence(tr("Ctrl+1"))});
    add(ToggleOverlays, tr("Show &Overlays"), {QKeySequence(tr("H"))},
        tr("Show or hide every instance overlay"));
    action(ToggleOverlays)->setCheckable(true);
    action(ToggleOverlays)->setChecked(true);
    add(FullScreen, tr("F&ull Screen"), {QKeySequence(tr("F11"))});
    action(FullScreen)->setCheckable(true);
    add(ShowShortcuts, tr("&Keyboard Shortcuts"), {QKeySequence(tr("F1"))});
    add(About, tr("&About SegLLM Studio"), {});
    action(About)->setMenuRole(QAction::AboutRole);
}

QAction* ActionRegistry::add(Id id, const QString& text, const QList<QKeySequence>& keys,
                             const QString& tip) {
    auto* action = new QAction(text, window_);
    action->setShortcuts(keys);
    if (!tip.isEmpty()) {
        action->setStatusTip(tip);
        action->setToolTip(tip);
    }
    if (id != NextImageOnCanvas && id != PreviousImageOnCanvas) {
        window_->addAction(action);
    }
    actions_[id] = action;
    return action;
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
