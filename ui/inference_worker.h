#pragma once
// The model's thread: a QObject moved onto its own QThread that loads the engine in the
// background and owns one engine::Session per image path. Requests arrive as queued calls
// (the public slots are invoked with Qt::QueuedConnection by the GUI thread); every answer is a
// queued signal carrying the request id it answers. Exceptions never leave the worker thread:
// a failure becomes roundFailed / modelLoadFailed with the message. cancel() is the one
// function called directly from the GUI thread (it only sets atomics).
//
// Consistency rule: the GUI's Document is the truth. Each request carries the document's
// ProjectImage, and before running the worker brings the engine session in line with it
// (syncSession): a different list of rounds -> Session::restore (or clear), a changed mask
// of a model-made instance -> correct_mask, an instance missing from the document ->
// delete_instance.
#include "core/engine/engine.h"
#include "core/export/project.h"

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
    // Loads the model folder ("" = the shipped one) on "auto"/"cpu"/"cuda" with a dtype.
    void loadModel(const QString& folder, const QString& device, const QString& dtype);
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
    void loadProgress(int percent);
    void modelLoaded(const segllm::ui::ModelLoadInfo& info);
    void modelLoadFailed(const QString& message);
    // stage: the engine's stage name ("image", "prompt", "references", "llm", "decode", "mask").
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
};

}  // namespace segllm::ui

Q_DECLARE_METATYPE(segllm::ui::ModelLoadInfo)
Q_DECLARE_METATYPE(segllm::ui::CandidateChoice)
Q_DECLARE_METATYPE(segllm::engine::RoundResult)
Q_DECLARE_METATYPE(segllm::ProjectImage)
