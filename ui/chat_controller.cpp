#include "ui/chat_controller.h"

#include "ui/chat_pane.h"
#include "ui/document.h"
#include "ui/edit_commands.h"
#include "ui/inference_worker.h"
#include "ui/workspace.h"

#include <QCoreApplication>
#include <QThread>
#include <QUndoCommand>
#include <QUndoStack>
#include <cmath>
#include <functional>
#include <utility>

namespace segllm::ui {

namespace {

// A round of the conversation and the instance it made (see the rules in chat_controller.h).
class RoundCommand : public TranslatedCommand {
public:
    RoundCommand(Document* document, ProjectRound round, ProjectInstance instance,
                 std::function<void()> undoInEngine)
        : TranslatedCommand(CommandText{"ChatController",
                                        QT_TRANSLATE_NOOP("ChatController", "Round %1"),
                                        {QString::number(instance.id)}}),
          document_(document),
          round_(std::move(round)),
          instance_(std::move(instance)),
          undoInEngine_(std::move(undoInEngine)) {}

    void redo() override {
        document_->applyAddRound(round_);
        document_->applyInsert(static_cast<int>(document_->instances().size()), instance_);
    }

    void undo() override {
        if (document_->instance(instance_.id) != nullptr) {
            instance_ = document_->applyRemove(instance_.id);
        }
        document_->applyRemoveLastRound();
        undoInEngine_();
    }

private:
    Document* document_;
    ProjectRound round_;
    ProjectInstance instance_;
    std::function<void()> undoInEngine_;
};

}  // namespace

ChatController::ChatController(Workspace* workspace, ChatPane* pane, QObject* parent)
    : QObject(parent), workspace_(workspace), pane_(pane) {
    thread_ = new QThread(this);
    thread_->setObjectName(QStringLiteral("segllm-inference"));
    worker_ = InferenceWorker::startOnThread(thread_);

    connect(worker_, &InferenceWorker::loadProgress, this,
            [this](quint64 loadId, const QString& stage, double fraction) {
                if (loadId != loadId_ || modelState_ != ModelState::Loading) {
                    return;  // a cancelled load's late report
                }
                loadStage_ = stage;
                loadFraction_ = fraction;
                updateModelStatus();
                emit loadProgress(stage, fraction);
            });
    connect(worker_, &InferenceWorker::modelLoaded, this, &ChatController::onModelLoaded);
    connect(worker_, &InferenceWorker::modelLoadFailed, this, &ChatController::onModelLoadFailed);
    connect(worker_, &InferenceWorker::progress, this,
            [this](quint64 requestId, const QString& stage, double fraction) {
                if (requestId == pending_) {
                    pane_->setProgress(stage, fraction);
                }
            });
    connect(worker_, &InferenceWorker::roundFinished, this, &ChatController::onRoundFinished);
    connect(worker_, &InferenceWorker::roundFailed, this, &ChatController::onRoundFailed);
    connect(worker_, &InferenceWorker::candidateChosen, this, &ChatController::onCandidateChosen);
    connect(worker_, &InferenceWorker::candidateFailed, this,
            [this](quint64 requestId, const QString& text) {
                if (requestId == pending_) {
                    finishRequest();
                    emit message(text);
                }
            });

    connect(pane_, &ChatPane::sendRequested, this, &ChatController::send);
    connect(pane_, &ChatPane::cancelRequested, this, &ChatController::cancel);
    connect(workspace_, &Workspace::currentChanged, this, [this] {
        watchCurrentDocument();
        refresh();
    });
    connect(workspace_, &Workspace::imagesChanged, this, [this] {
        // A new image list or project: the sessions are rebuilt from the documents.
        errors_.clear();
        QMetaObject::invokeMethod(worker_, &InferenceWorker::dropSessions, Qt::QueuedConnection);
    });
    setModelState(ModelState::NotLoaded);
    watchCurrentDocument();
    refresh();
}

ChatController::~ChatController() {
    stopLoad();
    if (pending_ != 0) {
        worker_->cancel(pending_);
    }
    thread_->quit();
    thread_->wait();
}

void ChatController::loadModel(const QString& folder, const QString& device, const QString& dtype) {
    stopLoad();
    LoadRequest request;
    request.id = ++nextLoad_;
    request.folder = folder;
    request.device = device;
    request.dtype = dtype;
    request.warmUp = warmUp_;
    request.cancel = std::make_shared<std::atomic<bool>>(false);
    loadId_ = request.id;
    loadCancel_ = request.cancel;
    modelLoaded_ = false;
    loadStage_.clear();
    loadFraction_ = 0.0;
    setModelState(ModelState::Loading);
    refresh();
    QMetaObject::invokeMethod(
        worker_, [w = worker_, request] { w->loadModel(request); }, Qt::QueuedConnection);
}

void ChatController::stopLoad() {
    if (loadCancel_) {
        loadCancel_->store(true);
        loadCancel_.reset();
    }
}

void ChatController::cancelLoad() {
    if (modelState_ != ModelState::Loading) {
        return;
    }
    stopLoad();
    setModelState(ModelState::NotLoaded);
    refresh();
    emit message(tr("Model loading cancelled"));
}

void ChatController::stopWork() {
    stopLoad();
    if (pending_ != 0) {
        worker_->cancel(pending_);
    }
}

int ChatController::loadPercent() const {
    return static_cast<int>(std::floor(loadFraction_ * 100.0));
}

QString ChatController::loadStageName(const QString& stage) {
    if (stage == QLatin1String("reading config")) {
        return tr("reading the configuration");
    }
    if (stage == QLatin1String("building model")) {
        return tr("building the model");
    }
    if (stage == QLatin1String("reading tokenizer")) {
        return tr("reading the tokenizer");
    }
    if (stage == QLatin1String("loading weights")) {
        return tr("loading weights");
    }
    if (stage == QLatin1String("moving to device")) {
        return tr("moving to the device");
    }
    if (stage == QLatin1String("warm-up")) {
        return tr("warming up");
    }
    if (stage == QLatin1String("ready")) {
        return tr("ready");
    }
    return stage;
}

void ChatController::onModelLoadFailed(quint64 loadId, const QString& reason, bool cancelled) {
    if (loadId != loadId_ || modelState_ != ModelState::Loading) {
        return;  // a load replaced by a newer one, or cancelled by cancelLoad()
    }
    loadCancel_.reset();
    modelLoaded_ = false;
    loadError_ = reason;
    setModelState(cancelled ? ModelState::NotLoaded : ModelState::Failed);
    refresh();
}

void ChatController::onModelLoaded(quint64 loadId, const ModelLoadInfo& info) {
    if (loadId != loadId_ || modelState_ != ModelState::Loading) {
        return;
    }
    loadCancel_.reset();
    modelLoaded_ = true;
    modelName_ = info.name;
    modelDevice_ = info.device;
    deviceNote_ = info.deviceNote;
    setModelState(ModelState::Loaded);
    refresh();
}

void ChatController::setModelState(ModelState state) {
    modelState_ = state;
    updateModelStatus();
}

void ChatController::updateModelStatus() {
    QString text, detail;
    switch (modelState_) {
        case ModelState::NotLoaded:
            text = tr("Model not loaded");
            break;
        case ModelState::Loading:
            text =
                loadStage_.isEmpty()
                    ? tr("Loading model...")
                    : tr("Loading model: %1 %2%").arg(loadStageName(loadStage_)).arg(loadPercent());
            break;
        case ModelState::Failed:
            text = tr("Model not loaded: %1").arg(loadError_);
            detail = text;
            break;
        case ModelState::Loaded: {
            const QString device = modelDevice_.startsWith(QLatin1String("cuda"))
                                       ? tr("CUDA (%1)").arg(modelDevice_)
                                       : tr("CPU");
            text = tr("Model: %1 on %2").arg(modelName_, device);
            if (!deviceNote_.isEmpty()) {
                // The reason is long: the status bar says that, its tooltip says why.
                text += QStringLiteral(" (") + tr("CUDA not used") + QLatin1Char(')');
                detail = tr("CUDA not used: %1").arg(deviceNote_);
            }
            break;
        }
    }
    modelStatus_ = text;
    modelStatusDetail_ = detail;
    emit modelStatusChanged(text);
    updateReady();
}

void ChatController::retranslate() {
    updateModelStatus();
    refresh();
}

Document* ChatController::documentOf(const QString& path) const {
    const int index = workspace_->indexOf(path);
    return index < 0 ? nullptr : workspace_->document(index);
}

void ChatController::send(const QString& prompt) {
    Document* document = workspace_->currentDocument();
    if (pending_ != 0 || !modelLoaded_ || document == nullptr || prompt.trimmed().isEmpty()) {
        return;
    }
    pending_ = ++nextRequest_;
    pendingPath_ = document->path();
    pendingPrompt_ = prompt.trimmed();
    pane_->setBusy(true);
    emit busyChanged(true);
    const quint64 id = pending_;
    QMetaObject::invokeMethod(
        worker_,
        [w = worker_, id, path = pendingPath_, data = document->data(), p = pendingPrompt_] {
            w->runRound(id, path, data, p);
        },
        Qt::QueuedConnection);
}

void ChatController::cancel() {
    if (pending_ == 0) {
        return;
    }
    worker_->cancel(pending_);
    finishRequest();
    emit message(tr("Round cancelled"));
}

void ChatController::pickAlternative(const QPointF& imagePos) {
    Document* document = workspace_->currentDocument();
    if (pending_ != 0 || !modelLoaded_ || document == nullptr) {
        return;
    }
    const ProjectInstance* instance = document->instance(document->selectedId());
    if (instance == nullptr || instance->round == 0) {
        emit message(tr("Select an instance made by a round to pick an alternative"));
        return;
    }
    pending_ = ++nextRequest_;
    pendingPath_ = document->path();
    pendingPrompt_.clear();
    pane_->setBusy(true);
    emit busyChanged(true);
    QMetaObject::invokeMethod(
        worker_,
        [w = worker_, id = pending_, path = pendingPath_, data = document->data(),
         instanceId = instance->id, x = static_cast<int>(imagePos.x()),
         y = static_cast<int>(imagePos.y())] {
            w->pickCandidate(id, path, data, instanceId, x, y);
        },
        Qt::QueuedConnection);
}

void ChatController::finishRequest() {
    pending_ = 0;
    pane_->setBusy(false);
    emit busyChanged(false);
    emit idle();
}

void ChatController::onRoundFinished(quint64 requestId, const QString& imagePath,
                                     const engine::RoundResult& result) {
    if (requestId != pending_) {
        return;  // stale: cancelled (the worker has taken the round back)
    }
    const QString prompt = pendingPrompt_;
    finishRequest();
    Document* document = documentOf(imagePath);
    if (document == nullptr) {
        return;
    }
    const int expected = static_cast<int>(document->data().rounds.size()) + 1;
    QString problem;
    if (result.round != expected) {
        problem = tr("the conversation changed while the round ran; please ask again");
    } else if (document->instance(result.instance_id) != nullptr) {
        problem = tr("instance [%1] already exists (made by hand); delete it to continue the "
                     "conversation")
                      .arg(result.instance_id);
    }
    if (!problem.isEmpty()) {
        // The engine's session is brought back in line with the document at the next request.
        errors_[imagePath].push_back({expected - 1, prompt, problem});
        refresh();
        emit roundError(problem);
        return;
    }
    ProjectRound round;
    round.prompt = result.prompt;
    round.references = result.references;
    round.produced_instance = result.instance_id;
    round.time_ms = result.timings.total_ms;
    ProjectInstance instance;
    instance.id = result.instance_id;
    instance.mask = result.mask;
    instance.box = result.box;
    instance.score = result.score;
    instance.round = result.round;
    auto undoInEngine = [w = QPointer<InferenceWorker>(worker_), imagePath] {
        if (w) {
            QMetaObject::invokeMethod(
                w, [worker = w.data(), imagePath] { worker->undoRound(imagePath); },
                Qt::QueuedConnection);
        }
    };
    document->undoStack()->push(
        new RoundCommand(document, std::move(round), std::move(instance), undoInEngine));
    emit roundApplied(result.instance_id);
}

void ChatController::onRoundFailed(quint64 requestId, const QString& message, bool cancelled) {
    if (requestId != pending_) {
        return;
    }
    const QString path = pendingPath_;
    const QString prompt = pendingPrompt_;
    finishRequest();
    if (cancelled) {
        return;
    }
    int rounds = 0;
    if (Document* document = documentOf(path)) {
        rounds = static_cast<int>(document->data().rounds.size());
    }
    errors_[path].push_back({rounds, prompt, message});
    refresh();
    emit roundError(message);
}

void ChatController::onCandidateChosen(quint64 requestId, const QString& imagePath,
                                       const CandidateChoice& choice) {
    if (requestId != pending_) {
        return;
    }
    finishRequest();
    Document* document = documentOf(imagePath);
    const ProjectInstance* instance =
        document == nullptr ? nullptr : document->instance(choice.instanceId);
    if (instance == nullptr || instance->mask.width != choice.mask.width ||
        instance->mask.height != choice.mask.height) {
        return;
    }
    const QRect all = maskRect(choice.mask);
    document->undoStack()->push(new MaskEditCommand(
        document, choice.instanceId, copyPatch(instance->mask, all), copyPatch(choice.mask, all), 0,
        CommandText{"segllm::ui::ChatController",
                    QT_TRANSLATE_NOOP("segllm::ui::ChatController", "Pick alternative for [%1]"),
                    {QString::number(choice.instanceId)}}));
}

void ChatController::watchCurrentDocument() {
    if (watched_) {
        disconnect(watched_, nullptr, this, nullptr);
    }
    watched_ = workspace_->currentDocument();
    if (watched_) {
        connect(watched_, &Document::roundsChanged, this, &ChatController::refresh);
        connect(watched_, &Document::instanceRemoved, this, &ChatController::refresh);
        connect(watched_, &Document::instanceAdded, this, &ChatController::refresh);
    }
}

void ChatController::refresh() {
    Document* document = workspace_->currentDocument();
    std::vector<ChatEntry> entries;
    if (document != nullptr) {
        const std::vector<ErrorEntry>& errors = errors_.value(document->path());
        const std::vector<ProjectRound>& rounds = document->data().rounds;
        std::size_t nextError = 0;
        const auto addErrors = [&](int afterRound) {
            for (; nextError < errors.size() && errors[nextError].afterRound <= afterRound;
                 ++nextError) {
                ChatEntry entry;
                entry.prompt = errors[nextError].prompt;
                entry.error = errors[nextError].message;
                entries.push_back(entry);
            }
        };
        addErrors(0);
        for (std::size_t i = 0; i < rounds.size(); ++i) {
            ChatEntry entry;
            entry.round = static_cast<int>(i) + 1;
            entry.prompt = QString::fromStdString(rounds[i].prompt);
            entry.timeMs = rounds[i].time_ms;
            if (const ProjectInstance* instance = document->instance(rounds[i].produced_instance)) {
                entry.instanceId = instance->id;
                entry.score = instance->score;
            }
            entries.push_back(entry);
            addErrors(entry.round);
        }
        addErrors(static_cast<int>(rounds.size()) + 1000000);
    }
    pane_->setConversation(entries);
    updateReady();
}

void ChatController::updateReady() {
    const Document* document = workspace_->currentDocument();
    if (!modelLoaded_) {
        pane_->setReady(false, modelStatus_);
    } else if (document == nullptr) {
        pane_->setReady(false, tr("Open an image to start a conversation"));
    } else {
        pane_->setReady(true);
    }
}

}  // namespace segllm::ui
