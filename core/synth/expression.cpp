#include "core/synth/expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

namespace segllm::synth {

const char* relation_type_name(RelationType type) {
    switch (type) {
        case RelationType::absolute:
            return "absolute";
        case RelationType::positional:
            return "positional";
        case RelationType::hierarchical:
            return "hierarchical";
        case RelationType::interactional:
            return "interactional";
        case RelationType::attribute:
            return "attribute";
    }
    return "?";
}

std::optional<RelationType> parse_relation_type(const std::string& name) {
    for (RelationType t :
         {RelationType::absolute, RelationType::positional, RelationType::hierarchical,
          RelationType::interactional, RelationType::attribute}) {
        if (name == relation_type_name(t)) {
            return t;
        }
    }
    return std::nullopt;
}

RelationType form_type(Form form) {
    switch (form) {
        case Form::colour_shape:
        case Form::shape:
        case Form::colour:
        case Form::size:
        case Form::extreme:
            return RelationType::absolute;
        case Form::left_of:
        case Form::right_of:
        case Form::above:
        case Form::below:
        case Form::nearest:
        case Form::farthest:
            return RelationType::positional;
        case Form::dot_inside:
        case Form::containing:
            return RelationType::hierarchical;
        case Form::touching:
            return RelationType::interactional;
        case Form::same_colour:
        case Form::same_shape:
            return RelationType::attribute;
    }
    return RelationType::absolute;
}

namespace {
const char* extreme_word(Extreme e) {
    switch (e) {
        case Extreme::leftmost:
            return "leftmost";
        case Extreme::rightmost:
            return "rightmost";
        case Extreme::topmost:
            return "topmost";
        case Extreme::bottommost:
            return "bottommost";
    }
    return "?";
}

// Per form: the error analysis's name and the deciding word (nullptr: none; the
// size and extreme forms take theirs from the expression).
struct FormWords {
    Form form;
    const char* name;
    const char* word;
};
constexpr FormWords kFormWords[] = {{Form::colour_shape, "colour_shape", nullptr},
                                    {Form::shape, "shape", nullptr},
                                    {Form::colour, "colour", nullptr},
                                    {Form::size, "size", nullptr},
                                    {Form::extreme, "extreme", nullptr},
                                    {Form::left_of, "left_of", "left"},
                                    {Form::right_of, "right_of", "right"},
                                    {Form::above, "above", "above"},
                                    {Form::below, "below", "below"},
                                    {Form::nearest, "nearest", "nearest"},
                                    {Form::farthest, "farthest", "farthest"},
                                    {Form::dot_inside, "dot_inside", "inside"},
                                    {Form::containing, "containing", "containing"},
                                    {Form::touching, "touching", "touching"},
                                    {Form::same_colour, "same_colour", "colour"},
                                    {Form::same_shape, "same_shape", "shape"}};
static_assert(sizeof kFormWords / sizeof kFormWords[0] ==
                  static_cast<std::size_t>(Form::same_shape) + 1,
              "every form has its words");

const FormWords* form_words(Form form) {
    for (const FormWords& f : kFormWords) {
        if (f.form == form) {
            return &f;
        }
    }
    return nullptr;
}
}  // namespace

const char* form_name(Form form) {
    const FormWords* f = form_words(form);
    return f != nullptr ? f->name : "?";
}

std::optional<Form> form_named(const std::string& name) {
    for (const FormWords& f : kFormWords) {
        if (name == f.name) {
            return f.form;
        }
    }
    return std::nullopt;
}

std::optional<Form> expression_form(const std::string& prompt) {
    std::vector<std::string> words(1);
    for (const char c : prompt) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!words.back().empty()) {
            words.emplace_back();
        }
    }
    const auto has = [&words](const std::vector<const char*>& phrase) {
        const std::size_t n = phrase.size();
        for (std::size_t i = 0; i + n <= words.size(); ++i) {
            if (std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<long>(i))) {
                return true;
            }
        }
        return false;
    };
    const auto has_any = [&has](const std::vector<const char*>& alternatives) {
        return std::any_of(alternatives.begin(), alternatives.end(),
                           [&has](const char* w) { return has({w}); });
    };
    // Relational forms first: their words do not occur in absolute expressions.
    const std::vector<std::pair<std::vector<const char*>, Form>> relational = {
        {{"same", "colour", "as"}, Form::same_colour},
        {{"same", "shape", "as"}, Form::same_shape},
        {{"dot", "inside"}, Form::dot_inside},
        {{"containing"}, Form::containing},
        {{"touching"}, Form::touching},
        {{"nearest", "to"}, Form::nearest},
        {{"farthest", "from"}, Form::farthest},
        {{"left", "of"}, Form::left_of},
        {{"right", "of"}, Form::right_of},
        {{"above"}, Form::above},
        {{"below"}, Form::below}};
    for (const auto& [phrase, form] : relational) {
        if (has(phrase)) {
            return form;
        }
    }
    if (has_any({"leftmost", "rightmost", "topmost", "bottommost"})) {
        return Form::extreme;
    }
    if (has_any({"small", "large"})) {
        return Form::size;
    }
    bool colour = false, shape = false;
    for (const Colour c : all_colours()) {
        colour = colour || has({colour_name(c)});
    }
    for (const Shape k : all_shapes()) {
        shape = shape || has({shape_name(k)});
    }
    if (colour && shape) {
        return Form::colour_shape;
    }
    if (colour && has_any({"shape", "object"})) {
        return Form::colour;
    }
    if (shape) {
        return Form::shape;
    }
    return std::nullopt;
}

std::string expression_text(const Expression& e) {
    const std::string generic = e.object_noun ? "object" : "shape";
    const std::string ref = "[" + std::to_string(e.reference_round) + "]";
    const std::string colour = colour_name(e.colour);
    const std::string shape = shape_name(e.shape);
    switch (e.form) {
        case Form::colour_shape:
            return "the " + colour + " " + shape;
        case Form::shape:
            return "the " + shape;
        case Form::colour:
            return "the " + colour + " " + generic;
        case Form::size:
            return std::string("the ") + (e.size == SizeWord::small ? "small" : "large") + " " +
                   colour + " " + shape;
        case Form::extreme:
            return std::string("the ") + extreme_word(e.extreme) + " " +
                   (e.with_shape ? shape : generic);
        case Form::left_of:
            return "the " + generic + " left of " + ref;
        case Form::right_of:
            return "the " + generic + " right of " + ref;
        case Form::above:
            return "the " + generic + " above " + ref;
        case Form::below:
            return "the " + generic + " below " + ref;
        case Form::nearest:
            return "the " + generic + " nearest to " + ref;
        case Form::farthest:
            return "the " + generic + " farthest from " + ref;
        case Form::dot_inside:
            return "the dot inside " + ref;
        case Form::containing:
            return "the " + generic + " containing " + ref;
        case Form::touching:
            return "the " + generic + " touching " + ref;
        case Form::same_colour:
            return "the " + generic + " with the same colour as " + ref;
        case Form::same_shape:
            return "the " + generic + " with the same shape as " + ref;
    }
    return "";
}

std::string deciding_word(const Expression& e) {
    if (e.form == Form::size) {
        return e.size == SizeWord::small ? "small" : "large";
    }
    if (e.form == Form::extreme) {
        return extreme_word(e.extreme);
    }
    const FormWords* f = form_words(e.form);
    return f != nullptr && f->word != nullptr ? f->word : "";
}

ExpressionResolver::ExpressionResolver(const Scene& scene) : scene_(scene) {
    const std::size_t n = scene.instances.size();
    touch_.assign(n * n, 0);
    for (const Instance& inst : scene.instances) {
        if (inst.kind == InstanceKind::object) {
            objects_.push_back(inst.id);
        }
    }
    // Object masks do not overlap: one label map finds every 4-adjacent pair in one pass.
    const int w = scene.image.width;
    const int h = scene.image.height;
    std::vector<int> label(static_cast<std::size_t>(w) * h, -1);
    for (int id : objects_) {
        const Instance& inst = scene.instances[static_cast<std::size_t>(id)];
        for (int y = inst.box.y0; y <= inst.box.y1; ++y) {
            for (int x = inst.box.x0; x <= inst.box.x1; ++x) {
                if (inst.mask.at(x, y)) {
                    label[static_cast<std::size_t>(y) * w + x] = id;
                }
            }
        }
    }
    auto mark = [&](int a, int b) {
        if (a >= 0 && b >= 0 && a != b) {
            touch_[static_cast<std::size_t>(a) * n + b] = 1;
            touch_[static_cast<std::size_t>(b) * n + a] = 1;
        }
    };
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const int a = label[static_cast<std::size_t>(y) * w + x];
            if (x + 1 < w) {
                mark(a, label[static_cast<std::size_t>(y) * w + x + 1]);
            }
            if (y + 1 < h) {
                mark(a, label[static_cast<std::size_t>(y + 1) * w + x]);
            }
        }
    }
}

bool ExpressionResolver::touching(int a, int b) const {
    const std::size_t n = scene_.instances.size();
    if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= n || static_cast<std::size_t>(b) >= n) {
        return false;
    }
    return touch_[static_cast<std::size_t>(a) * n + b] != 0;
}

namespace {

std::optional<int> only(const std::vector<int>& ids) {
    if (ids.size() == 1) {
        return ids[0];
    }
    return std::nullopt;
}

double distance(const Instance& a, const Instance& b) {
    const double dx = a.cx - b.cx;
    const double dy = a.cy - b.cy;
    return std::sqrt(dx * dx + dy * dy);
}

constexpr double kNearMargin = 0.85;     // best <= 0.85 runner-up
constexpr double kExtremeMargin = 0.08;  // of the image side

// The candidate nearest to (or farthest from) ref, when it wins by the 15% margin; a single
// candidate wins when `single_ok`.
std::optional<int> by_distance(const Scene& scene, const Instance& ref,
                               const std::vector<int>& candidates, bool farthest, bool single_ok) {
    if (candidates.empty() || (candidates.size() == 1 && !single_ok)) {
        return std::nullopt;
    }
    std::vector<std::pair<double, int>> d;
    for (int id : candidates) {
        d.emplace_back(distance(ref, scene.instances[static_cast<std::size_t>(id)]), id);
    }
    std::sort(d.begin(), d.end());
    if (farthest) {
        std::reverse(d.begin(), d.end());
    }
    if (d.size() == 1) {
        return d[0].second;
    }
    const bool clear =
        farthest ? d[1].first <= kNearMargin * d[0].first : d[0].first <= kNearMargin * d[1].first;
    if (!clear) {
        return std::nullopt;
    }
    return d[0].second;
}

}  // namespace

std::optional<int> ExpressionResolver::resolve(const Expression& e, int reference) const {
    const auto& inst = scene_.instances;
    auto object = [&](int id) -> const Instance& { return inst[static_cast<std::size_t>(id)]; };
    std::vector<int> match;
    const RelationType type = form_type(e.form);
    const Instance* ref = nullptr;
    if (type != RelationType::absolute) {
        if (reference < 0 || static_cast<std::size_t>(reference) >= inst.size()) {
            return std::nullopt;
        }
        ref = &inst[static_cast<std::size_t>(reference)];
        if (ref->kind == InstanceKind::dot && e.form == Form::same_shape) {
            return std::nullopt;
        }
    }
    switch (e.form) {
        case Form::colour_shape:
            for (int id : objects_) {
                if (object(id).colour == e.colour && object(id).shape == e.shape) {
                    match.push_back(id);
                }
            }
            return only(match);
        case Form::shape:
            for (int id : objects_) {
                if (object(id).shape == e.shape) {
                    match.push_back(id);
                }
            }
            return only(match);
        case Form::colour:
            for (int id : objects_) {
                if (object(id).colour == e.colour) {
                    match.push_back(id);
                }
            }
            return only(match);
        case Form::size: {
            for (int id : objects_) {
                if (object(id).colour == e.colour && object(id).shape == e.shape) {
                    match.push_back(id);
                }
            }
            if (match.size() != 2) {
                return std::nullopt;
            }
            const Instance& a = object(match[0]);
            const Instance& b = object(match[1]);
            const Instance& small = a.area <= b.area ? a : b;
            const Instance& large = a.area <= b.area ? b : a;
            if (static_cast<double>(large.area) < 1.8 * static_cast<double>(small.area)) {
                return std::nullopt;
            }
            return e.size == SizeWord::small ? small.id : large.id;
        }
        case Form::extreme: {
            std::vector<std::pair<double, int>> key;
            for (int id : objects_) {
                if (e.with_shape && object(id).shape != e.shape) {
                    continue;
                }
                const Instance& o = object(id);
                switch (e.extreme) {
                    case Extreme::leftmost:
                        key.emplace_back(o.cx, id);
                        break;
                    case Extreme::rightmost:
                        key.emplace_back(-o.cx, id);
                        break;
                    case Extreme::topmost:
                        key.emplace_back(o.cy, id);
                        break;
                    case Extreme::bottommost:
                        key.emplace_back(-o.cy, id);
                        break;
                }
            }
            if (key.size() < 2) {
                return std::nullopt;
            }
            std::sort(key.begin(), key.end());
            const bool horizontal =
                e.extreme == Extreme::leftmost || e.extreme == Extreme::rightmost;
            const double side = horizontal ? scene_.image.width : scene_.image.height;
            if (key[1].first - key[0].first < kExtremeMargin * side) {
                return std::nullopt;
            }
            return key[0].second;
        }
        case Form::left_of:
        case Form::right_of:
        case Form::above:
        case Form::below: {
            for (int id : objects_) {
                const Instance& o = object(id);
                if (id == ref->id) {
                    continue;
                }
                const bool beyond = (e.form == Form::left_of && o.cx < ref->box.x0) ||
                                    (e.form == Form::right_of && o.cx > ref->box.x1) ||
                                    (e.form == Form::above && o.cy < ref->box.y0) ||
                                    (e.form == Form::below && o.cy > ref->box.y1);
                if (beyond) {
                    match.push_back(id);
                }
            }
            return by_distance(scene_, *ref, match, false, true);
        }
        case Form::nearest:
        case Form::farthest:
            for (int id : objects_) {
                if (id != ref->id) {
                    match.push_back(id);
                }
            }
            return by_distance(scene_, *ref, match, e.form == Form::farthest, false);
        case Form::dot_inside:
            if (ref->dot < 0) {
                return std::nullopt;
            }
            return ref->dot;
        case Form::containing:
            if (ref->host < 0) {
                return std::nullopt;
            }
            return ref->host;
        case Form::touching:
            for (int id : objects_) {
                if (id != ref->id && touching(ref->id, id)) {
                    match.push_back(id);
                }
            }
            return only(match);
        case Form::same_colour:
        case Form::same_shape:
            for (int id : objects_) {
                if (id == ref->id || id == ref->host) {
                    continue;
                }
                const bool same = e.form == Form::same_colour ? object(id).colour == ref->colour
                                                              : object(id).shape == ref->shape;
                if (same) {
                    match.push_back(id);
                }
            }
            return only(match);
    }
    return std::nullopt;
}

}  // namespace segllm::synth
