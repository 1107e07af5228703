#pragma once
// The main window: assembles the canvas, the instance panel, the actions and menus, the
// workspace and its project, and routes them to each other. It holds no image, mask or file
// logic of its own (editing: EditController; files: FileController; model and chat:
// ChatController).

#include "ui/dialog_provider.h"

#include <QMainWindow>
#include <QString>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;
class QToolBar;

namespace segllm::ui {

class ActionRegistry;
class ChatController;
class ChatPane;
class EditController;
class FileController;
class ImageCanvas;
class InstancePanel;
class ProjectSession;
class Workspace;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // Resource path of the application icon (an SVG compiled into segllm_ui).
    static constexpr const char* kIconPath = ":/icons/segllm-studio.svg";

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens `path` (added to the workspace) and shows it. On failure the previous image stays,
    // errorOccurred() is emitted and a window-modal message box naming the file and the reason
    // is opened (it does not block). Returns true on success.
    bool openImage(const QString& path);
    // Replaces the questions and file choosers (tests answer them without a modal dialog).
    void setDialogProvider(const DialogProvider& dialogs);
    // Open folder / project, save, export, recovery.
    FileController* files() const { return files_; }

    // Absolute path of the image shown (empty if none).
    QString currentFile() const;
    ImageCanvas* canvas() const { return canvas_; }
    InstancePanel* instancePanel() const { return panel_; }
    Workspace* workspace() const { return workspace_; }
    ProjectSession* projectSession() const { return session_; }
    EditController* editController() const { return controller_; }
    ActionRegistry* actions() const { return actions_; }
    // The conversation pane (a dock) and its controller (model, rounds).
    ChatPane* chatPane() const { return chatPane_; }
    ChatController* chat() const { return chat_; }
    // Loads the model chosen in the settings in the background (the status bar shows progress).
    void startModel();
    // Status bar text about the model (see ChatController::modelStatus).
    QString modelStatusText() const;
    // The status bar's bar of the model load (visible only while the model loads).
    QProgressBar* modelProgressBar() const { return modelProgress_; }
    // The status bar's model button: "Stop loading" while a model loads, "Load Model" while
    // none is loaded, hidden once one is.
    QToolButton* stopLoadButton() const { return stopLoadButton_; }
    // Every action that has a keyboard shortcut, in menu order.
    QList<QAction*> shortcutActions() const;
    // Status bar texts: image size ("512 x 384 px") and zoom ("50%").
    QString imageSizeText() const;
    QString zoomText() const;

signals:
    void imageOpened(const QString& path);
    // `message` names the file and the reason ("Cannot open /x.png: the file is damaged ...").
    void errorOccurred(const QString& message);
    // An instance was clicked on the canvas or in the list: the chat pane inserts "[k]".
    void instanceReferenceRequested(int id);

public slots:
    void showOpenDialog();
    void showSettings();
    void showShortcuts();
    void showAbout();
    void nextImage();
    void previousImage();

protected:
    // QEvent::LanguageChange (a translator was installed or removed, e.g. by the settings):
    // menus, actions, dock and tool bar titles, status bar and title in the new language.
    void changeEvent(QEvent* event) override;
    // Asks to save; when the window closes, a model load in progress and a running round are
    // cancelled (so that quitting does not wait for them).
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createDocks();
    void createStatusBar();
    void retranslateUi();
    void updateActions();
    void updateStatus();
    void updateTitle();
    void updateCursorPosition(const QPointF& imagePos);
    // The model's label and load bar from the chat controller's state.
    void updateModelIndicator();
    void reportError(const QString& message);
    // Shows the workspace's current image (loading `preloaded` if given, else from its file).
    void showCurrentImage(const QImage* preloaded = nullptr);
    void applyAutosaveSettings();

    Workspace* workspace_ = nullptr;
    ProjectSession* session_ = nullptr;
    ImageCanvas* canvas_ = nullptr;
    InstancePanel* panel_ = nullptr;
    EditController* controller_ = nullptr;
    FileController* files_ = nullptr;
    ActionRegistry* actions_ = nullptr;

    QMenu* fileMenu_ = nullptr;
    QMenu* exportMenu_ = nullptr;
    QMenu* editMenu_ = nullptr;
    QMenu* toolsMenu_ = nullptr;
    QMenu* chatMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QMenu* goMenu_ = nullptr;
    QMenu* helpMenu_ = nullptr;
    QToolBar* toolBar_ = nullptr;
    QDockWidget* instancesDock_ = nullptr;
    QDockWidget* chatDock_ = nullptr;

    ChatPane* chatPane_ = nullptr;
    ChatController* chat_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QProgressBar* modelProgress_ = nullptr;
    QToolButton* stopLoadButton_ = nullptr;
    QLabel* cursorLabel_ = nullptr;
    QLabel* imageLabel_ = nullptr;
    QLabel* sizeLabel_ = nullptr;
    QLabel* zoomLabel_ = nullptr;
};

}  // namespace segllm::ui
