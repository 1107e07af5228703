#pragma once
// The model's thread: a QObject moved onto its own QThread that loads the engine in the
// background (engine::Engine::load with progress and cancellation) and owns one
// engine::Session per image path. Requests arrive as queued calls (the public slots are invoked
// with Qt::QueuedConnection by the GUI thread); every answer is a queued signal carrying the
// request (or load) id it answers. Exceptions never leave the worker thread: a failure becomes
// roundFailed / modelLoadFailed with the message. cancel() and a load's cancel flag are the
// only things touched directly from the GUI thread (atomics).
//
// Progress reports are coalesced (ProgressThrottle): at most about 30 per second per round or
// load, every stage change always passes, so the GUI's event queue is not flooded by the
// per-layer "llm" reports or the per-tensor "loading weights" reports.
//
// Consistency rule: the GUI's Document is the truth. Each request carries the document's
// ProjectImage, and before running the worker brings the engine session in line with it
// (syncSession): a different list of rounds -> Session::restore (or clear), a changed mask
// of a model-made instance -> correct_mask, an instance missing from the document ->
// delete_instance.
#include "core/engine/engine.h"
#include "core/export/project.h"
#include "ui/progress_throttle.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace segllm::ui {

// What the status bar shows about the loaded model.
struct ModelLoadInfo {
    QString name;        // the model folder's name
    QString folder;      // the model folder
    QString device;      // "cpu" / "cuda:0"
    QString deviceNote;  // why CUDA is not used (empty when it is, or when CPU was asked for)
};

// One model load. The GUI thread keeps `cancel` and sets it to stop the load (the window
// closes, another model is chosen); the worker checks it between stages and after every tensor.
struct LoadRequest {
    std::uint64_t id = 0;  // repeated in the load's signals
    QString folder;        // "" = the shipped model
    QString device;        // "auto" / "cpu" / "cuda"
    QString dtype;         // "f32" / "bf16" / "f16"
    bool warmUp = false;   // run one short pass after loading (LoadControl::warm_up)
    std::shared_ptr<std::atomic<bool>> cancel;
};

// A finished "pick alternative": the chosen candidate of an instance.
struct CandidateChoice {
    int instanceId = 0;
    Mask mask;
    PixelBox box;
    float score = 0.0F;
};

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    InferenceWorker();
    ~InferenceWorker() override;

    // Starts a thread and moves a new worker onto it; the worker is deleted when the thread
    // finishes (stopThread). Registers the value types with qRegisterMetaType.
    static InferenceWorker* startOnThread(QThread* thread);
    // Registers ModelLoadInfo, RoundResult, ProjectImage, CandidateChoice, Mask for queued
    // signals (idempotent).
    static void registerTypes();

    // GUI thread: asks the round `requestId` to stop at its next check. A round cancelled
    // before it starts is not run; one that finishes anyway is undone again (no half round).
    void cancel(std::uint64_t requestId);

public slots:
    // Loads the request's model folder through engine::Engine::load, reporting loadProgress;
    // ends with modelLoaded or modelLoadFailed (cancelled = true when its cancel flag stopped
    // it). The previous model and its sessions are dropped first (also when the load fails).
    void loadModel(const segllm::ui::LoadRequest& request);
    // Runs one round on `imagePath` after syncing its session with `document`.
    void runRound(quint64 requestId, const QString& imagePath, const segllm::ProjectImage& document,
                  const QString& prompt);
    // Removes the last round of the image's session (undo of a round command).
    void undoRound(const QString& imagePath);
    // The best candidate of `instanceId` containing pixel (x, y) becomes its result.
    void pickCandidate(quint64 requestId, const QString& imagePath,
                       const segllm::ProjectImage& document, int instanceId, int x, int y);
    // Forgets every session (a new project was opened).
    void dropSessions();

signals:
    // stage: the engine's load stage ("reading config", "building model", "reading
    // tokenizer", "loading weights", "moving to device", "warm-up", "ready"); fraction 0..1 of
    // the whole load, non-decreasing; the last report of a successful load is ("ready", 1).
    void loadProgress(quint64 loadId, const QString& stage, double fraction);
    void modelLoaded(quint64 loadId, const segllm::ui::ModelLoadInfo& info);
    // `cancelled` is true for a load stopped through its cancel flag (message "cancelled").
    void modelLoadFailed(quint64 loadId, const QString& message, bool cancelled);
    // stage: the engine's stage name ("image", "prompt", "references", "llm", "decode", "mask");
    // coalesced to about 30 reports a second (the first report of every stage always passes).
    void progress(quint64 requestId, const QString& stage, double fraction);
    void roundFinished(quint64 requestId, const QString& imagePath,
                       const segllm::engine::RoundResult& result);
    // `cancelled` is true for a round stopped by cancel() (the message is then "cancelled").
    void roundFailed(quint64 requestId, const QString& message, bool cancelled);
    void candidateChosen(quint64 requestId, const QString& imagePath,
                         const segllm::ui::CandidateChoice& choice);
    void candidateFailed(quint64 requestId, const QString& message);

private:
    // The session of `imagePath`, opened and brought in line with `document`. Throws
    // segllm::Error.
    engine::Session& syncSession(const QString& imagePath, const ProjectImage& document,
                                 const engine::AskOptions& options);
    engine::AskOptions askOptions(std::uint64_t requestId);

    std::optional<engine::Engine> engine_;
    std::map<std::string, engine::Session> sessions_;
    std::atomic<bool> cancelFlag_{false};
    std::atomic<std::uint64_t> running_{0};
    std::atomic<std::uint64_t> cancelled_{0};
    ProgressThrottle roundThrottle_;  // worker thread only
};

}  // namespace segllm::ui

Q_DECLARE_METATYPE(segllm::ui::ModelLoadInfo)
Q_DECLARE_METATYPE(segllm::ui::CandidateChoice)
Q_DECLARE_METATYPE(segllm::engine::RoundResult)
Q_DECLARE_METATYPE(segllm::ProjectImage)
