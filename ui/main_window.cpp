#include "ui/main_window.h"

#include "segllm/version.h"
#include "ui/action_registry.h"
#include "ui/chat_controller.h"
#include "ui/chat_pane.h"
#include "ui/document.h"
#include "ui/edit_commands.h"
#include "ui/edit_controller.h"
#include "ui/file_controller.h"
#include "ui/image_canvas.h"
#include "ui/image_loader.h"
#include "ui/instance_panel.h"
#include "ui/project_session.h"
#include "ui/settings.h"
#include "ui/settings_dialog.h"
#include "ui/shortcuts_dialog.h"
#include "ui/translator.h"
#include "ui/workspace.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEvent>
#include <QFileInfo>
#include <QIcon>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QUndoGroup>
#include <QUndoStack>

#include <cmath>

namespace segllm::ui {

namespace {

// The local files and folders among the dragged URLs, in their order.
QStringList droppedPaths(const QMimeData* mime) {
    QStringList paths;
    if (mime == nullptr || !mime->hasUrls()) {
        return paths;
    }
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile()) {
            paths << url.toLocalFile();
        }
    }
    return paths;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    workspace_ = new Workspace(this);
    session_ = new ProjectSession(workspace_, this);
    canvas_ = new ImageCanvas(this);
    setCentralWidget(canvas_);
    panel_ = new InstancePanel(this);
    controller_ = new EditController(workspace_, canvas_, this);
    files_ = new FileController(workspace_, session_, this);
    chatPane_ = new ChatPane(this);
    chat_ = new ChatController(workspace_, chatPane_, this);
    setAcceptDrops(true);
    setWindowIcon(QIcon(QString::fromLatin1(kIconPath)));

    createActions();
    createMenus();
    createDocks();
    createStatusBar();
    retranslateUi();

    connect(canvas_, &ImageCanvas::zoomChanged, this, [this] {
        updateStatus();
        updateActions();
    });
    connect(canvas_, &ImageCanvas::cursorMoved, this, &MainWindow::updateCursorPosition);
    connect(canvas_, &ImageCanvas::cursorLeft, cursorLabel_, &QLabel::clear);
    connect(controller_, &EditController::instanceReferenceRequested, this,
            &MainWindow::instanceReferenceRequested);
    connect(this, &MainWindow::instanceReferenceRequested, chatPane_, &ChatPane::insertReference);
    connect(canvas_, &ImageCanvas::alternativeRequested, chat_, &ChatController::pickAlternative);
    connect(chat_, &ChatController::modelStatusChanged, this, &MainWindow::updateModelIndicator);
    connect(chat_, &ChatController::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 4000); });
    connect(controller_, &EditController::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 4000); });
    connect(files_, &FileController::currentImageChanged, this, [this] { showCurrentImage(); });
    connect(files_, &FileController::errorOccurred, this, &MainWindow::reportError);
    connect(files_, &FileController::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(panel_, &InstancePanel::instanceReferenceRequested, this,
            &MainWindow::instanceReferenceRequested);
    connect(panel_, &InstancePanel::labelChangeRequested, this, [this](const QString& label) {
        Settings().addRecentLabel(label);
        controller_->setLabel(label);
    });
    connect(panel_, &InstancePanel::deleteRequested, controller_, &EditController::deleteSelected);
    connect(panel_, &InstancePanel::visibilityChangeRequested, controller_,
            &EditController::setVisible);
    connect(workspace_, &Workspace::labelsChanged, this, [this] {
        QStringList labels = workspace_->labels();
        for (const QString& label : Settings().recentLabels()) {
            if (!labels.contains(label)) {
                labels << label;
            }
        }
        panel_->setLabels(labels);
    });
    connect(workspace_, &Workspace::modifiedChanged, this, &QWidget::setWindowModified);
    connect(workspace_->undoGroup(), &QUndoGroup::indexChanged, this, &MainWindow::updateActions);
    connect(session_, &ProjectSession::projectFileChanged, this, &MainWindow::updateTitle);
    connect(session_, &ProjectSession::autosaveFailed, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    emit workspace_->labelsChanged();

    const Settings settings;
    if (!restoreGeometry(settings.windowGeometry())) {
        const QRect available = screen()->availableGeometry();
        resize(available.size() * 0.75);
    }
    restoreState(settings.windowState());
    applyAutosaveSettings();
    updateTitle();
    updateActions();
    updateStatus();
}

MainWindow::~MainWindow() {
    // The canvas and the panel observe documents that the workspace owns.
    canvas_->setDocument(nullptr);
    panel_->setDocument(nullptr);
}

void MainWindow::createActions() {
    actions_ = new ActionRegistry(this, canvas_, workspace_->undoGroup());
    using A = ActionRegistry;
    const auto on = [this](A::Id id, auto slot) {
        connect(actions_->action(id), &QAction::triggered, this, slot);
    };
    on(A::OpenImage, [this] { showOpenDialog(); });
    on(A::OpenFolder, [this] { files_->showOpenFolderDialog(); });
    on(A::OpenProject, [this] { files_->showOpenProjectDialog(); });
    on(A::SaveProject, [this] { files_->saveProject(); });
    on(A::SaveProjectAs, [this] { files_->saveProjectAs(); });
    on(A::ExportCocoImage, [this] { files_->showExportDialog(ExportFormat::Coco, false); });
    on(A::ExportCocoAll, [this] { files_->showExportDialog(ExportFormat::Coco, true); });
    on(A::ExportPngImage, [this] { files_->showExportDialog(ExportFormat::Png, false); });
    on(A::ExportPngAll, [this] { files_->showExportDialog(ExportFormat::Png, true); });
    on(A::ExportLabelmeImage, [this] { files_->showExportDialog(ExportFormat::Labelme, false); });
    on(A::ExportLabelmeAll, [this] { files_->showExportDialog(ExportFormat::Labelme, true); });
    on(A::ShowSettings, [this] { showSettings(); });
    on(A::Quit, [this] { close(); });
    on(A::DeleteInstance, [this] { controller_->deleteSelected(); });
    on(A::EditLabel, [this] {
        panel_->labelCombo()->setFocus(Qt::ShortcutFocusReason);
        panel_->labelCombo()->lineEdit()->selectAll();
    });
    on(A::BrushLarger, [this] { controller_->growBrush(); });
    on(A::BrushSmaller, [this] { controller_->shrinkBrush(); });
    for (A::Id id : {A::NextImage, A::NextImageOnCanvas}) {
        on(id, [this] { nextImage(); });
    }
    for (A::Id id : {A::PreviousImage, A::PreviousImageOnCanvas}) {
        on(id, [this] { previousImage(); });
    }
    on(A::ZoomIn, [this] { canvas_->zoomIn(); });
    on(A::ZoomOut, [this] { canvas_->zoomOut(); });
    on(A::FitToWindow, [this] { canvas_->fitToWindow(); });
    on(A::ActualSize, [this] { canvas_->showActualSize(); });
    on(A::ShowShortcuts, [this] { showShortcuts(); });
    on(A::About, [this] { showAbout(); });
    on(A::CancelRound, [this] { chat_->cancel(); });
    on(A::FocusPrompt, [this] {
        chatDock_->show();
        chatDock_->raise();
        chatPane_->promptEdit()->setFocus(Qt::ShortcutFocusReason);
    });
    connect(chat_, &ChatController::busyChanged, actions_->action(A::CancelRound),
            &QAction::setEnabled);
    connect(actions_->action(A::ToggleOverlays), &QAction::toggled, canvas_,
            &ImageCanvas::setOverlaysVisible);
    connect(actions_->action(A::FullScreen), &QAction::toggled, this, [this](bool full) {
        setWindowState(full ? windowState() | Qt::WindowFullScreen
                            : windowState() & ~Qt::WindowFullScreen);
    });
    const std::pair<A::Id, CanvasTool> tools[] = {
        {A::SelectTool, CanvasTool::Select},
        {A::BrushTool, CanvasTool::Brush},
        {A::EraserTool, CanvasTool::Eraser},
        {A::PolygonAddTool, CanvasTool::PolygonAdd},
        {A::PolygonSubtractTool, CanvasTool::PolygonSubtract},
        {A::PickAlternativeTool, CanvasTool::PickAlternative}};
    for (const auto& [id, tool] : tools) {
        const CanvasTool chosen = tool;
        connect(actions_->action(id), &QAction::triggered, canvas_,
                [this, chosen] { canvas_->setTool(chosen); });
    }
}

void MainWindow::createMenus() {
    using A = ActionRegistry;
    const auto fill = [this](QMenu* menu, std::initializer_list<int> ids) {
        for (int id : ids) {
            if (id < 0) {
                menu->addSeparator();
            } else {
                menu->addAction(actions_->action(static_cast<A::Id>(id)));
            }
        }
    };
    // Titles are set by retranslateUi().
    fileMenu_ = menuBar()->addMenu(QString());
    fill(fileMenu_,
         {A::OpenImage, A::OpenFolder, A::OpenProject, -1, A::SaveProject, A::SaveProjectAs, -1});
    exportMenu_ = fileMenu_->addMenu(QString());
    fill(exportMenu_, {A::ExportCocoImage, A::ExportPngImage, A::ExportLabelmeImage, -1,
                       A::ExportCocoAll, A::ExportPngAll, A::ExportLabelmeAll});
    fill(fileMenu_, {-1, A::ShowSettings, -1, A::Quit});
    editMenu_ = menuBar()->addMenu(QString());
    fill(editMenu_, {A::Undo, A::Redo, -1, A::EditLabel, A::DeleteInstance});
    toolsMenu_ = menuBar()->addMenu(QString());
    fill(toolsMenu_,
         {A::SelectTool, A::BrushTool, A::EraserTool, A::PolygonAddTool, A::PolygonSubtractTool,
          A::PickAlternativeTool, -1, A::BrushLarger, A::BrushSmaller});
    chatMenu_ = menuBar()->addMenu(QString());
    fill(chatMenu_, {A::FocusPrompt, A::CancelRound});
    viewMenu_ = menuBar()->addMenu(QString());
    fill(viewMenu_, {A::ZoomIn, A::ZoomOut, -1, A::FitToWindow, A::ActualSize, -1,
                     A::ToggleOverlays, A::FullScreen});
    goMenu_ = menuBar()->addMenu(QString());
    fill(goMenu_, {A::PreviousImage, A::NextImage});
    helpMenu_ = menuBar()->addMenu(QString());
    fill(helpMenu_, {A::ShowShortcuts, -1, A::About});

    toolBar_ = addToolBar(QString());
    toolBar_->setObjectName(QStringLiteral("toolsToolBar"));
    toolBar_->addActions(actions_->toolGroup()->actions());
    toolBar_->addSeparator();
    toolBar_->addAction(actions_->action(A::Undo));
    toolBar_->addAction(actions_->action(A::Redo));
    toolBar_->addSeparator();
    toolBar_->addAction(actions_->action(A::ToggleOverlays));
    toolBar_->addAction(actions_->action(A::PreviousImage));
    toolBar_->addAction(actions_->action(A::NextImage));
}

void MainWindow::createDocks() {
    instancesDock_ = new QDockWidget(this);
    instancesDock_->setObjectName(QStringLiteral("instancesDock"));
    instancesDock_->setWidget(panel_);
    addDockWidget(Qt::RightDockWidgetArea, instancesDock_);
    chatDock_ = new QDockWidget(this);
    chatDock_->setObjectName(QStringLiteral("chatDock"));
    chatDock_->setWidget(chatPane_);
    addDockWidget(Qt::LeftDockWidgetArea, chatDock_);
}

void MainWindow::retranslateUi() {
    fileMenu_->setTitle(tr("&File"));
    exportMenu_->setTitle(tr("&Export"));
    editMenu_->setTitle(tr("&Edit"));
    toolsMenu_->setTitle(tr("&Tools"));
    chatMenu_->setTitle(tr("&Chat"));
    viewMenu_->setTitle(tr("&View"));
    goMenu_->setTitle(tr("&Go"));
    helpMenu_->setTitle(tr("&Help"));
    toolBar_->setWindowTitle(tr("Tools"));
    instancesDock_->setWindowTitle(tr("Instances"));
    chatDock_->setWindowTitle(tr("Conversation"));
    // The undo history's texts first: the Undo / Redo actions show the current command's.
    for (QUndoStack* stack : workspace_->undoGroup()->stacks()) {
        retranslateCommands(stack);
    }
    actions_->retranslate();
    // The model status (status bar) and the conversation's texts.
    chat_->retranslate();
    updateTitle();
    updateStatus();
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange && actions_ != nullptr) {
        retranslateUi();
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::startModel() {
    const Settings settings;
    chat_->loadModel(settings.modelFolder(), settings.device(), settings.dtype());
}

QString MainWindow::modelStatusText() const {
    return modelLabel_->text();
}

void MainWindow::updateModelIndicator() {
    modelLabel_->setText(chat_->modelStatus());
    modelLabel_->setToolTip(chat_->modelStatusDetail());
    const bool loading = chat_->isModelLoading();
    modelProgress_->setVisible(loading);
    // While loading: "Stop loading"; with no model (never loaded, stopped or failed): "Load
    // Model"; hidden once a model is loaded.
    stopLoadButton_->setVisible(!chat_->isModelLoaded());
    stopLoadButton_->setText(loading ? tr("Stop loading") : tr("Load Model"));
    stopLoadButton_->setToolTip(loading ? tr("Stop loading the model")
                                        : tr("Load the model chosen in Settings"));
    if (loading) {
        modelProgress_->setValue(chat_->loadPercent());
        modelProgress_->setToolTip(ChatController::loadStageName(chat_->loadStage()));
    }
}

void MainWindow::createStatusBar() {
    modelLabel_ = new QLabel(this);
    modelProgress_ = new QProgressBar(this);
    modelProgress_->setRange(0, 100);
    modelProgress_->setTextVisible(false);
    modelProgress_->setMaximumWidth(120);
    modelProgress_->setMaximumHeight(modelLabel_->fontMetrics().height());
    stopLoadButton_ = new QToolButton(this);
    stopLoadButton_->setObjectName(QStringLiteral("stopLoadButton"));
    stopLoadButton_->setAutoRaise(true);
    connect(stopLoadButton_, &QToolButton::clicked, this, [this] {
        if (chat_->isModelLoading()) {
            chat_->cancelLoad();
        } else if (!chat_->isModelLoaded()) {
            startModel();
        }
    });
    statusBar()->addPermanentWidget(modelProgress_);
    statusBar()->addPermanentWidget(stopLoadButton_);
    statusBar()->addPermanentWidget(modelLabel_);
    updateModelIndicator();
    cursorLabel_ = new QLabel(this);
    imageLabel_ = new QLabel(this);
    sizeLabel_ = new QLabel(this);
    zoomLabel_ = new QLabel(this);
    zoomLabel_->setMinimumWidth(
        zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("0000.0%")));
    zoomLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    statusBar()->addPermanentWidget(cursorLabel_);
    statusBar()->addPermanentWidget(imageLabel_);
    statusBar()->addPermanentWidget(sizeLabel_);
    statusBar()->addPermanentWidget(zoomLabel_);
}

void MainWindow::setDialogProvider(const DialogProvider& dialogs) {
    files_->setDialogProvider(dialogs);
}

QString MainWindow::currentFile() const {
    return workspace_->imagePath(workspace_->currentIndex());
}

QList<QAction*> MainWindow::shortcutActions() const {
    return actions_->shortcutActions();
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
    using A = ActionRegistry;
    const bool image = canvas_->hasImage();
    actions_->action(A::ZoomIn)->setEnabled(image && canvas_->zoom() < ImageCanvas::kMaxZoom);
    actions_->action(A::ZoomOut)->setEnabled(image && canvas_->zoom() > ImageCanvas::kMinZoom);
    actions_->action(A::FitToWindow)->setEnabled(image);
    actions_->action(A::ActualSize)->setEnabled(image);
    const Document* doc = workspace_->currentDocument();
    const bool selected = doc != nullptr && doc->instance(doc->selectedId()) != nullptr;
    actions_->action(A::DeleteInstance)->setEnabled(selected);
    actions_->action(A::EditLabel)->setEnabled(selected);
    const int current = workspace_->currentIndex();
    const int count = workspace_->imageCount();
    for (A::Id id : {A::NextImage, A::NextImageOnCanvas}) {
        actions_->action(id)->setEnabled(current >= 0 && current + 1 < count);
    }
    for (A::Id id : {A::PreviousImage, A::PreviousImageOnCanvas}) {
        actions_->action(id)->setEnabled(current > 0);
    }
    for (A::Id id : {A::SaveProject, A::SaveProjectAs, A::ExportCocoAll, A::ExportPngAll,
                     A::ExportLabelmeAll}) {
        actions_->action(id)->setEnabled(count > 0);
    }
    for (A::Id id : {A::ExportCocoImage, A::ExportPngImage, A::ExportLabelmeImage}) {
        actions_->action(id)->setEnabled(doc != nullptr);
    }
}

void MainWindow::updateStatus() {
    sizeLabel_->setText(imageSizeText());
    zoomLabel_->setText(zoomText());
    const int current = workspace_->currentIndex();
    imageLabel_->setText(current < 0
                             ? QString()
                             : tr("Image %1 of %2").arg(current + 1).arg(workspace_->imageCount()));
    if (!canvas_->hasImage()) {
        cursorLabel_->clear();
    }
}

void MainWindow::updateTitle() {
    const QString app = QGuiApplication::applicationDisplayName();
    const QString project = session_->projectFile().isEmpty()
                                ? QString()
                                : QFileInfo(session_->projectFile()).fileName();
    const QString image = QFileInfo(currentFile()).fileName();
    QString title;
    if (image.isEmpty() && project.isEmpty()) {
        title = tr("%1[*]").arg(app);
    } else if (project.isEmpty()) {
        title = tr("%1[*] - %2").arg(image, app);
    } else {
        title = tr("%1 (%2)[*] - %3").arg(image, project, app);
    }
    setWindowTitle(title);
    setWindowModified(workspace_->isModified());
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

void MainWindow::showCurrentImage(const QImage* preloaded) {
    Document* doc = workspace_->currentDocument();
    QImage image;
    if (doc != nullptr) {
        if (preloaded != nullptr) {
            image = *preloaded;
        } else {
            const LoadedImage loaded = loadImage(doc->path());
            if (loaded.ok()) {
                image = loaded.image;
            } else {
                reportError(loaded.error);
            }
        }
        if (!image.isNull() && !doc->setSize(image.size())) {
            reportError(tr("The instances stored for %1 do not match its size of %2 x %3 "
                           "pixels; the file may have changed since the project was saved.")
                            .arg(QDir::toNativeSeparators(doc->path()))
                            .arg(image.width())
                            .arg(image.height()));
        }
        connect(doc, &Document::selectionChanged, this, &MainWindow::updateActions,
                Qt::UniqueConnection);
    }
    canvas_->setImage(image);
    canvas_->setDocument(doc);
    panel_->setDocument(doc);
    if (doc != nullptr) {
        Settings().setLastImageFolder(QFileInfo(doc->path()).absolutePath());
    }
    updateTitle();
    updateActions();
    updateStatus();
    if (!image.isNull()) {
        emit imageOpened(doc->path());
    }
}

bool MainWindow::openImage(const QString& path) {
    const LoadedImage loaded = loadImage(path);
    if (!loaded.ok()) {
        reportError(loaded.error);
        return false;
    }
    workspace_->setCurrentIndex(workspace_->addImage(path));
    showCurrentImage(&loaded.image);
    statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(currentFile())), 5000);
    return true;
}

void MainWindow::applyAutosaveSettings() {
    const Settings settings;
    session_->setAutosave(settings.autosaveEnabled(), settings.autosaveIntervalMinutes());
}

void MainWindow::reportError(const QString& message) {
    emit errorOccurred(message);
    auto* box = new QMessageBox(QMessageBox::Warning, QGuiApplication::applicationDisplayName(),
                                message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showOpenDialog() {
    const QString path = files_->dialogs().openFile(
        this, tr("Open Image"), Settings().lastImageFolder(), imageFileFilter());
    if (!path.isEmpty()) {
        openImage(path);
    }
}

void MainWindow::showSettings() {
    const auto modelChoice = [] {
        const Settings settings;
        return QStringList{settings.modelFolder(), settings.device(), settings.dtype()};
    };
    const QStringList before = modelChoice();
    const QString languageBefore = Settings().language();
    SettingsDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted) {
        applyAutosaveSettings();
        if (modelChoice() != before) {
            startModel();  // another folder, device or dtype: load again
        }
        const QString language = Settings().language();
        if (language != languageBefore) {
            // Every widget retranslates itself on the LanguageChange event this posts.
            installTranslations(language);
        }
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
           "<p>Ask for objects in the conversation, refer to earlier answers with [k], then "
           "correct, label and export the instance masks.</p>")
            .arg(QString::fromLatin1(segllm::kVersion)));
}

void MainWindow::nextImage() {
    if (workspace_->next()) {
        showCurrentImage();
    }
}

void MainWindow::previousImage() {
    if (workspace_->previous()) {
        showCurrentImage();
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!files_->maybeSave()) {
        event->ignore();
        return;
    }
    // A model load or round in progress stops now instead of holding up the quit.
    chat_->stopWork();
    session_->discardRecovery();
    Settings settings;
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedPaths(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QStringList paths = droppedPaths(event->mimeData());
    if (paths.isEmpty()) {
        return;
    }
    event->acceptProposedAction();
    const QString& path = paths.constFirst();
    const QFileInfo info(path);
    if (info.isDir()) {
        files_->openFolder(path);
    } else if (info.suffix() == QLatin1String(ProjectSession::kSuffix)) {
        files_->openProject(path);
    } else if (openImage(path)) {
        // Several image files: the others join the image list after the first (next /
        // previous move through them); files that are no image are left out.
        for (qsizetype i = 1; i < paths.size(); ++i) {
            const QFileInfo other(paths[i]);
            if (other.isFile() && !QImageReader::imageFormat(paths[i]).isEmpty()) {
                workspace_->addImage(paths[i]);
            }
        }
        updateActions();
        updateStatus();
    }
}

}  // namespace segllm::ui
