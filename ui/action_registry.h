#pragma once
// Every QAction of the main window with its text, shortcuts and status tip, kept by key. The
// menus and the shortcuts dialog are built from here, so the dialog cannot drift from the keys
// that work.

#include <QList>
#include <QObject>

#include <map>

class QAction;
class QActionGroup;
class QUndoGroup;
class QWidget;

namespace segllm::ui {

class ActionRegistry : public QObject {
    Q_OBJECT

public:
    enum Id {
        OpenImage,
        OpenFolder,
        OpenProject,
        SaveProject,
        SaveProjectAs,
        ExportCocoImage,
        ExportCocoAll,
        ExportPngImage,
        ExportPngAll,
        ExportLabelmeImage,
        ExportLabelmeAll,
        ShowSettings,
        Quit,
        Undo,
        Redo,
        DeleteInstance,
        EditLabel,
        SelectTool,
        BrushTool,
        EraserTool,
        PolygonAddTool,
        PolygonSubtractTool,
        PickAlternativeTool,
        BrushLarger,
        BrushSmaller,
        NextImage,
        PreviousImage,
        NextImageOnCanvas,
        PreviousImageOnCanvas,
        ZoomIn,
        ZoomOut,
        FitToWindow,
        ActualSize,
        ToggleOverlays,
        FullScreen,
        ShowShortcuts,
        About,
    };

    // Creates the actions as children of `window`; Undo and Redo come from `undoGroup` (they
    // follow the active document). The "on canvas" actions are added to `canvas` with a
    // widget-only shortcut context.
    ActionRegistry(QWidget* window, QWidget* canvas, QUndoGroup* undoGroup);

    QAction* action(Id id) const { return actions_.at(id); }
    // The exclusive group of the five tool actions.
    QActionGroup* toolGroup() const { return toolGroup_; }
    // Every action that has a shortcut, in registry order.
    QList<QAction*> shortcutActions() const;

private:
    QAction* add(Id id, const QString& text, const QList<QKeySequence>& keys,
                 const QString& tip = QString());

    QWidget* window_;
    std::map<Id, QAction*> actions_;
    QActionGroup* toolGroup_ = nullptr;
};

}  // namespace segllm::ui
