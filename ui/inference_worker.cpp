// The one LibTorch translation unit of the GUI: the model is loaded here (for the load report's
// device note and the load progress, which engine.h does not carry). LibTorch comes before any
// Qt header: Qt's `slots` macro breaks LibTorch's headers.
#include "core/model/segllm.h"

#include "ui/inference_worker.h"

#include <QFileInfo>
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
    options.progress = [this, requestId](const std::string& stage, double fraction) {
        emit progress(requestId, fromUtf8(stage), fraction);
    };
    return options;
}

void InferenceWorker::loadModel(const QString& folder, const QString& device,
                                const QString& dtype) {
    try {
        const std::string dir = engine::resolve_model_dir(toUtf8(folder));
        model::LoadOptions load;
        load.device = toUtf8(device);
        load.dtype = toUtf8(dtype);
        load.progress = [this](double fraction, const std::string&) {
            emit loadProgress(static_cast<int>(fraction * 100.0 + 0.5));
            return true;
        };
        model::LoadReport report;
        std::shared_ptr<const model::SegllmModel> m = model::SegllmModel::load(dir, load, &report);
        engine::EngineOptions options;
        options.device = load.device;
        options.dtype = load.dtype;
        engine_ = engine::Engine::from_model(std::move(m), options, dir);
        sessions_.clear();
        ModelLoadInfo info;
        info.folder = fromUtf8(dir);
        info.name = QFileInfo(info.folder).fileName();
        info.device = fromUtf8(engine_->info().device);
        info.deviceNote = fromUtf8(report.device_note);
        emit modelLoaded(info);
    } catch (const std::exception& e) {
        emit modelLoadFailed(fromUtf8(e.what()));
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
