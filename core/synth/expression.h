#pragma once
// Referring expressions of the shapes world (synthetic-world.md, "Referring expressions"): their
// words and the rule that picks their one answer in a scene.
//
// Conventions the spec leaves open (the tests' independent checker uses the same ones):
// - centroids and boxes are in pixel indices (see Instance); distances are between centroids;
// - extremes ("the leftmost circle") need at least two candidates; the margin is measured in
//   the image width (left/right) or height (top/bottom);
// - nearest/farthest need at least two other objects; "15% nearer than the runner-up" is
//   best <= 0.85 * runner-up for nearest and runner-up <= 0.85 * best for farthest;
//   left/right/above/below accept a single candidate, else the same nearest margin applies;
// - a dot as reference [k] follows the same rules (its host is one of the candidate objects,
//   so "the shape nearest to [k]" is usually the host); "the shape with the same shape as [k]"
//   is never asked of a dot (a dot is not one of the five shapes).

#include "core/synth/scene.h"

#include <optional>
#include <string>
#include <vector>

namespace segllm::synth {

enum class RelationType { absolute, positional, hierarchical, interactional, attribute };

// "absolute", "positional", ... as written in benchmark JSON.
const char* relation_type_name(RelationType type);
// Parses a type name; nullopt for an unknown one.
std::optional<RelationType> parse_relation_type(const std::string& name);

enum class Form {
    colour_shape,  // the red circle
    shape,         // the circle
    colour,        // the red shape
    size,          // the small red circle
    extreme,       // the leftmost circle / the leftmost shape
    left_of,       // the shape left of [k]
    right_of,      // the shape right of [k]
    above,         // the shape above [k]
    below,         // the shape below [k]
    nearest,       // the shape nearest to [k]
    farthest,      // the shape farthest from [k]
    dot_inside,    // the dot inside [k]
    containing,    // the shape containing [k]
    touching,      // the shape touching [k]
    same_colour,   // the shape with the same colour as [k]
    same_shape,    // the shape with the same shape as [k]
};

enum class SizeWord { small, large };
enum class Extreme { leftmost, rightmost, topmost, bottommost };

// The type of a form (absolute for the first five).
RelationType form_type(Form form);

// The form's name as the error analysis writes it: "colour_shape", "size", "left_of", ...
const char* form_name(Form form);
// The form form_name writes as `name`; nullopt for any other string.
std::optional<Form> form_named(const std::string& name);
// The form of the expression a prompt asks for, read from its words in any wrapper ("Now the
// large red circle.", "Can you segment the shape left of [2]?"; case and punctuation do not
// matter); nullopt when the prompt holds none of the world's expressions.
std::optional<Form> expression_form(const std::string& prompt);

struct Expression {
    Form form = Form::colour_shape;
    Colour colour = Colour::red;
    Shape shape = Shape::circle;
    SizeWord size = SizeWord::small;
    Extreme extreme = Extreme::leftmost;
    bool with_shape = true;    // extreme: name the shape (else the generic noun)
    bool object_noun = false;  // generic noun "object" instead of "shape"
    int reference_round = 0;   // relational forms: k of [k] (1-based round)
};

// The expression's words with the reference written literally, e.g. "the shape left of [2]".
std::string expression_text(const Expression& expression);

// The word of the expression that tells it from the others of its description: "left" in "the
// shape left of [2]", "colour" in "... with the same colour as [1]", "large", "leftmost",
// "inside", ... (the last word of the text that equals it is the one meant); empty for the
// colour / shape forms, whose nouns and adjectives say it all.
std::string deciding_word(const Expression& expression);

// Scene facts the answer rules need, computed once per scene.
class ExpressionResolver {
public:
    explicit ExpressionResolver(const Scene& scene);

    // The id of the one instance the expression denotes, or nullopt when there is none, more
    // than one, or a margin rule fails. `reference` is the instance id that [k] denotes
    // (ignored by absolute forms).
    std::optional<int> resolve(const Expression& expression, int reference = -1) const;

    // True when objects a and b (ids) have 4-adjacent, non-overlapping masks.
    bool touching(int a, int b) const;

private:
    const Scene& scene_;
    std::vector<int> objects_;         // ids of the objects (no dots)
    std::vector<std::uint8_t> touch_;  // n x n over instance ids
};

}  // namespace segllm::synth
