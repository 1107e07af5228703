#include "core/common/log.h"

#include <cstdio>
#include <mutex>

namespace segllm {
namespace {

std::mutex& callback_mutex() {
    static std::mutex mutex;
    return mutex;
}

LogCallback& callback_slot() {
    static LogCallback callback;
    return callback;
}

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warning: return "warning";
        case LogLevel::error: return "error";
    }
    return "?";
}

}  // namespace

void set_log_callback(LogCallback callback) {
    std::lock_guard<std::mutex> lock(callback_mutex());
    callback_slot() = std::move(callback);
}

void log(LogLevel level, const std::string& message) {
    LogCallback callback;
    {
        std::lock_guard<std::mutex> lock(callback_mutex());
        callback = callback_slot();
    }
    if (callback) {
        callback(level, message);
        return;
    }
    if (level >= LogLevel::warning) {
        std::fprintf(stderr, "segllm %s: %s\n", level_name(level), message.c_str());
    }
}

}  // namespace segllm
