#include "ui/main_window.h"

#include "segllm/version.h"
#include "ui/image_canvas.h"
#include "ui/image_loader.h"
#include "ui/settings.h"
#include "ui/shortcuts_dialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QStatusBar>

#include <cmath>

namespace segllm::ui {

namespace {

// The first local file among the dragged URLs, or an empty string.
QString droppedFile(const QMimeData* mime) {
    if (mime == nullptr || !mime->hasUrls()) {
        return QString();
    }
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile()) {
            return url.toLocalFile();
        }
    }
    return QString();
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    canvas_ = new ImageCanvas(this);
    setCentralWidget(canvas_);
    setAcceptDrops(true);
    setWindowIcon(QIcon(QString::fromLatin1(kIconPath)));

    createActions();
    createMenus();
    createStatusBar();

    connect(canvas_, &ImageCanvas::zoomChanged, this, [this] {
        updateStatus();
        updateActions();
    });
    connect(canvas_, &ImageCanvas::cursorMoved, this, &MainWindow::updateCursorPosition);
    connect(canvas_, &ImageCanvas::cursorLeft, cursorLabel_, &QLabel::clear);

    setWindowTitle(QGuiApplication::applicationDisplayName());
    const Settings settings;
    if (!restoreGeometry(settings.windowGeometry())) {
        const QRect available = screen()->availableGeometry();
        resize(available.size() * 0.75);
    }
    restoreState(settings.windowState());
    updateActions();
    updateStatus();
}

void MainWindow::createActions() {
    openAction_ = new QAction(tr("&Open..."), this);
    openAction_->setShortcut(QKeySequence::Open);
    openAction_->setStatusTip(tr("Open an image file"));
    connect(openAction_, &QAction::triggered, this, &MainWindow::showOpenDialog);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setShortcut(QKeySequence(tr("Ctrl+Q")));
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    zoomInAction_ = new QAction(tr("Zoom &In"), this);
    zoomInAction_->setShortcuts({QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    connect(zoomInAction_, &QAction::triggered, canvas_, &ImageCanvas::zoomIn);

    zoomOutAction_ = new QAction(tr("Zoom &Out"), this);
    zoomOutAction_->setShortcut(QKeySequence::ZoomOut);
    connect(zoomOutAction_, &QAction::triggered, canvas_, &ImageCanvas::zoomOut);

    fitAction_ = new QAction(tr("&Fit to Window"), this);
    fitAction_->setShortcuts({QKeySequence(tr("Ctrl+0")), QKeySequence(tr("F"))});
    connect(fitAction_, &QAction::triggered, canvas_, &ImageCanvas::fitToWindow);

    actualSizeAction_ = new QAction(tr("&Actual Size (1:1)"), this);
    actualSizeAction_->setShortcut(QKeySequence(tr("Ctrl+1")));
    connect(actualSizeAction_, &QAction::triggered, canvas_, &ImageCanvas::showActualSize);

    fullScreenAction_ = new QAction(tr("F&ull Screen"), this);
    fullScreenAction_->setShortcut(QKeySequence(tr("F11")));
    fullScreenAction_->setCheckable(true);
    connect(fullScreenAction_, &QAction::toggled, this, [this](bool on) {
        setWindowState(on ? windowState() | Qt::WindowFullScreen
                          : windowState() & ~Qt::WindowFullScreen);
    });

    shortcutsAction_ = new QAction(tr("&Keyboard Shortcuts"), this);
    shortcutsAction_->setShortcut(QKeySequence(tr("F1")));
    connect(shortcutsAction_, &QAction::triggered, this, &MainWindow::showShortcuts);

    aboutAction_ = new QAction(tr("&About SegLLM Studio"), this);
    aboutAction_->setMenuRole(QAction::AboutRole);
    connect(aboutAction_, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(openAction_);
    file->addSeparator();
    file->addAction(quitAction_);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(zoomInAction_);
    view->addAction(zoomOutAction_);
    view->addSeparator();
    view->addAction(fitAction_);
    view->addAction(actualSizeAction_);
    view->addSeparator();
    view->addAction(fullScreenAction_);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(shortcutsAction_);
    help->addSeparator();
    help->addAction(aboutAction_);
}

void MainWindow::createStatusBar() {
    cursorLabel_ = new QLabel(this);
    sizeLabel_ = new QLabel(this);
    zoomLabel_ = new QLabel(this);
    zoomLabel_->setMinimumWidth(
        zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("0000.0%")));
    zoomLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    statusBar()->addPermanentWidget(cursorLabel_);
    statusBar()->addPermanentWidget(sizeLabel_);
    statusBar()->addPermanentWidget(zoomLabel_);
}

QList<QAction*> MainWindow::shortcutActions() const {
    return {openAction_,       zoomInAction_,     zoomOutAction_,   fitAction_,
            actualSizeAction_, fullScreenAction_, shortcutsAction_, quitAction_};
}

QString MainWindow::imageSizeText() const {
    if (!canvas_->hasImage()) {
        return QString();
    }
    return tr("%1 x %2 px").arg(canvas_->imageSize().width()).arg(canvas_->imageSize().height());
}

QString MainWindow::zoomText() const {
    if (!canvas_->hasImage()) {
        return QString();
    }
    const double percent = canvas_->zoom() * 100.0;
    // Below 10% one decimal, so that small zooms stay distinguishable.
    return tr("%1%").arg(percent, 0, 'f', percent < 10.0 ? 1 : 0);
}

void MainWindow::updateActions() {
    const bool image = canvas_->hasImage();
    zoomInAction_->setEnabled(image && canvas_->zoom() < ImageCanvas::kMaxZoom);
    zoomOutAction_->setEnabled(image && canvas_->zoom() > ImageCanvas::kMinZoom);
    fitAction_->setEnabled(image);
    actualSizeAction_->setEnabled(image);
}

void MainWindow::updateStatus() {
    sizeLabel_->setText(imageSizeText());
    zoomLabel_->setText(zoomText());
    if (!canvas_->hasImage()) {
        cursorLabel_->clear();
    }
}

void MainWindow::updateCursorPosition(const QPointF& imagePos) {
    const int x = static_cast<int>(std::floor(imagePos.x()));
    const int y = static_cast<int>(std::floor(imagePos.y()));
    if (x < 0 || y < 0 || x >= canvas_->imageSize().width() || y >= canvas_->imageSize().height()) {
        cursorLabel_->clear();
        return;
    }
    cursorLabel_->setText(tr("x %1, y %2").arg(x).arg(y));
}

bool MainWindow::openImage(const QString& path) {
    const LoadedImage loaded = loadImage(path);
    if (!loaded.ok()) {
        reportError(loaded.error);
        return false;
    }
    const QFileInfo info(path);
    currentFile_ = info.absoluteFilePath();
    canvas_->setImage(loaded.image);
    setWindowFilePath(currentFile_);
    setWindowTitle(tr("%1 - %2").arg(info.fileName(), QGuiApplication::applicationDisplayName()));
    Settings().setLastImageFolder(info.absolutePath());
    updateActions();
    updateStatus();
    statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(currentFile_)), 5000);
    emit imageOpened(currentFile_);
    return true;
}

void MainWindow::reportError(const QString& message) {
    emit errorOccurred(message);
    auto* box = new QMessageBox(QMessageBox::Warning, QGuiApplication::applicationDisplayName(),
                                message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showOpenDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Image"), Settings().lastImageFolder(), imageFileFilter());
    if (!path.isEmpty()) {
        openImage(path);
    }
}

void MainWindow::showShortcuts() {
    ShortcutsDialog dialog(shortcutActions(), this);
    dialog.exec();
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About SegLLM Studio"),
        tr("<h3>SegLLM Studio %1</h3>"
           "<p>Chat with an image: multi-round reasoning segmentation (SegLLM) on the "
           "desktop.</p>"
           "<p>This version is an image viewer; the model and the chat are not part of it "
           "yet.</p>")
            .arg(QString::fromLatin1(segllm::kVersion)));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    Settings settings;
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedFile(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = droppedFile(event->mimeData());
    if (path.isEmpty()) {
        return;
    }
    event->acceptProposedAction();
    openImage(path);
}

}  // namespace segllm::ui
