#include "core/synth/conversation.h"

#include "core/common/error.h"

#include <algorithm>
#include <cctype>

namespace segllm::synth {

const std::vector<std::string>& prompt_wrappers() {
    static const std::vector<std::string> wrappers = {
        "Segment X.",
        "Please segment X.",
        "Can you segment X?",
        "Find X.",
        "Show me X.",
        "Where is X?",
        "Now X.",
        "X.",
    };
    return wrappers;
}

std::string wrap_prompt(int wrapper, const std::string& expression, bool lower_first) {
    const std::vector<std::string>& all = prompt_wrappers();
    if (wrapper < 0 || wrapper >= static_cast<int>(all.size())) {
        throw Error("prompt wrapper index " + std::to_string(wrapper) + " out of range");
    }
    std::string text = all[static_cast<std::size_t>(wrapper)];
    text.replace(text.find('X'), 1, expression);
    if (!text.empty()) {
        const auto c = static_cast<unsigned char>(text[0]);
        text[0] = static_cast<char>(lower_first ? std::tolower(c) : std::toupper(c));
    }
    return text;
}

namespace {

constexpr double kRelationalProbability = 0.8;
constexpr double kPreviousReferenceProbability = 0.6;
constexpr double kLowerFirstProbability = 0.25;
constexpr double kObjectNounProbability = 0.3;
constexpr double kContainingAcceptance = 0.35;
constexpr int kTosses = 8;         // relational/absolute coin tosses per round
constexpr int kDrawsPerToss = 40;  // expressions drawn per toss

bool answered(const std::vector<Round>& rounds, int id) {
    return std::any_of(rounds.begin(), rounds.end(),
                       [&](const Round& r) { return r.answer == id; });
}

// An absolute expression describing a random object not answered yet.
std::optional<Expression> draw_absolute(const Scene& scene, Rng& rng,
                                        const std::vector<Round>& rounds) {
    std::vector<int> open;
    for (const Instance& inst : scene.instances) {
        if (inst.kind == InstanceKind::object && !answered(rounds, inst.id)) {
            open.push_back(inst.id);
        }
    }
    if (open.empty()) {
        return std::nullopt;
    }
    const Instance& target = scene.instances[static_cast<std::size_t>(rng.pick(open))];
    Expression e;
    e.colour = target.colour;
    e.shape = target.shape;
    e.object_noun = rng.bernoulli(kObjectNounProbability);
    const int draw = rng.uniform_int(0, 99);
    if (draw < 30) {
        e.form = Form::colour_shape;
    } else if (draw < 45) {
        e.form = Form::shape;
    } else if (draw < 60) {
        e.form = Form::colour;
    } else if (draw < 75) {
        e.form = Form::size;
        e.size = rng.bernoulli(0.5) ? SizeWord::small : SizeWord::large;
    } else {
        e.form = Form::extreme;
        e.extreme = static_cast<Extreme>(rng.uniform_int(0, 3));
        e.with_shape = rng.bernoulli(0.5);
    }
    return e;
}

// A relational expression on a reference drawn by the spec's rule; `reference` receives the
// referenced instance id.
std::optional<Expression> draw_relational(const Scene& scene, Rng& rng,
                                          const std::vector<Round>& rounds, int& reference) {
    const int r = static_cast<int>(rounds.size()) + 1;  // the round being drawn (>= 2)
    int k = r - 1;
    if (r > 2 && !rng.bernoulli(kPreviousReferenceProbability)) {
        k = rng.uniform_int(1, r - 2);
    }
    reference = rounds[static_cast<std::size_t>(k - 1)].answer;
    const Instance& ref = scene.instances[static_cast<std::size_t>(reference)];
    std::vector<std::vector<Form>> by_type;
    if (ref.kind == InstanceKind::dot) {
        by_type = {{Form::left_of, Form::right_of, Form::above, Form::below, Form::nearest,
                    Form::farthest},
                   {Form::containing},
                   {Form::same_colour}};
    } else {
        by_type = {{Form::left_of, Form::right_of, Form::above, Form::below, Form::nearest,
                    Form::farthest},
                   {Form::touching},
                   {Form::same_colour, Form::same_shape}};
        if (ref.dot >= 0) {
            by_type.push_back({Form::dot_inside});
        }
    }
    Expression e;
    e.form = rng.pick(rng.pick(by_type));
    e.reference_round = k;
    e.object_noun = rng.bernoulli(kObjectNounProbability);
    return e;
}

}  // namespace

std::vector<Round> generate_rounds(const Scene& scene, Rng& rng, int count) {
    const ExpressionResolver resolver(scene);
    std::vector<Round> rounds;
    while (static_cast<int>(rounds.size()) < count) {
        bool done = false;
        for (int toss = 0; toss < kTosses && !done; ++toss) {
            const bool relational = !rounds.empty() && rng.bernoulli(kRelationalProbability);
            for (int draw = 0; draw < kDrawsPerToss && !done; ++draw) {
                int reference = -1;
                const std::optional<Expression> e =
                    relational ? draw_relational(scene, rng, rounds, reference)
                               : draw_absolute(scene, rng, rounds);
                if (!e) {
                    break;
                }
                // "containing" is valid whenever a dot is referenced, which follows most dot
                // rounds: thin it out so that hierarchical rounds do not crowd out the others.
                if (e->form == Form::containing && !rng.bernoulli(kContainingAcceptance)) {
                    continue;
                }
                const std::optional<int> answer = resolver.resolve(*e, reference);
                // "the shape containing [k]" can only name a host that an earlier round
                // answered (a dot is reached through its host): the one allowed repeat.
                if (!answer || (answered(rounds, *answer) && e->form != Form::containing)) {
                    continue;
                }
                Round round;
                round.spec = *e;
                round.expression = expression_text(*e);
                round.type = form_type(e->form);
                if (relational) {
                    round.references.push_back(e->reference_round);
                }
                round.wrapper = rng.uniform_int(0, static_cast<int>(prompt_wrappers().size()) - 1);
                round.prompt = wrap_prompt(round.wrapper, round.expression,
                                           rng.bernoulli(kLowerFirstProbability));
                round.answer = *answer;
                rounds.push_back(std::move(round));
                done = true;
            }
        }
        if (!done) {
            break;
        }
    }
    return rounds;
}

Conversation generate_conversation(std::uint64_t seed, const SceneOptions& scene_options,
                                   const ConversationOptions& options) {
    if (options.min_rounds < 1 || options.max_rounds > kMaxRounds ||
        options.min_rounds > options.max_rounds) {
        throw Error("conversation rounds " + std::to_string(options.min_rounds) + ".." +
                    std::to_string(options.max_rounds) + " must lie within 1.." +
                    std::to_string(kMaxRounds));
    }
    Rng rng(seed);
    const int target = rng.uniform_int(options.min_rounds, options.max_rounds);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        Conversation c;
        c.scene = generate_scene(rng, scene_options);
        c.rounds = generate_rounds(c.scene, rng, target);
        if (static_cast<int>(c.rounds.size()) >= options.min_rounds) {
            return c;
        }
    }
    throw Error("no scene with a conversation of " + std::to_string(options.min_rounds) +
                " rounds found for seed " + std::to_string(seed));
}

}  // namespace segllm::synth
