#include "ui/inference_worker.h"

#include <QFileInfo>
#include <chrono>
#include <exception>
#include <filesystem>
#include <utility>

namespace segllm::ui {

namespace {

QString fromUtf8(const std::string& s) {
    return QString::fromUtf8(s.c_str(), static_cast<qsizetype>(s.size()));
}

std::string toUtf8(const QString& s) {
    return s.toUtf8().toStdString();
}

// Milliseconds of a monotonic clock (for ProgressThrottle).
std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The rounds and round-made instances of `document` that the engine keeps (hand-made
// instances are the GUI's own).
ProjectImage engineView(const ProjectImage& document) {
    ProjectImage view;
    view.width = document.width;
    view.height = document.height;
    view.rounds = document.rounds;
    for (const ProjectInstance& instance : document.instances) {
        if (instance.round > 0) {
            view.instances.push_back(instance);
        }
    }
    return view;
}

bool sameRounds(const engine::Session& session, const ProjectImage& view) {
    const std::vector<engine::RoundInfo> rounds = session.rounds();
    if (rounds.size() != view.rounds.size()) {
        return false;
    }
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        if (rounds[i].prompt != view.rounds[i].prompt) {
            return false;
        }
    }
    // An instance the engine has deleted but the document has (undo of a deletion) cannot be
    // brought back one by one.
    for (const engine::Instance& instance : session.instances()) {
        if (!instance.deleted) {
            continue;
        }
        for (const ProjectInstance& saved : view.instances) {
            if (saved.id == instance.id) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace

InferenceWorker::InferenceWorker() = default;

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::registerTypes() {
    qRegisterMetaType<ModelLoadInfo>("segllm::ui::ModelLoadInfo");
    qRegisterMetaType<CandidateChoice>("segllm::ui::CandidateChoice");
    qRegisterMetaType<engine::RoundResult>("segllm::engine::RoundResult");
    qRegisterMetaType<ProjectImage>("segllm::ProjectImage");
}

InferenceWorker* InferenceWorker::startOnThread(QThread* thread) {
    registerTypes();
    auto* worker = new InferenceWorker;
    worker->moveToThread(thread);
    QObject::connect(thread, &QThread::finished, worker, &QObject::deleteLater);
    thread->start();
    return worker;
}

void InferenceWorker::cancel(std::uint64_t requestId) {
    cancelled_.store(requestId);
    if (running_.load() == requestId) {
        cancelFlag_.store(true);
    }
}

engine::AskOptions InferenceWorker::askOptions(std::uint64_t requestId) {
    running_.store(requestId);
    cancelFlag_.store(cancelled_.load() == requestId);
    engine::AskOptions options;
    options.request_id = requestId;
    options.cancel = &cancelFlag_;
    roundThrottle_.reset();
    options.progress = [this, requestId](const std::string& stage, double fraction) {
        const QString name = fromUtf8(stage);
        if (roundThrottle_.accept(name, nowMs())) {
            emit progress(requestId, name, fraction);
        }
    };
    return options;
}

void InferenceWorker::loadModel(const LoadRequest& request) {
    // The previous model goes first: the GUI treats it as gone once a load starts, and two
    // models in memory at once could exhaust it.
    sessions_.clear();
    engine_.reset();
    const std::uint64_t id = request.id;
    try {
        if (request.cancel && request.cancel->load()) {
            throw engine::Cancelled();
        }
        const std::string dir = engine::resolve_model_dir(toUtf8(request.folder));
        engine::EngineOptions options;
        options.device = toUtf8(request.device);
        options.dtype = toUtf8(request.dtype);
        engine::LoadControl control;
        control.cancel = request.cancel.get();
        control.warm_up = request.warmUp;
        ProgressThrottle throttle;
        control.progress = [this, id, &throttle](const std::string& stage, double fraction) {
            const QString name = fromUtf8(stage);
            if (throttle.accept(name, nowMs())) {
                emit loadProgress(id, name, fraction);
            }
        };
        engine::Engine loaded = engine::Engine::load(dir, options, control);
        const engine::ModelInfo model = loaded.info();
        engine_ = std::move(loaded);
        ModelLoadInfo info;
        info.folder = fromUtf8(dir);
        info.name = QFileInfo(info.folder).fileName();
        info.device = fromUtf8(model.device);
        info.deviceNote = fromUtf8(model.device_note);
        emit modelLoaded(id, info);
    } catch (const engine::Cancelled&) {
        emit modelLoadFailed(id, QStringLiteral("cancelled"), true);
    } catch (const std::exception& e) {
        emit modelLoadFailed(id, fromUtf8(e.what()), false);
    }
}

engine::Session& InferenceWorker::syncSession(const QString& imagePath,
                                              const ProjectImage& document,
                                              const engine::AskOptions& options) {
    if (!engine_) {
        throw Error("the model is not loaded");
    }
    const std::string key = toUtf8(imagePath);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
        it = sessions_.emplace(key, engine::Session(*engine_)).first;
    }
    engine::Session& session = it->second;
    if (!session.has_image()) {
        session.open_image(key, options);
    }
    const ProjectImage view = engineView(document);
    if (!sameRounds(session, view)) {
        if (view.rounds.empty()) {
            session.clear();
        } else {
            session.restore(view);
        }
        return session;
    }
    for (const engine::Instance& instance : session.instances()) {
        if (instance.deleted) {
            continue;
        }
        const ProjectInstance* saved = nullptr;
        for (const ProjectInstance& candidate : view.instances) {
            if (candidate.id == instance.id) {
                saved = &candidate;
            }
        }
        if (saved == nullptr) {
            session.delete_instance(instance.id);
        } else if (saved->mask != instance.mask) {
            session.correct_mask(instance.id, saved->mask);
        }
    }
    return session;
}

void InferenceWorker::runRound(quint64 requestId, const QString& imagePath,
                               const ProjectImage& document, const QString& prompt) {
    const engine::AskOptions options = askOptions(requestId);
    try {
        if (cancelFlag_.load()) {
            throw engine::Cancelled();
        }
        engine::Session& session = syncSession(imagePath, document, options);
        engine::RoundResult result = session.ask(toUtf8(prompt), {}, options);
        if (cancelFlag_.load()) {
            // Cancelled after the last check: take the round back so none is left half done.
            session.undo();
            throw engine::Cancelled();
        }
        running_.store(0);
        emit roundFinished(requestId, imagePath, result);
    } catch (const engine::Cancelled&) {
        running_.store(0);
        emit roundFailed(requestId, QStringLiteral("cancelled"), true);
    } catch (const std::exception& e) {
        running_.store(0);
        emit roundFailed(requestId, fromUtf8(e.what()), false);
    }
}

void InferenceWorker::undoRound(const QString& imagePath) {
    const auto it = sessions_.find(toUtf8(imagePath));
    if (it != sessions_.end() && it->second.round_count() > 0) {
        it->second.undo();
    }
}

void InferenceWorker::pickCandidate(quint64 requestId, const QString& imagePath,
                                    const ProjectImage& document, int instanceId, int x, int y) {
    try {
        engine::Session& session = syncSession(imagePath, document, askOptions(requestId));
        running_.store(0);
        const std::optional<std::size_t> rank = session.candidate_at(instanceId, x, y);
        if (!rank) {
            throw Error("no candidate of instance [" + std::to_string(instanceId) +
                        "] covers this point");
        }
        session.choose_candidate(instanceId, *rank);
        const engine::Instance& chosen = session.instance(instanceId);
        CandidateChoice choice;
        choice.instanceId = instanceId;
        choice.mask = chosen.mask;
        choice.box = chosen.box;
        choice.score = chosen.score;
        emit candidateChosen(requestId, imagePath, choice);
    } catch (const std::exception& e) {
        running_.store(0);
        emit candidateFailed(requestId, fromUtf8(e.what()));
    }
}

void InferenceWorker::dropSessions() {
    sessions_.clear();
}

}  // namespace segllm::ui
