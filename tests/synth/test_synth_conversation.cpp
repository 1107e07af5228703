// Conversations of the shapes world. An independent checker parses every prompt's words and
// recomputes its answer from the instance list by the rules of synthetic-world.md (with the
// conventions documented in core/synth/expression.h), using its own centroids, boxes and
// adjacency computed from the masks by plain loops.

#include "core/common/error.h"
#include "core/synth/conversation.h"
#include "core/synth/world_text.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <utility>
#include <vector>

using namespace segllm;
using namespace segllm::synth;

namespace {

struct Item {
    int id = 0;
    bool dot = false;
    std::string colour;
    std::string shape;
    int host = -1;
    int dot_id = -1;
    double cx = 0;
    double cy = 0;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double area = 0;
    const Mask* mask = nullptr;
};

std::vector<Item> items_of(const Scene& scene) {
    std::vector<Item> items;
    for (const Instance& inst : scene.instances) {
        Item it;
        it.id = inst.id;
        it.dot = inst.kind == InstanceKind::dot;
        it.colour = colour_name(inst.colour);
        it.shape = shape_name(inst.shape);
        it.host = inst.host;
        it.dot_id = inst.dot;
        it.mask = &inst.mask;
        double sx = 0, sy = 0;
        it.x0 = inst.mask.width;
        it.y0 = inst.mask.height;
        it.x1 = -1;
        it.y1 = -1;
        for (int y = 0; y < inst.mask.height; ++y) {
            for (int x = 0; x < inst.mask.width; ++x) {
                if (inst.mask.at(x, y)) {
                    sx += x;
                    sy += y;
                    it.area += 1;
                    it.x0 = std::min(it.x0, x);
                    it.x1 = std::max(it.x1, x);
                    it.y0 = std::min(it.y0, y);
                    it.y1 = std::max(it.y1, y);
                }
            }
        }
        it.cx = sx / it.area;
        it.cy = sy / it.area;
        items.push_back(it);
    }
    return items;
}

bool adjacent(const Mask& a, const Mask& b) {
    bool touch = false;
    for (int y = 0; y < a.height; ++y) {
        for (int x = 0; x < a.width; ++x) {
            if (!a.at(x, y)) {
                continue;
            }
            if (b.at(x, y)) {
                return false;
            }
            if ((x > 0 && b.at(x - 1, y)) || (x + 1 < a.width && b.at(x + 1, y)) ||
                (y > 0 && b.at(x, y - 1)) || (y + 1 < a.height && b.at(x, y + 1))) {
                touch = true;
            }
        }
    }
    return touch;
}

double dist(const Item& a, const Item& b) {
    return std::hypot(a.cx - b.cx, a.cy - b.cy);
}

// Winner of a distance contest: nearest (or farthest) with the 15% margin; -1 when none.
int contest(const Item& ref, const std::vector<const Item*>& cands, bool farthest, bool single_ok) {
    if (cands.empty() || (cands.size() == 1 && !single_ok)) {
        return -1;
    }
    if (cands.size() == 1) {
        return cands[0]->id;
    }
    int best = -1;
    double best_d = 0;
    for (const Item* c : cands) {
        const double d = dist(ref, *c);
        if (best < 0 || (farthest ? d > best_d : d < best_d)) {
            best = c->id;
            best_d = d;
        }
    }
    double second_d = farthest ? -1.0 : 1e300;
    for (const Item* c : cands) {
        if (c->id == best) {
            continue;
        }
        const double d = dist(ref, *c);
        second_d = farthest ? std::max(second_d, d) : std::min(second_d, d);
    }
    const bool clear = farthest ? second_d <= 0.85 * best_d : best_d <= 0.85 * second_d;
    return clear ? best : -1;
}

struct Checked {
    int answer = -1;  // -1: no single answer
    std::string type;
    std::vector<int> refs;
    int wrapper = -1;
    bool lower_first = false;
    std::string form;
};

// Parses the prompt and answers it. `answers` are the instance ids of earlier rounds.
Checked check(const std::string& prompt_in, const Scene& scene, const std::vector<Item>& items,
              const std::vector<int>& answers) {
    Checked out;
    std::string prompt = prompt_in;
    out.lower_first = !prompt.empty() && std::islower(static_cast<unsigned char>(prompt[0]));
    prompt[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(prompt[0])));
    const std::vector<std::pair<std::string, char>> wrappers = {{"segment ", '.'},
                                                                {"please segment ", '.'},
                                                                {"can you segment ", '?'},
                                                                {"find ", '.'},
                                                                {"show me ", '.'},
                                                                {"where is ", '?'},
                                                                {"now ", '.'},
                                                                {"", '.'}};
    std::string x;
    for (std::size_t w = 0; w < wrappers.size(); ++w) {
        const auto& [prefix, end] = wrappers[w];
        if (prompt.rfind(prefix, 0) == 0 && prompt.back() == end &&
            prompt.compare(prefix.size(), 4, "the ") == 0) {
            out.wrapper = int(w);
            x = prompt.substr(prefix.size(), prompt.size() - prefix.size() - 1);
            break;
        }
    }
    if (out.wrapper < 0) {
        return out;
    }
    const std::string colours = "(red|green|blue|yellow|purple|orange|white)";
    const std::string shapes = "(circle|square|triangle|diamond|ring)";
    std::smatch m;
    std::vector<const Item*> objects;
    for (const Item& it : items) {
        if (!it.dot) {
            objects.push_back(&it);
        }
    }
    auto unique = [&](auto pred) {
        int found = -1;
        int n = 0;
        for (const Item* o : objects) {
            if (pred(*o)) {
                found = o->id;
                ++n;
            }
        }
        return n == 1 ? found : -1;
    };
    auto ref_item = [&](const std::string& k) -> const Item* {
        const int r = std::stoi(k);
        out.refs.push_back(r);
        if (r < 1 || r > int(answers.size())) {
            return nullptr;
        }
        return &items[std::size_t(answers[std::size_t(r - 1)])];
    };
    if (std::regex_match(x, m, std::regex(R"(the dot inside \[(\d+)\])"))) {
        out.type = "hierarchical";
        out.form = "dot_inside";
        const Item* ref = ref_item(m[1]);
        out.answer = ref && !ref->dot ? ref->dot_id : -1;
    } else if (std::regex_match(
                   x, m,
                   std::regex(R"(the (shape|object) (left of|right of|above|below|nearest to|)"
                              R"(farthest from|containing|touching|with the same colour as|)"
                              R"(with the same shape as) \[(\d+)\])"))) {
        const std::string rel = m[2];
        out.form = rel;
        const Item* ref = ref_item(m[3]);
        if (!ref) {
            return out;
        }
        std::vector<const Item*> others;
        for (const Item* o : objects) {
            if (o->id != ref->id) {
                others.push_back(o);
            }
        }
        if (rel == "containing") {
            out.type = "hierarchical";
            out.answer = ref->dot ? ref->host : -1;
        } else if (rel == "with the same colour as" || rel == "with the same shape as") {
            out.type = "attribute";
            const bool colour = rel == "with the same colour as";
            if (!colour && ref->dot) {
                return out;
            }
            int n = 0;
            for (const Item* o : others) {
                if (o->id == ref->host) {
                    continue;
                }
                if (colour ? o->colour == ref->colour : o->shape == ref->shape) {
                    out.answer = o->id;
                    ++n;
                }
            }
            if (n != 1) {
                out.answer = -1;
            }
        } else if (rel == "touching") {
            out.type = "interactional";
            int n = 0;
            for (const Item* o : others) {
                if (adjacent(*ref->mask, *o->mask)) {
                    out.answer = o->id;
                    ++n;
                }
            }
            if (n != 1) {
                out.answer = -1;
            }
        } else {
            out.type = "positional";
            if (rel == "nearest to" || rel == "farthest from") {
                out.answer = contest(*ref, others, rel == "farthest from", false);
            } else {
                std::vector<const Item*> beyond;
                for (const Item* o : others) {
                    if ((rel == "left of" && o->cx < ref->x0) ||
                        (rel == "right of" && o->cx > ref->x1) ||
                        (rel == "above" && o->cy < ref->y0) ||
                        (rel == "below" && o->cy > ref->y1)) {
                        beyond.push_back(o);
                    }
                }
                out.answer = contest(*ref, beyond, false, true);
            }
        }
    } else if (std::regex_match(x, m, std::regex("the (small|large) " + colours + " " + shapes))) {
        out.type = "absolute";
        out.form = "size";
        std::vector<const Item*> pair;
        for (const Item* o : objects) {
            if (o->colour == m[2].str() && o->shape == m[3].str()) {
                pair.push_back(o);
            }
        }
        if (pair.size() == 2) {
            const Item* small = pair[0]->area < pair[1]->area ? pair[0] : pair[1];
            const Item* large = pair[0]->area < pair[1]->area ? pair[1] : pair[0];
            if (large->area >= 1.8 * small->area) {
                out.answer = m[1] == "small" ? small->id : large->id;
            }
        }
    } else if (std::regex_match(
                   x, m,
                   std::regex("the (leftmost|rightmost|topmost|bottommost) " +
                              std::string("(circle|square|triangle|diamond|ring|shape|object)")))) {
        out.type = "absolute";
        out.form = "extreme";
        const std::string noun = m[2];
        const std::string which = m[1];
        std::vector<std::pair<double, int>> keys;
        for (const Item* o : objects) {
            if (noun != "shape" && noun != "object" && o->shape != noun) {
                continue;
            }
            const double k = which == "leftmost"    ? o->cx
                             : which == "rightmost" ? -o->cx
                             : which == "topmost"   ? o->cy
                                                    : -o->cy;
            keys.emplace_back(k, o->id);
        }
        if (keys.size() >= 2) {
            std::sort(keys.begin(), keys.end());
            const double side = (which == "leftmost" || which == "rightmost") ? scene.image.width
                                                                              : scene.image.height;
            if (keys[1].first - keys[0].first >= 0.08 * side) {
                out.answer = keys[0].second;
            }
        }
    } else if (std::regex_match(x, m, std::regex("the " + colours + " " + shapes))) {
        out.type = "absolute";
        out.form = "colour_shape";
        out.answer = unique([&](const Item& o) { return o.colour == m[1] && o.shape == m[2]; });
    } else if (std::regex_match(x, m, std::regex("the " + colours + " (shape|object)"))) {
        out.type = "absolute";
        out.form = "colour";
        out.answer = unique([&](const Item& o) { return o.colour == m[1]; });
    } else if (std::regex_match(x, m, std::regex("the " + shapes))) {
        out.type = "absolute";
        out.form = "shape";
        out.answer = unique([&](const Item& o) { return o.shape == m[1]; });
    }
    return out;
}

}  // namespace

class TestSynthConversation : public QObject {
    Q_OBJECT

private slots:
    void everyExpressionHasExactlyOneAnswer_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("count");
        QTest::newRow("128") << 128 << 128 << 400;
        QTest::newRow("96x96") << 96 << 96 << 60;
        QTest::newRow("300x140") << 300 << 140 << 30;
        QTest::newRow("512x512") << 512 << 512 << 8;
    }
    void everyExpressionHasExactlyOneAnswer() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, count);
        std::map<std::string, int> forms;
        std::set<int> wrappers;
        int lower = 0, upper = 0, relational = 0, later = 0, to_previous = 0, relational_late = 0;
        for (int c = 0; c < count; ++c) {
            const Conversation conv =
                generate_conversation(std::uint64_t(c) * 7919 + width, SceneOptions{width, height},
                                      ConversationOptions{1, 8});
            const std::vector<Item> items = items_of(conv.scene);
            QVERIFY(!conv.rounds.empty() && conv.rounds.size() <= 8);
            std::vector<int> answers;
            for (std::size_t r = 0; r < conv.rounds.size(); ++r) {
                const Round& round = conv.rounds[r];
                const Checked got = check(round.prompt, conv.scene, items, answers);
                const QByteArray what = QByteArray::fromStdString(round.prompt);
                QVERIFY2(got.wrapper >= 0, what);
                QVERIFY2(got.answer >= 0, what);
                QVERIFY2(got.answer == round.answer, what);
                QCOMPARE(QString(relation_type_name(round.type)), QString::fromStdString(got.type));
                QVERIFY2(got.refs == round.references, what);
                QCOMPARE(got.wrapper, round.wrapper);
                // No repeated answer, except the host named by "containing".
                if (got.form != "containing") {
                    QVERIFY(std::find(answers.begin(), answers.end(), got.answer) == answers.end());
                }
                if (r == 0) {
                    QCOMPARE(round.type, RelationType::absolute);
                } else {
                    ++later;
                    if (!round.references.empty()) {
                        ++relational;
                        to_previous += round.references[0] == int(r);
                        relational_late += r >= 2;
                    }
                }
                // The expression alone is the prompt without its wrapper.
                QVERIFY(round.prompt.find(round.expression.substr(1)) != std::string::npos);
                // The error analysis reads the same form back from the wrapped prompt.
                const std::optional<Form> parsed = expression_form(round.prompt);
                QVERIFY2(parsed && *parsed == round.spec.form, what);
                answers.push_back(round.answer);
                ++forms[got.form];
                wrappers.insert(got.wrapper);
                (got.lower_first ? lower : upper)++;
            }
        }
        if (count >= 400) {
            // Every form occurs, every wrapper, both cases; relational rounds dominate later
            // rounds (0.8 drawn, fewer when no relational expression exists).
            QCOMPARE(int(forms.size()), 16);
            QCOMPARE(int(wrappers.size()), 8);
            QVERIFY(lower > 0 && upper > lower);
            QVERIFY2(relational > later / 2,
                     qPrintable(QString("%1 of %2").arg(relational).arg(later)));
            // Rounds 3+ refer to the previous round with p = 0.6 (plus rounds 2, always).
            QVERIFY(to_previous > relational_late / 2);
            for (const auto& [form, n] : forms) {
                qInfo("%s: %d", form.c_str(), n);
            }
        }
    }

    void sameSeedSameConversation() {
        const Conversation a = generate_conversation(12, {}, {2, 6});
        const Conversation b = generate_conversation(12, {}, {2, 6});
        QVERIFY(a.scene.image.data == b.scene.image.data);
        QCOMPARE(a.rounds.size(), b.rounds.size());
        QVERIFY(a.rounds.size() >= 2 && a.rounds.size() <= 6);
        for (std::size_t i = 0; i < a.rounds.size(); ++i) {
            QCOMPARE(a.rounds[i].prompt, b.rounds[i].prompt);
            QCOMPARE(a.rounds[i].answer, b.rounds[i].answer);
        }
        const Conversation c = generate_conversation(13, {}, {2, 6});
        QVERIFY(a.scene.image.data != c.scene.image.data);
    }

    void minimumRoundsAreReached() {
        for (int s = 0; s < 20; ++s) {
            const Conversation c = generate_conversation(s, {}, {5, 5});
            QCOMPARE(int(c.rounds.size()), 5);
        }
    }

    void badOptionsThrow() {
        QVERIFY_THROWS_EXCEPTION(Error, generate_conversation(1, {}, {0, 3}));
        QVERIFY_THROWS_EXCEPTION(Error, generate_conversation(1, {}, {3, 2}));
        QVERIFY_THROWS_EXCEPTION(Error, generate_conversation(1, {}, {1, 9}));
    }

    void wrappersByHand() {
        QCOMPARE(wrap_prompt(0, "the red circle", false), std::string("Segment the red circle."));
        QCOMPARE(wrap_prompt(1, "the red circle", true),
                 std::string("please segment the red circle."));
        QCOMPARE(wrap_prompt(2, "the red circle", false),
                 std::string("Can you segment the red circle?"));
        QCOMPARE(wrap_prompt(5, "the dot inside [2]", false),
                 std::string("Where is the dot inside [2]?"));
        QCOMPARE(wrap_prompt(6, "the ring", true), std::string("now the ring."));
        QCOMPARE(wrap_prompt(7, "the ring", false), std::string("The ring."));
        QCOMPARE(wrap_prompt(7, "the ring", true), std::string("the ring."));
        QVERIFY_THROWS_EXCEPTION(Error, wrap_prompt(8, "the ring", false));
    }

    // Forms read back from prompts written by hand: any wrapper, case or punctuation; a prompt
    // outside the world's expressions has none.
    void formsOfPromptsByHand() {
        const std::vector<std::pair<std::string, Form>> cases = {
            {"Segment the red circle.", Form::colour_shape},
            {"the RING", Form::shape},
            {"Can you segment the white object?", Form::colour},
            {"Show me the green shape", Form::colour},
            {"Now the LARGE blue diamond!", Form::size},
            {"find the small orange square.", Form::size},
            {"Where is the topmost shape?", Form::extreme},
            {"The bottommost triangle.", Form::extreme},
            {"Segment the shape left of [2].", Form::left_of},
            {"the object right of [12]", Form::right_of},
            {"Now the shape above [1].", Form::above},
            {"the shape below [3]?", Form::below},
            {"Find the object nearest to [1].", Form::nearest},
            {"the shape farthest from [4].", Form::farthest},
            {"Where is the dot inside [2]?", Form::dot_inside},
            {"the shape containing [3].", Form::containing},
            {"Please segment the shape touching [1].", Form::touching},
            {"the shape with the same colour as [2]", Form::same_colour},
            {"The object with the same shape as [1].", Form::same_shape}};
        for (const auto& [prompt, form] : cases) {
            const std::optional<Form> got = expression_form(prompt);
            QVERIFY2(got.has_value(), prompt.c_str());
            QCOMPARE(QString(form_name(*got)), QString(form_name(form)));
        }
        for (const char* prompt : {"", "Segment the cat.", "what is left?", "[1]"}) {
            QVERIFY2(!expression_form(prompt).has_value(), prompt);
        }
        QCOMPARE(QString(form_name(Form::colour_shape)), QString("colour_shape"));
        QCOMPARE(QString(form_name(Form::same_shape)), QString("same_shape"));
    }

    void decidingWordsByHand() {
        const auto word = [](Form form, SizeWord size = SizeWord::small,
                             Extreme extreme = Extreme::leftmost) {
            Expression e;
            e.form = form;
            e.size = size;
            e.extreme = extreme;
            e.reference_round = 2;
            return deciding_word(e);
        };
        QCOMPARE(word(Form::colour_shape), std::string());
        QCOMPARE(word(Form::shape), std::string());
        QCOMPARE(word(Form::colour), std::string());
        QCOMPARE(word(Form::size), std::string("small"));
        QCOMPARE(word(Form::size, SizeWord::large), std::string("large"));
        QCOMPARE(word(Form::extreme, SizeWord::small, Extreme::bottommost),
                 std::string("bottommost"));
        QCOMPARE(word(Form::left_of), std::string("left"));
        QCOMPARE(word(Form::right_of), std::string("right"));
        QCOMPARE(word(Form::above), std::string("above"));
        QCOMPARE(word(Form::below), std::string("below"));
        QCOMPARE(word(Form::nearest), std::string("nearest"));
        QCOMPARE(word(Form::farthest), std::string("farthest"));
        QCOMPARE(word(Form::dot_inside), std::string("inside"));
        QCOMPARE(word(Form::containing), std::string("containing"));
        QCOMPARE(word(Form::touching), std::string("touching"));
        QCOMPARE(word(Form::same_colour), std::string("colour"));
        QCOMPARE(word(Form::same_shape), std::string("shape"));
        // In generated expressions the word is a whole word of the text, and its last
        // occurrence is the deciding one ("the shape with the same shape as [1]").
        for (std::uint64_t seed = 0; seed < 200; ++seed) {
            for (const Round& round : generate_conversation(seed).rounds) {
                const std::string w = deciding_word(round.spec);
                if (w.empty()) {
                    continue;
                }
                const std::string text = " " + round.expression + " ";
                QVERIFY2(text.find(" " + w + " ") != std::string::npos, round.expression.c_str());
            }
        }
    }

    void referencesRenderAsInstanceWords() {
        QCOMPARE(render_references("Find the shape left of [2]."),
                 std::string("Find the shape left of instance 2."));
        QCOMPARE(render_references("[1] and [12] but not [x] or [3"),
                 std::string("instance 1 and instance 12 but not [x] or [3"));
    }

    void worldSentencesUseEveryWord() {
        const std::vector<std::string> s = world_sentences(3, 200);
        const std::vector<std::string> again = world_sentences(3, 200);
        QVERIFY(s == again);
        QCOMPARE(s.size(), world_coverage_sentences().size() + 200);
        QVERIFY(world_sentences(4, 200) != s);
        std::set<std::string> words;
        for (const std::string& sentence : s) {
            QVERIFY(sentence.find('[') == std::string::npos);
            std::string word;
            for (char ch : sentence + " ") {
                if (std::isalnum(static_cast<unsigned char>(ch))) {
                    word += char(std::tolower(static_cast<unsigned char>(ch)));
                } else if (!word.empty()) {
                    words.insert(word);
                    word.clear();
                }
            }
        }
        // The words of synthetic-world.md: nouns, colours, sizes, extremes, relations, wrappers.
        const char* expected[] = {
            "circle", "square", "triangle", "diamond",    "ring",     "shape",      "object",
            "red",    "green",  "blue",     "yellow",     "purple",   "orange",     "white",
            "small",  "large",  "leftmost", "rightmost",  "topmost",  "bottommost", "left",
            "right",  "of",     "above",    "below",      "nearest",  "to",         "farthest",
            "from",   "dot",    "inside",   "containing", "touching", "with",       "same",
            "colour", "as",     "the",      "segment",    "please",   "can",        "you",
            "find",   "show",   "me",       "where",      "is",       "now",        "instance",
            "1",      "2",      "3",        "4",          "5",        "6",          "7",
            "8"};
        for (const char* w : expected) {
            QVERIFY2(words.count(w) == 1, w);
        }
        // Sentences start in both cases.
        bool lower = false, upper = false;
        for (const std::string& sentence : s) {
            lower = lower || std::islower(static_cast<unsigned char>(sentence[0]));
            upper = upper || std::isupper(static_cast<unsigned char>(sentence[0]));
        }
        QVERIFY(lower && upper);
    }
};

QTEST_APPLESS_MAIN(TestSynthConversation)
#include "test_synth_conversation.moc"
