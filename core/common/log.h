#pragma once
// Logging through a settable callback, so the GUI can route core messages (core has no Qt).

#include <functional>
#include <string>

namespace segllm {

enum class LogLevel { debug, info, warning, error };

using LogCallback = std::function<void(LogLevel, const std::string&)>;

// Replaces the callback; an empty callback restores the default (stderr for warning and above).
void set_log_callback(LogCallback callback);
void log(LogLevel level, const std::string& message);

inline void log_info(const std::string& message) { log(LogLevel::info, message); }
inline void log_warning(const std::string& message) { log(LogLevel::warning, message); }

}  // namespace segllm
