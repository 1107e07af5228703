#include "ui/progress_throttle.h"

namespace segllm::ui {

ProgressThrottle::ProgressThrottle(std::int64_t minIntervalMs) : minIntervalMs_(minIntervalMs) {}

bool ProgressThrottle::accept(const QString& stage, std::int64_t nowMs) {
    if (started_ && stage == lastStage_ && nowMs - lastMs_ < minIntervalMs_) {
        return false;
    }
    started_ = true;
    lastStage_ = stage;
    lastMs_ = nowMs;
    return true;
}

void ProgressThrottle::reset() {
    started_ = false;
    lastStage_.clear();
    lastMs_ = 0;
}

}  // namespace segllm::ui
