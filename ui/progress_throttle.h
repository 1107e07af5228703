#pragma once
// Coalesces a fast stream of progress reports (the engine reports the "llm" stage after every
// decoder layer and "loading weights" after every tensor) into at most one report per interval,
// so that the GUI thread's event queue is not flooded. A report of a new stage is always let
// through, so every stage is seen, in order, with its first fraction.

#include <QString>
#include <cstdint>

namespace segllm::ui {

class ProgressThrottle {
public:
    // About 30 reports per second.
    static constexpr std::int64_t kDefaultIntervalMs = 33;

    explicit ProgressThrottle(std::int64_t minIntervalMs = kDefaultIntervalMs);

    // Whether the report of `stage` made at time `nowMs` (any monotonic millisecond clock)
    // should be forwarded: true for the first report after reset(), for a stage other than
    // the last forwarded one, and once at least the interval has passed since the last
    // forwarded report; false otherwise (the report is dropped; a later one supersedes it).
    bool accept(const QString& stage, std::int64_t nowMs);
    // Forgets the last forwarded report (a new round or load starts).
    void reset();

    std::int64_t minIntervalMs() const { return minIntervalMs_; }

private:
    std::int64_t minIntervalMs_;
    bool started_ = false;
    QString lastStage_;
    std::int64_t lastMs_ = 0;
};

}  // namespace segllm::ui
