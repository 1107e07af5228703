#include "core/engine/engine_impl.h"

#include "core/common/error.h"
#include "core/common/paths.h"

#include <filesystem>

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

Engine Engine::load(const std::string& model_dir, const EngineOptions& options) {
    std::error_code ec;
    if (!std::filesystem::is_directory(model_dir, ec)) {
        throw Error("load model: the model folder '" + model_dir + "' does not exist");
    }
    model::LoadOptions load;
    load.device = options.device;
    load.dtype = options.dtype;
    std::shared_ptr<const model::SegllmModel> m;
    try {
        m = model::SegllmModel::load(model_dir, load);
    } catch (const Error& e) {
        throw Error(std::string("load model: ") + e.what());
    } catch (const std::exception& e) {
        throw Error("load model " + model_dir + ": " + e.what());
    }
    return from_model(std::move(m), options, model_dir);
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
