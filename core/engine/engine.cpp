#include "core/engine/engine_impl.h"

#include "core/common/error.h"
#include "core/common/paths.h"

#include <filesystem>
#include <functional>

namespace segllm::engine {

std::shared_ptr<const model::ImageEncoding> Engine::Impl::find(const std::string& key) {
    const std::lock_guard<std::mutex> lock(mutex);
    for (auto it = images.begin(); it != images.end(); ++it) {
        if (it->first == key) {
            images.splice(images.begin(), images, it);
            ++hits;
            return images.front().second;
        }
    }
    return nullptr;
}

void Engine::Impl::put(const std::string& key,
                       std::shared_ptr<const model::ImageEncoding> encoding) {
    const std::lock_guard<std::mutex> lock(mutex);
    images.remove_if([&](const auto& entry) { return entry.first == key; });
    images.emplace_front(key, std::move(encoding));
    const std::size_t limit = static_cast<std::size_t>(std::max(1, options.image_cache_size));
    while (images.size() > limit) {
        images.pop_back();
    }
}

std::string resolve_model_dir(const std::string& requested) {
    std::error_code ec;
    if (!requested.empty()) {
        if (!std::filesystem::is_directory(requested, ec)) {
            throw Error("the model folder '" + requested + "' does not exist");
        }
        return requested;
    }
    const std::string dir = default_model_dir();
    if (!std::filesystem::is_directory(dir, ec)) {
        std::string looked;
        for (const std::string& d : data_dirs()) {
            looked += "\n  " + d + "/models/" + kDefaultModelName;
        }
        throw Error(std::string("the shipped model '") + kDefaultModelName +
                    "' was not found (it has not been trained and installed yet); looked in:" +
                    looked + "\npass --model DIR to use another model folder");
    }
    return dir;
}

Engine::Engine(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace {

// The LoadControl stage of a stage of model::SegllmModel::load ("" for its final "done").
std::string load_stage(const std::string& model_stage) {
    if (model_stage == "reading the configuration" || model_stage == "opening the checkpoint") {
        return "reading config";
    }
    if (model_stage == "building the model" || model_stage == "matching the checkpoint") {
        return "building model";
    }
    if (model_stage == "reading the tokenizer") {
        return "reading tokenizer";
    }
    if (model_stage == "loading tensors") {
        return "loading weights";
    }
    if (model_stage == "moving to the device") {
        return "moving to device";
    }
    return model_stage == "done" ? std::string() : model_stage;
}

// Share of the load's fraction taken by the warm-up when it runs.
constexpr double kWarmUpShare = 0.05;

// One short pass through every part of the model: a blank image encoded, a few tokens run
// through the LLM, the last hidden state decoded as a <seg>.
void warm_up(const model::SegllmModel& m, const model::RunControl& control,
             const std::function<void(double)>& progress) {
    const int side = static_cast<int>(m.config().vision.image_size);
    const model::ImageEncoding image = m.encode_image(RgbImage(side, side), &control);
    progress(0.4);
    const text::Tokenizer& tokenizer = *m.tokenizer();
    const at::Tensor rows =
        m.embed({tokenizer.bos_id(), tokenizer.video_id(), tokenizer.video_id()});
    model::KvCache cache = m.make_cache();
    const model::LlamaOutput out = m.forward(rows, &cache, false, &control);
    progress(0.8);
    const at::Tensor hidden = out.hidden_states.reshape({-1, out.hidden_states.size(-1)});
    (void)m.decode_seg(image, hidden.select(0, hidden.size(0) - 1));
}

}  // namespace

Engine Engine::load(const std::string& model_dir, const EngineOptions& options,
                    const LoadControl& control) {
    std::error_code ec;
    if (!std::filesystem::is_directory(model_dir, ec)) {
        throw Error("load model: the model folder '" + model_dir + "' does not exist");
    }
    const auto cancel_requested = [&] {
        return control.cancel != nullptr && control.cancel->load();
    };
    const auto report = [&](const std::string& stage, double fraction) {
        if (control.progress) {
            control.progress(stage, fraction);
        }
    };
    if (cancel_requested()) {
        throw Cancelled();
    }
    const double model_share = control.warm_up ? 1.0 - kWarmUpShare : 1.0;
    bool cancelled = false;
    model::LoadOptions load;
    load.device = options.device;
    load.dtype = options.dtype;
    load.encode_scale = options.encode_scale;
    load.progress = [&](double fraction, const std::string& model_stage) {
        if (cancel_requested()) {
            cancelled = true;
            return false;  // the model throws segllm::Error, turned into Cancelled below
        }
        const std::string stage = load_stage(model_stage);
        if (!stage.empty()) {
            report(stage, fraction * model_share);
        }
        return true;
    };
    model::LoadReport load_report;
    std::shared_ptr<const model::SegllmModel> m;
    try {
        m = model::SegllmModel::load(model_dir, load, &load_report);
    } catch (const Error& e) {
        if (cancelled) {
            throw Cancelled();
        }
        throw Error(std::string("load model: ") + e.what());
    } catch (const std::exception& e) {
        throw Error("load model " + model_dir + ": " + e.what());
    }
    Engine engine = from_model(std::move(m), options, model_dir);
    engine.impl_->device_note = load_report.device_note;
    if (control.warm_up) {
        const double start = 1.0 - kWarmUpShare;
        report("warm-up", start);
        model::RunControl run;
        run.cancel = control.cancel;
        try {
            warm_up(engine.model(), run,
                    [&](double f) { report("warm-up", start + kWarmUpShare * f); });
        } catch (const model::Cancelled&) {
            throw Cancelled();
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& e) {
            throw Error("load model " + model_dir + ": warm-up: " + e.what());
        }
    }
    if (cancel_requested()) {
        throw Cancelled();
    }
    report("ready", 1.0);
    return engine;
}

Engine Engine::from_model(std::shared_ptr<const model::SegllmModel> model,
                          const EngineOptions& options, const std::string& source) {
    if (!model) {
        throw Error("engine: no model");
    }
    if (model->tokenizer() == nullptr) {
        throw Error("engine: the model " + (source.empty() ? std::string("given") : source) +
                    " has no tokenizer (tokenizer.model)");
    }
    auto impl = std::make_shared<Impl>();
    impl->model = std::move(model);
    impl->options = options;
    impl->source = source;
    return Engine(std::move(impl));
}

ModelInfo Engine::info() const {
    const model::SegllmConfig& c = impl_->model->config();
    ModelInfo info;
    info.device = impl_->model->device().str();
    info.image_rows = static_cast<int>(c.vision.num_patches());
    info.context_length = static_cast<int>(c.llm.max_position_embeddings);
    info.vocab_size = static_cast<int>(c.llm.vocab_size);
    info.decoder_side = static_cast<int>(c.hipie.input_side);
    info.source = impl_->source;
    info.device_note = impl_->device_note;
    return info;
}

const model::SegllmModel& Engine::model() const {
    return *impl_->model;
}

int Engine::cached_images() const {
    const std::lock_guard<std::mutex> lock(impl_->mutex);
    return static_cast<int>(impl_->images.size());
}

std::int64_t Engine::cache_hits() const {
    const std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->hits;
}

}  // namespace segllm::engine
