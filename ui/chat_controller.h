#pragma once
// The glue between the chat pane, the workspace and the inference worker: starts the model
// load (in the background, with progress; a new load or the window closing cancels the one
// running), sends prompts for the current image, turns finished rounds into undoable round
// commands on the image's Document, shows each image's own conversation, and reports the
// model's state for the status bar.
//
// Rules that keep the Document and the engine session consistent:
// - A round's result is applied to the document of the image it ran on, as a RoundCommand that
//   adds the round and its instance. Undo of that command removes both and asks the worker to
//   Session::undo (the undo stack is last-in first-out, so the round undone is always the
//   session's last one). Redo puts the round back in the document only; the next request
//   brings the engine in line with the document (InferenceWorker's consistency rule:
//   Session::restore), as it does after opening a project or switching images.
// - A result whose round number does not follow the document's rounds (the document changed
//   while it ran) is dropped and shown as an error; the next request resyncs the engine.
// - Cancel drops the running request at once (its result, if any, is ignored) and the worker
//   takes back a round that finished anyway: a cancelled round leaves nothing behind.
// - Hand edits and deletions of model-made instances reach the engine (correct_mask,
//   delete_instance) with the next request, so later rounds use the corrected masks.
#include "core/engine/engine.h"
#include "core/export/project.h"

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QPointer>
#include <QString>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

class QThread;

namespace segllm::ui {

class ChatPane;
class Document;
class InferenceWorker;
class Workspace;
struct ModelLoadInfo;
struct CandidateChoice;

class ChatController : public QObject {
    Q_OBJECT
public:
    ChatController(Workspace* workspace, ChatPane* pane, QObject* parent = nullptr);
    // Cancels a load in progress and a running round, and waits for the worker thread to end
    // (promptly: the load stops at its next tensor, the round at its next layer).
    ~ChatController() override;

    // Loads the model folder ("" = the shipped model) in the background; a load still running
    // is cancelled first. With `warmUp` the worker runs one short pass after loading so that
    // the first round does not pay for start-up (see setWarmUp).
    void loadModel(const QString& folder, const QString& device, const QString& dtype);
    // Whether later loads warm the model up (default true).
    void setWarmUp(bool warmUp) { warmUp_ = warmUp; }
    bool isModelLoaded() const { return modelLoaded_; }
    // True from loadModel until the load succeeded, failed or was cancelled.
    bool isModelLoading() const { return modelState_ == ModelState::Loading; }
    // The running load's last reported stage (the engine's name, "" before the first report)
    // and its percentage 0..100 of the whole load.
    QString loadStage() const { return loadStage_; }
    int loadPercent() const;
    // The status bar text: "Loading model: <stage> N%", "Model: <name> on CPU", "Model: <name>
    // on CPU (CUDA not used)" or "Model not loaded: <reason>".
    QString modelStatus() const { return modelStatus_; }
    // The longer text for the status bar's tooltip: "CUDA not used: <why>", the load error, or
    // empty.
    QString modelStatusDetail() const { return modelStatusDetail_; }
    // The translated name of an engine load stage ("loading weights" -> "loading weights" /
    // "Gewichte laden"); an unknown stage is returned as it is.
    static QString loadStageName(const QString& stage);
    // The worker (on its own thread); tests connect to its signals.
    InferenceWorker* worker() const { return worker_; }
    // True while a round (or a pick) is running.
    bool isBusy() const { return pending_ != 0; }

public slots:
    // Translates the model status and the pane's texts again in the installed language (the
    // main window calls it on QEvent::LanguageChange).
    void retranslate();
    // Sends `prompt` for the current image (ignored when busy, blank or no image).
    void send(const QString& prompt);
    // Cancels the running round.
    void cancel();
    // Cancels the model load in progress (the model is then not loaded).
    void cancelLoad();
    // Cancels a load in progress and the running round without waiting (the window closes).
    void stopWork();
    // "Pick alternative": the best candidate of the selected model-made instance that contains
    // `imagePos` replaces its mask (an undoable mask edit).
    void pickAlternative(const QPointF& imagePos);

signals:
    // The model's status text changed (also at every forwarded load progress report).
    void modelStatusChanged(const QString& text);
    // A progress report of the current load (the engine's stage name, fraction 0..1).
    void loadProgress(const QString& stage, double fraction);
    // A round's instance was added to a document (after the round command was pushed).
    void roundApplied(int instanceId);
    // A round failed (not for a cancelled one): `message` as shown in the pane.
    void roundError(const QString& message);
    // A request finished in any way (result, error or cancel).
    void idle();
    // A round (or a pick) started (true) or ended in any way (false).
    void busyChanged(bool busy);
    // A short message for the status bar.
    void message(const QString& text);

private:
    struct ErrorEntry {
        int afterRound = 0;  // the number of rounds when it failed
        QString prompt;
        QString message;
    };
    void onModelLoaded(quint64 loadId, const ModelLoadInfo& info);
    void onModelLoadFailed(quint64 loadId, const QString& reason, bool cancelled);
    // Sets the running load's cancel flag (no state change).
    void stopLoad();
    void onRoundFinished(quint64 requestId, const QString& imagePath,
                         const engine::RoundResult& result);
    void onRoundFailed(quint64 requestId, const QString& message, bool cancelled);
    void onCandidateChosen(quint64 requestId, const QString& imagePath,
                           const CandidateChoice& choice);
    // The model's state; the status text is made from it in the installed language.
    enum class ModelState { NotLoaded, Loading, Loaded, Failed };
    void setModelState(ModelState state);
    void updateModelStatus();
    void finishRequest();
    // The document of `path` (nullptr when the path is not in the workspace).
    Document* documentOf(const QString& path) const;
    void watchCurrentDocument();
    void refresh();
    // Enables the pane's prompt, or disables it with the reason (model status, no image).
    void updateReady();

    Workspace* workspace_;
    ChatPane* pane_;
    QThread* thread_ = nullptr;
    InferenceWorker* worker_ = nullptr;
    QPointer<Document> watched_;
    bool modelLoaded_ = false;
    ModelState modelState_ = ModelState::NotLoaded;
    std::uint64_t nextLoad_ = 0;
    std::uint64_t loadId_ = 0;                       // the load whose reports are shown
    std::shared_ptr<std::atomic<bool>> loadCancel_;  // its cancel flag (shared with the worker)
    bool warmUp_ = true;
    QString loadStage_;
    double loadFraction_ = 0.0;
    QString modelName_;    // of the loaded model
    QString modelDevice_;  // "cpu" / "cuda:0"
    QString deviceNote_;   // why CUDA is not used
    QString loadError_;    // why the model did not load
    QString modelStatus_;
    QString modelStatusDetail_;
    std::uint64_t nextRequest_ = 0;
    std::uint64_t pending_ = 0;
    QString pendingPath_;
    QString pendingPrompt_;
    QHash<QString, std::vector<ErrorEntry>> errors_;
};

}  // namespace segllm::ui
