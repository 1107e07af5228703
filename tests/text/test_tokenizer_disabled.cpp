// Built only with SEGLLM_WITH_TOKENIZER=OFF: the tokenizer fails with a clear error.

#include <QtTest/QtTest>

#include <string>

#include "core/common/error.h"
#include "core/text/spm_library.h"
#include "core/text/tokenizer.h"

namespace {

template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

}  // namespace

class TestTokenizerDisabled : public QObject {
    Q_OBJECT

private slots:
    void loadFailsClearly() {
        const std::string message =
            error_of([] { segllm::text::Tokenizer::load(SEGLLM_TEST_DATA_DIR); });
        QVERIFY2(message.find("SEGLLM_WITH_TOKENIZER=OFF") != std::string::npos, message.c_str());
    }

    void trainingFailsClearly() {
        const std::string corpus = std::string(SEGLLM_SOURCE_DIR) + "/CMakeLists.txt";
        const std::string message = error_of([&] {
            segllm::text::train_bpe(corpus, QDir::tempPath().toStdString() + "/segllm-never");
        });
        QVERIFY2(message.find("SEGLLM_WITH_TOKENIZER=OFF") != std::string::npos, message.c_str());
    }

    void noShimCandidates() { QVERIFY(segllm::text::spm_shim_candidates().empty()); }

    void specialTokensStillListed() {
        QCOMPARE(segllm::text::added_tokens().size(), size_t(11));
        QCOMPARE(segllm::text::added_tokens()[9], std::string("<seg>"));
    }
};

QTEST_APPLESS_MAIN(TestTokenizerDisabled)
#include "test_tokenizer_disabled.moc"
