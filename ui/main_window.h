#pragma once
// The main window: assembles the canvas, the menus and the status bar, opens images and reports
// errors. It holds no image logic of its own.

#include <QMainWindow>
#include <QString>

class QAction;
class QLabel;
class QMenu;

namespace segllm::ui {

class ImageCanvas;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // Resource path of the application icon (an SVG compiled into segllm_ui).
    static constexpr const char* kIconPath = ":/icons/segllm-studio.svg";

    explicit MainWindow(QWidget* parent = nullptr);

    // Opens `path` into the canvas. On failure the previous image stays, errorOccurred() is
    // emitted and a window-modal message box naming the file and the reason is opened (it does
    // not block). Returns true on success.
    bool openImage(const QString& path);

    // Absolute path of the image shown (empty if none).
    QString currentFile() const { return currentFile_; }
    ImageCanvas* canvas() const { return canvas_; }
    // Every action that has a keyboard shortcut, in menu order.
    QList<QAction*> shortcutActions() const;
    // Status bar texts: image size ("512 x 384 px") and zoom ("50%").
    QString imageSizeText() const;
    QString zoomText() const;

signals:
    void imageOpened(const QString& path);
    // `message` names the file and the reason ("Cannot open /x.png: the file is damaged ...").
    void errorOccurred(const QString& message);

public slots:
    void showOpenDialog();
    void showShortcuts();
    void showAbout();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createStatusBar();
    void updateActions();
    void updateStatus();
    void updateCursorPosition(const QPointF& imagePos);
    void reportError(const QString& message);

    ImageCanvas* canvas_ = nullptr;
    QString currentFile_;

    QAction* openAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* zoomInAction_ = nullptr;
    QAction* zoomOutAction_ = nullptr;
    QAction* fitAction_ = nullptr;
    QAction* actualSizeAction_ = nullptr;
    QAction* fullScreenAction_ = nullptr;
    QAction* shortcutsAction_ = nullptr;
    QAction* aboutAction_ = nullptr;

    QLabel* cursorLabel_ = nullptr;
    QLabel* sizeLabel_ = nullptr;
    QLabel* zoomLabel_ = nullptr;
};

}  // namespace segllm::ui
