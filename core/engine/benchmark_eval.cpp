#include "core/engine/benchmark_eval.h"

#include "core/common/error.h"
#include "core/synth/benchmark_files.h"
#include "core/synth/expression.h"

namespace segllm::engine {

BenchmarkScores evaluate_benchmark(const Engine& engine,
                                   const std::vector<synth::BenchmarkEntry>& entries,
                                   const EvalOptions& options) {
    BenchmarkScores scores;
    Session session(engine, options.session);
    AskOptions ask;
    ask.cancel = options.cancel;
    const int total = static_cast<int>(entries.size());
    for (int e = 0; e < total; ++e) {
        const synth::BenchmarkEntry& entry = entries[static_cast<std::size_t>(e)];
        try {
            session.open_image(entry.image_path, ask);
            std::size_t n = entry.rounds.size();
            if (options.max_rounds > 0) {
                n = std::min(n, static_cast<std::size_t>(options.max_rounds));
            }
            for (std::size_t r = 0; r < n; ++r) {
                const synth::BenchmarkRound& round = entry.rounds[r];
                const RoundResult result = session.ask(round.prompt, {}, ask);
                if (round.mask_path.empty()) {
                    continue;
                }
                const Mask truth = synth::read_png_mask(round.mask_path, session.image_width(),
                                                        session.image_height());
                scores.add(static_cast<int>(r + 1),
                           round.type ? synth::relation_type_name(*round.type) : "", result.mask,
                           truth);
            }
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& ex) {
            throw Error(entry.json_path + ": " + ex.what());
        }
        if (options.progress) {
            options.progress(e + 1, total);
        }
    }
    return scores;
}

}  // namespace segllm::engine
