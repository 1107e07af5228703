#include "core/engine/benchmark_eval.h"

#include "core/common/error.h"
#include "core/synth/conversation.h"
#include "core/synth/expression.h"
#ifdef SEGLLM_HAVE_SYNTH_PNG
#include "core/synth/benchmark_files.h"
#endif

#include <algorithm>
#include <optional>
#include <string>

namespace segllm::engine {

namespace {

// One round to ask: its prompt and, when it is scored, its relation type name ("" for none)
// and its ground truth at the image's size (called only for scored rounds).
struct EvalRound {
    std::string prompt;
    bool scored = false;
    std::string type;
    std::vector<int> references;  // the k of every [k] in the prompt (1-based rounds)
    std::function<Mask(int width, int height)> truth;
};

// The best IoU with the truth among the instance's ranked candidates (0 without candidates).
double best_candidate_iou(const Session& session, int id, const Mask& truth) {
    const std::vector<Candidate> candidates = session.candidates(id);
    double best = 0.0;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
        best = std::max(best, mask_iou(session.candidate_mask(id, k), truth));
    }
    return best;
}

// Asks the rounds (at most options.max_rounds of them) in order in the session, whose image is
// open, and adds each scored one to `scores` under its 1-based round number.
void score_rounds(Session& session, const std::vector<EvalRound>& rounds,
                  const EvalOptions& options, const AskOptions& ask, BenchmarkScores& scores) {
    std::size_t n = rounds.size();
    if (options.max_rounds > 0) {
        n = std::min(n, static_cast<std::size_t>(options.max_rounds));
    }
    std::vector<std::optional<Mask>> truths(n);  // of the scored rounds, for the error analysis
    for (std::size_t r = 0; r < n; ++r) {
        const EvalRound& round = rounds[r];
        const RoundResult result = session.ask(round.prompt, {}, ask);
        if (!round.scored) {
            continue;
        }
        const Mask truth = round.truth(session.image_width(), session.image_height());
        scores.add(static_cast<int>(r + 1), round.type, result.mask, truth);
        if (options.error_analysis) {
            std::vector<const Mask*> referenced;
            std::vector<const Mask*> earlier;
            for (std::size_t e = 0; e < r; ++e) {
                if (!truths[e]) {
                    continue;
                }
                const bool named = std::find(round.references.begin(), round.references.end(),
                                             static_cast<int>(e + 1)) != round.references.end();
                (named ? referenced : earlier).push_back(&*truths[e]);
            }
            const RoundOutcome outcome = classify_outcome(result.mask, truth, referenced, earlier);
            const double prediction_iou = mask_iou(result.mask, truth);
            const double best = best_candidate_iou(session, result.instance_id, truth);
            scores.add_outcome(round.type, outcome, prediction_iou, best);
            if (const std::optional<synth::Form> form = synth::expression_form(round.prompt)) {
                scores.add_form(synth::form_name(*form), result.mask, truth, outcome,
                                prediction_iou, best);
            }
            truths[r] = truth;
        }
        if (options.corrected_history) {
            session.correct_mask(result.instance_id, truth);
        }
    }
}

}  // namespace

#ifdef SEGLLM_HAVE_SYNTH_PNG
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
            std::vector<EvalRound> rounds;
            rounds.reserve(entry.rounds.size());
            for (const synth::BenchmarkRound& round : entry.rounds) {
                EvalRound r;
                r.prompt = round.prompt;
                r.scored = !round.mask_path.empty();
                r.type = round.type ? synth::relation_type_name(*round.type) : "";
                r.references = round.references;
                const std::string mask_path = round.mask_path;
                r.truth = [mask_path](int width, int height) {
                    return synth::read_png_mask(mask_path, width, height);
                };
                rounds.push_back(std::move(r));
            }
            score_rounds(session, rounds, options, ask, scores);
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
#endif

BenchmarkScores evaluate_generated(const Engine& engine, const synth::BenchmarkOptions& generated,
                                   const EvalOptions& options) {
    if (generated.count < 1) {
        throw Error("generated benchmark: the count must be at least 1, got " +
                    std::to_string(generated.count));
    }
    BenchmarkScores scores;
    Session session(engine, options.session);
    AskOptions ask;
    ask.cancel = options.cancel;
    for (int i = 0; i < generated.count; ++i) {
        const std::string name = synth::benchmark_stem(i);
        try {
            const synth::Conversation c = synth::benchmark_conversation(generated, i);
            // The key names the drawing, so the engine's image cache never mixes two scenes.
            session.open_image(c.scene.image,
                               "generated:" + std::to_string(generated.seed) + ":" + name + ":" +
                                   std::to_string(c.scene.image.width) + "x" +
                                   std::to_string(c.scene.image.height) + ":" +
                                   std::to_string(generated.rounds.min_rounds) + "-" +
                                   std::to_string(generated.rounds.max_rounds),
                               ask);
            std::vector<EvalRound> rounds;
            rounds.reserve(c.rounds.size());
            for (const synth::Round& round : c.rounds) {
                EvalRound r;
                r.prompt = round.prompt;
                r.scored = true;
                r.type = synth::relation_type_name(round.type);
                r.references = round.references;
                const Mask& answer =
                    c.scene.instances.at(static_cast<std::size_t>(round.answer)).mask;
                r.truth = [&answer, &name](int width, int height) {
                    if (answer.width != width || answer.height != height) {
                        throw Error("ground truth of " + name + " is " +
                                    std::to_string(answer.width) + "x" +
                                    std::to_string(answer.height) + ", the image is " +
                                    std::to_string(width) + "x" + std::to_string(height));
                    }
                    // Binary like a mask read back from its 0/255 PNG.
                    Mask truth(answer.width, answer.height);
                    for (int y = 0; y < answer.height; ++y) {
                        for (int x = 0; x < answer.width; ++x) {
                            truth.at(x, y) = answer.at(x, y) != 0 ? 1 : 0;
                        }
                    }
                    return truth;
                };
                rounds.push_back(std::move(r));
            }
            score_rounds(session, rounds, options, ask, scores);
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& ex) {
            throw Error("generated conversation " + name + " (seed " +
                        std::to_string(generated.seed) + "): " + ex.what());
        }
        if (options.progress) {
            options.progress(i + 1, generated.count);
        }
    }
    return scores;
}

}  // namespace segllm::engine
