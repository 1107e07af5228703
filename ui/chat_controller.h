#pragma once
// The glue between the chat pane, the workspace and the inference worker: starts the model
// load, sends prompts for the current image, turns finished rounds into undoable round
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
#include <cstdint>
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
    // Cancels a running round and waits for the worker thread to end.
    ~ChatController() override;

    // Loads the model folder ("" = the shipped model) in the background.
    void loadModel(const QString& folder, const QString& device, const QString& dtype);
    bool isModelLoaded() const { return modelLoaded_; }
    // The status bar text: "Loading model... N%", "Model: <name> on CPU (<why not CUDA>)" or
    // "Model not loaded: <reason>".
    QString modelStatus() const { return modelStatus_; }
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
    // "Pick alternative": the best candidate of the selected model-made instance that contains
    // `imagePos` replaces its mask (an undoable mask edit).
    void pickAlternative(const QPointF& imagePos);

signals:
    void modelStatusChanged(const QString& text);
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
    void onModelLoaded(const ModelLoadInfo& info);
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

    Workspace* workspace_;
    ChatPane* pane_;
    QThread* thread_ = nullptr;
    InferenceWorker* worker_ = nullptr;
    QPointer<Document> watched_;
    bool modelLoaded_ = false;
    ModelState modelState_ = ModelState::NotLoaded;
    int loadPercent_ = 0;
    QString modelName_;    // of the loaded model
    QString modelDevice_;  // "cpu" / "cuda:0"
    QString deviceNote_;   // why CUDA is not used
    QString loadError_;    // why the model did not load
    QString modelStatus_;
    std::uint64_t nextRequest_ = 0;
    std::uint64_t pending_ = 0;
    QString pendingPath_;
    QString pendingPrompt_;
    QHash<QString, std::vector<ErrorEntry>> errors_;
};

}  // namespace segllm::ui
