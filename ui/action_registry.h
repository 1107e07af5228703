#pragma once
// Every QAction of the main window with its text, shortcuts and status tip, kept by key. The
// menus and the shortcuts dialog are built from here, so the dialog cannot drift from the keys
// that work. retranslate() sets every text again in the installed language (the main window
// calls it on QEvent::LanguageChange).

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
        FocusPrompt,
        CancelRound,
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
        About,  // the last one: the constructor creates OpenImage..About
    };

    // Creates the actions as children of `window`; Undo and Redo act on `undoGroup` (they
    // follow the active document, their text names the command). The "on canvas" actions are
    // added to `canvas` with a widget-only shortcut context.
    ActionRegistry(QWidget* window, QWidget* canvas, QUndoGroup* undoGroup);

    // Sets every action's text, tip and shortcuts from the installed translation.
    void retranslate();

    QAction* action(Id id) const { return actions_.at(id); }
    // The exclusive group of the five tool actions.
    QActionGroup* toolGroup() const { return toolGroup_; }
    // Every action that has a shortcut, in registry order.
    QList<QAction*> shortcutActions() const;

private:
    void set(Id id, const QString& text, const QList<QKeySequence>& keys,
             const QString& tip = QString());
    // "&Undo <command>" / "&Redo <command>" from the group's texts.
    void updateUndoRedoTexts();

    QWidget* window_;
    QUndoGroup* undoGroup_;
    std::map<Id, QAction*> actions_;
    QActionGroup* toolGroup_ = nullptr;
};

}  // namespace segllm::ui
