#pragma once
// Internal to core/engine (includes LibTorch): the engine's shared state.

#include "core/engine/engine.h"
#include "core/model/segllm.h"

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace segllm::engine {

struct Engine::Impl {
    std::shared_ptr<const model::SegllmModel> model;
    EngineOptions options;
    std::string source;
    std::string device_note;  // from the load report (Engine::load)

    // LRU of encoded images, most recent first.
    mutable std::mutex mutex;
    std::list<std::pair<std::string, std::shared_ptr<const model::ImageEncoding>>> images;
    std::int64_t hits = 0;

    // The cached encoding of `key` (moved to the front), or nullptr.
    std::shared_ptr<const model::ImageEncoding> find(const std::string& key);
    // Stores an encoding, dropping the least recently used beyond the cache size.
    void put(const std::string& key, std::shared_ptr<const model::ImageEncoding> encoding);
};

}  // namespace segllm::engine
