// Conversation template and [k] references (segllm-reference.md 2.3, 2.4): exact round texts,
// reference parsing and rendering, and the token sequence of a 3-round conversation, checked
// against texts and id lists assembled by hand from the template's pieces.

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/synth/world_text.h"
#include "core/text/conversation.h"
#include "core/text/references.h"
#include "core/text/tokenizer.h"

using segllm::text::RoundTemplate;
using segllm::text::Tokenizer;

namespace {

const std::string kSystem =
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
    "helpful, detailed, and polite answers to the user's questions.";

template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

RoundTemplate first_round(int rows, const std::string& text) {
    RoundTemplate r;
    r.first = true;
    r.image_rows = rows;
    r.text = text;
    return r;
}

RoundTemplate later_round(int references, const std::string& text) {
    RoundTemplate r;
    r.reference_count = references;
    r.text = text;
    return r;
}

void append(std::vector<int>& out, const std::vector<int>& more) {
    out.insert(out.end(), more.begin(), more.end());
}

}  // namespace

class TestReferences : public QObject {
    Q_OBJECT

private slots:
    void marks_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<int>>("ids");
        QTest::addColumn<QString>("rendered");
        QTest::newRow("none") << "Segment the red circle." << QList<int>{}
                              << "Segment the red circle.";
        QTest::newRow("one") << "Find the shape left of [1]." << QList<int>{1}
                             << "Find the shape left of instance 1.";
        QTest::newRow("two, repeated") << "[2] and [12] and [2]" << QList<int>{2, 12}
                                       << "instance 2 and instance 12 and instance 2";
        QTest::newRow("zero kept") << "the [0] one" << QList<int>{0} << "the instance 0 one";
        QTest::newRow("leading zeros") << "[007]" << QList<int>{7} << "instance 7";
        QTest::newRow("not references")
            << "[a] [] [1 ] [-1] [1" << QList<int>{} << "[a] [] [1 ] [-1] [1";
        QTest::newRow("nested bracket") << "[[3]]" << QList<int>{3} << "[instance 3]";
        QTest::newRow("huge") << "[12345678901]" << QList<int>{segllm::text::kReferenceTooLarge}
                              << "instance 1000000000";
    }
    void marks() {
        QFETCH(QString, text);
        QFETCH(QList<int>, ids);
        QFETCH(QString, rendered);
        const std::vector<int> got = segllm::text::reference_ids(text.toStdString());
        QCOMPARE(QList<int>(got.begin(), got.end()), ids);
        QCOMPARE(QString::fromStdString(segllm::text::render_references(text.toStdString())),
                 rendered);
    }

    void markOffsets() {
        const auto marks = segllm::text::find_reference_marks("ab [3] c [10]");
        QCOMPARE(marks.size(), std::size_t{2});
        QCOMPARE(marks[0].offset, std::size_t{3});
        QCOMPARE(marks[0].length, std::size_t{3});
        QCOMPARE(marks[0].id, 3);
        QCOMPARE(marks[1].offset, std::size_t{9});
        QCOMPARE(marks[1].length, std::size_t{4});
        QCOMPARE(marks[1].id, 10);
    }

    void merge() {
        using segllm::text::merge_references;
        QCOMPARE(merge_references({2, 1}, {1, 3, 3}), (std::vector<int>{2, 1, 3}));
        QCOMPARE(merge_references({}, {4, 2}), (std::vector<int>{4, 2}));
        QCOMPARE(merge_references({5, 5}, {}), (std::vector<int>{5}));
    }
};

class TestConversationTemplate : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::optional<Tokenizer> tok_;

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const std::string corpus = tmp_.filePath("corpus.txt").toStdString();
        {
            std::ofstream out(corpus, std::ios::binary);
            out << kSystem << "\nUSER: ASSISTANT:\n";
            for (const std::string& s : segllm::synth::world_sentences(7, 300)) {
                out << s << "\n";
            }
        }
        segllm::text::BpeTrainOptions options;
        options.vocab_size = 400;
        segllm::text::train_bpe(corpus, tmp_.filePath("tokenizer").toStdString(), options);
        tok_.emplace(Tokenizer::load(tmp_.filePath("tokenizer.model").toStdString()));
    }

    void systemPrompt() {
        QCOMPARE(QString::fromStdString(segllm::text::vicuna_system_prompt()),
                 QString::fromStdString(kSystem));
    }

    void roundTexts() {
        QCOMPARE(segllm::text::round_text(first_round(3, "Segment the red circle.")),
                 "<s>" + kSystem + " USER: <video><video><video> Segment the red circle." +
                     " ASSISTANT: <seg></s>");
        QCOMPARE(segllm::text::round_text(later_round(2, "Find instance 1 and instance 2.")),
                 std::string("USER: <video><video><video><video>Find instance 1 and instance 2. "
                             "ASSISTANT: <seg></s>"));
        QCOMPARE(segllm::text::round_text(later_round(0, "Now the blue square.")),
                 std::string("USER: Now the blue square. ASSISTANT: <seg></s>"));
    }

    void templateErrors() {
        QVERIFY(!error_of([] {
                     RoundTemplate r = first_round(4, "x");
                     r.reference_count = 1;
                     segllm::text::round_text(r);
                 }).empty());
        QVERIFY(!error_of([] { segllm::text::round_text(first_round(0, "x")); }).empty());
        QVERIFY(!error_of([] {
                     RoundTemplate r = later_round(0, "x");
                     r.image_rows = 2;
                     segllm::text::round_text(r);
                 }).empty());
        QVERIFY(!error_of([] { segllm::text::conversation_text({}); }).empty());
        QVERIFY(!error_of([] { segllm::text::conversation_text({later_round(0, "a")}); }).empty());
        QVERIFY(!error_of([] {
                     segllm::text::conversation_text({first_round(2, "a"), first_round(2, "b")});
                 }).empty());
    }

    // The exact ids of a 3-round conversation with references, assembled by hand: BOS, the
    // encoded text pieces between the placeholders, the placeholder ids.
    void threeRoundTokens() {
        const Tokenizer& tok = *tok_;
        const int n = 5;
        const std::vector<RoundTemplate> rounds = {
            first_round(n, "Segment the red circle."),
            later_round(1, segllm::text::render_references("Find the shape left of [1].")),
            later_round(2, segllm::text::render_references("Show me [2] and [1].")),
        };
        const int video = tok.video_id();
        const int seg = tok.seg_id();
        std::vector<int> expected = {tok.bos_id()};
        append(expected, tok.encode(kSystem + " USER: "));
        append(expected, std::vector<int>(n, video));
        append(expected, tok.encode(" Segment the red circle. ASSISTANT: "));
        append(expected, {seg, tok.eos_id()});
        append(expected, tok.encode("USER: "));
        append(expected, {video, video});
        append(expected, tok.encode("Find the shape left of instance 1. ASSISTANT: "));
        append(expected, {seg, tok.eos_id()});
        append(expected, tok.encode("USER: "));
        append(expected, {video, video, video, video});
        append(expected, tok.encode("Show me instance 2 and instance 1. ASSISTANT: "));
        append(expected, {seg, tok.eos_id()});

        std::vector<int> joined;
        std::vector<segllm::text::RoundTokens> parts;
        for (const RoundTemplate& r : rounds) {
            parts.push_back(segllm::text::tokenize_round(tok, r));
            append(joined, parts.back().ids);
        }
        QCOMPARE(joined, expected);
        // Per-round encoding equals the encoding of the whole conversation text.
        QCOMPARE(tok.encode(segllm::text::conversation_text(rounds)), expected);
        QCOMPARE(tok.decode(expected), segllm::text::conversation_text(rounds));

        // Positions: the image rows follow "<s> SYSTEM USER: ".
        const int image_start = 1 + static_cast<int>(tok.encode(kSystem + " USER: ").size());
        QCOMPARE(parts[0].image_positions.size(), std::size_t{n});
        for (int i = 0; i < n; ++i) {
            QCOMPARE(parts[0].image_positions[i], image_start + i);
        }
        QVERIFY(parts[0].reference_positions.empty());
        const int user = static_cast<int>(tok.encode("USER: ").size());
        QCOMPARE(parts[1].reference_positions, (std::vector<int>{user, user + 1}));
        QCOMPARE(parts[2].reference_positions,
                 (std::vector<int>{user, user + 1, user + 2, user + 3}));
        for (const auto& p : parts) {
            QCOMPARE(p.seg_position, static_cast<int>(p.ids.size()) - 2);
            QCOMPARE(p.ids[p.seg_position], seg);
            QVERIFY(p.image_positions.empty() || &p == &parts[0]);
        }
    }

    void specialTokensInTextRefused_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("video") << "Segment <video> now.";
        QTest::newRow("seg") << "the <seg>";
        QTest::newRow("eos") << "stop</s>USER: hi";
        QTest::newRow("bos") << "<s>again";
    }
    void specialTokensInTextRefused() {
        QFETCH(QString, text);
        const std::string message = error_of(
            [&] { segllm::text::tokenize_round(*tok_, later_round(0, text.toStdString())); });
        QVERIFY2(message.find("special token") != std::string::npos, message.c_str());
    }
};

int main(int argc, char** argv) {
    int status = 0;
    {
        TestReferences t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestConversationTemplate t;
        status |= QTest::qExec(&t, argc, argv);
    }
    return status;
}

#include "test_conversation.moc"
