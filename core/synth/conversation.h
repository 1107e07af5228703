#pragma once
// Multi-round conversations over a scene (synthetic-world.md, "Referring expressions"): round 1
// absolute; a later round relational with probability 0.8 (reference: the previous round's
// instance with probability 0.6, otherwise one of the other earlier rounds, uniformly), else
// absolute. Every expression has exactly one answer (drawn again until it has).
//
// Decision the spec leaves open: a round never answers an instance that an earlier round of the
// same conversation already answered (each round adds a new instance, as a user would ask), with
// one exception: "the shape containing [k]" names the host of dot k, which an earlier round must
// have answered (dots are only reached by "the dot inside [j]"). A conversation ends early when
// no new expression can be found.

#include "core/synth/expression.h"
#include "core/synth/random.h"
#include "core/synth/scene.h"

#include <cstdint>
#include <string>
#include <vector>

namespace segllm::synth {

struct Round {
    std::string prompt;      // wrapped, with [k] written literally: "Find the shape left of [1]."
    std::string expression;  // the expression alone: "the shape left of [1]"
    Expression spec;         // what the expression says
    RelationType type = RelationType::absolute;
    std::vector<int> references;  // 1-based rounds that [k] names (empty for absolute)
    int wrapper = 0;              // index into prompt_wrappers()
    int answer = -1;              // instance id
};

struct ConversationOptions {
    int min_rounds = 1;  // 1..8
    int max_rounds = 4;  // min_rounds..8
};

struct Conversation {
    Scene scene;
    std::vector<Round> rounds;
};

constexpr int kMaxRounds = 8;

// The eight prompt wrappers, with X where the expression goes: "Segment X.", ... "X.".
const std::vector<std::string>& prompt_wrappers();
// Wraps an expression ("the red circle") with wrapper i; the first letter is upper case unless
// `lower_first`.
std::string wrap_prompt(int wrapper, const std::string& expression, bool lower_first);

// Up to `rounds` rounds over the scene (fewer when no new unique expression exists).
std::vector<Round> generate_rounds(const Scene& scene, Rng& rng, int rounds);

// A scene of the given size and a conversation of min_rounds..max_rounds rounds (uniformly
// drawn; scenes are redrawn until the conversation reaches min_rounds). Same seed, same result.
// Throws segllm::Error for rounds outside 1..8 or min > max, or a size outside 96..512.
Conversation generate_conversation(std::uint64_t seed, const SceneOptions& scene_options = {},
                                   const ConversationOptions& options = {});

}  // namespace segllm::synth
