// SpecialTokenMatcher and the list of SegLLM's added tokens.

#include <QtTest/QtTest>

#include <string>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/text/special_tokens.h"

using segllm::text::SpecialTokenMatcher;
using segllm::text::TextSegment;

namespace {

// Segments as (text, id) pairs, so expectations can be written as literals.
using Pieces = std::vector<std::pair<std::string, int>>;

Pieces pieces_of(const std::vector<TextSegment>& segments) {
    Pieces out;
    for (const auto& s : segments)
        out.emplace_back(std::string(s.text), s.special_id);
    return out;
}

QString show(const Pieces& pieces) {
    QString s;
    for (const auto& [text, id] : pieces) {
        s += QStringLiteral("[%1|%2]").arg(QString::fromStdString(text)).arg(id);
    }
    return s;
}

SpecialTokenMatcher segllm_matcher() {
    std::vector<std::pair<std::string, int>> tokens = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
    const auto& added = segllm::text::added_tokens();
    for (size_t i = 0; i < added.size(); ++i) {
        tokens.emplace_back(added[i], 100 + static_cast<int>(i));
    }
    return SpecialTokenMatcher(tokens);
}

}  // namespace

Q_DECLARE_METATYPE(Pieces)

class TestSpecialTokens : public QObject {
    Q_OBJECT

private slots:
    void addedTokensInReferenceOrder() {
        const std::vector<std::string> expected = {
            "<im_gen_start>",    "<im_gen>", "<mask_gen>", "<audio_gen>",
            "<audio_gen_start>", "<audio>",  "<video>",    "<base>",
            "<base_null>",       "<seg>",    "<seg_input>"};
        QCOMPARE(segllm::text::added_tokens(), expected);
    }

    void split_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<Pieces>("expected");
        QTest::newRow("empty") << "" << Pieces{};
        QTest::newRow("plain") << "segment the red circle."
                               << Pieces{{"segment the red circle.", -1}};
        QTest::newRow("assistant answer")
            << "ASSISTANT: <seg></s>" << Pieces{{"ASSISTANT: ", -1}, {"<seg>", 109}, {"</s>", 2}};
        QTest::newRow("seg_input is longer than seg")
            << "a<seg_input>b<seg>"
            << Pieces{{"a", -1}, {"<seg_input>", 110}, {"b", -1}, {"<seg>", 109}};
        QTest::newRow("broken token stays text")
            << "<se<seg>g>" << Pieces{{"<se", -1}, {"<seg>", 109}, {"g>", -1}};
        QTest::newRow("adjacent specials")
            << "<s><video><video>" << Pieces{{"<s>", 1}, {"<video>", 106}, {"<video>", 106}};
        QTest::newRow("spaces kept around")
            << " <base> " << Pieces{{" ", -1}, {"<base>", 107}, {" ", -1}};
        QTest::newRow("audio_gen vs audio_gen_start")
            << "<audio_gen_start><audio_gen><audio>"
            << Pieces{{"<audio_gen_start>", 104}, {"<audio_gen>", 103}, {"<audio>", 105}};
        QTest::newRow("utf8 text") << "caf\xc3\xa9</s>" << Pieces{{"caf\xc3\xa9", -1}, {"</s>", 2}};
    }
    void split() {
        QFETCH(QString, text);
        QFETCH(Pieces, expected);
        const std::string utf8 = text.toStdString();
        const auto matcher = segllm_matcher();
        const Pieces got = pieces_of(matcher.split(utf8));
        QVERIFY2(got == expected, qPrintable(show(got) + " != " + show(expected)));
    }

    void longestMatchWins() {
        const SpecialTokenMatcher matcher({{"<a>", 1}, {"<a><b>", 2}, {"<b>", 3}});
        const Pieces got = pieces_of(matcher.split("x<a><b><b><a>"));
        const Pieces expected = {{"x", -1}, {"<a><b>", 2}, {"<b>", 3}, {"<a>", 1}};
        QVERIFY2(got == expected, qPrintable(show(got)));
    }

    void rejectsBadTokens() {
        QVERIFY_THROWS_EXCEPTION(segllm::Error, SpecialTokenMatcher({{"", 1}}));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, SpecialTokenMatcher({{"<a>", 1}, {"<a>", 2}}));
        // The same pair twice is fine.
        const SpecialTokenMatcher twice({{"<a>", 1}, {"<a>", 1}});
        QCOMPARE(twice.split("<a>").size(), size_t(1));
    }
};

QTEST_APPLESS_MAIN(TestSpecialTokens)
#include "test_special_tokens.moc"
