#include "core/synth/world_text.h"

#include "core/synth/conversation.h"
#include "core/synth/expression.h"
#include "core/synth/random.h"

#include <cctype>

namespace segllm::synth {

std::string render_references(const std::string& prompt) {
    std::string out;
    std::size_t i = 0;
    while (i < prompt.size()) {
        if (prompt[i] == '[') {
            std::size_t j = i + 1;
            while (j < prompt.size() && std::isdigit(static_cast<unsigned char>(prompt[j]))) {
                ++j;
            }
            if (j > i + 1 && j - i - 1 <= 2 && j < prompt.size() && prompt[j] == ']') {
                out += "instance " + prompt.substr(i + 1, j - i - 1);
                i = j + 1;
                continue;
            }
        }
        out += prompt[i];
        ++i;
    }
    return out;
}

std::vector<std::string> world_coverage_sentences() {
    std::vector<Expression> expressions;
    int sequence = 0;
    for (Colour c : all_colours()) {
        for (Shape s : all_shapes()) {
            Expression e;
            e.form = Form::colour_shape;
            e.colour = c;
            e.shape = s;
            expressions.push_back(e);
            e.form = Form::size;
            e.size = (sequence++ % 2 == 0) ? SizeWord::small : SizeWord::large;
            expressions.push_back(e);
        }
    }
    for (Shape s : all_shapes()) {
        Expression e;
        e.form = Form::shape;
        e.shape = s;
        expressions.push_back(e);
    }
    for (bool object_noun : {false, true}) {
        for (Colour c : all_colours()) {
            Expression e;
            e.form = Form::colour;
            e.colour = c;
            e.object_noun = object_noun;
            expressions.push_back(e);
        }
        for (int x = 0; x < 4; ++x) {
            Expression e;
            e.form = Form::extreme;
            e.extreme = static_cast<Extreme>(x);
            e.with_shape = false;
            e.object_noun = object_noun;
            expressions.push_back(e);
            e.with_shape = true;
            e.shape = all_shapes()[static_cast<std::size_t>(x)];
            expressions.push_back(e);
        }
    }
    const Form relational[] = {Form::left_of,     Form::right_of,   Form::above,
                               Form::below,       Form::nearest,    Form::farthest,
                               Form::dot_inside,  Form::containing, Form::touching,
                               Form::same_colour, Form::same_shape};
    int k = 0;
    for (bool object_noun : {false, true}) {
        for (Form f : relational) {
            Expression e;
            e.form = f;
            e.object_noun = object_noun;
            e.reference_round = 1 + (k++ % kMaxRounds);
            expressions.push_back(e);
        }
    }
    std::vector<std::string> out;
    const int wrappers = static_cast<int>(prompt_wrappers().size());
    for (std::size_t i = 0; i < expressions.size(); ++i) {
        const int wrapper = static_cast<int>(i) % wrappers;
        const bool lower = (i / static_cast<std::size_t>(wrappers)) % 2 == 1;
        out.push_back(
            render_references(wrap_prompt(wrapper, expression_text(expressions[i]), lower)));
    }
    return out;
}

std::vector<std::string> world_sentences(std::uint64_t seed, int n) {
    std::vector<std::string> out = world_coverage_sentences();
    const std::size_t wanted = out.size() + static_cast<std::size_t>(n > 0 ? n : 0);
    ConversationOptions options;
    options.min_rounds = 1;
    options.max_rounds = kMaxRounds;
    for (std::uint64_t i = 0; out.size() < wanted; ++i) {
        const Conversation c = generate_conversation(mix_seed(seed, i), SceneOptions{}, options);
        for (const Round& r : c.rounds) {
            if (out.size() < wanted) {
                out.push_back(render_references(r.prompt));
            }
        }
    }
    return out;
}

}  // namespace segllm::synth
