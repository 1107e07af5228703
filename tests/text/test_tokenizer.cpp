// Tokenizer: train a tiny LLaMA-style BPE model, load it, encode/decode, special tokens, errors.
// Runs in the same process as LibTorch (ATen ops before and after) to prove the shim isolation
// (environment.md, fact 3): linking sentencepiece directly would crash before main.

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/common/error.h"
#include "core/text/tokenizer.h"

namespace fs = std::filesystem;
using segllm::text::Tokenizer;

namespace {

const std::string kSpace = "\xe2\x96\x81";  // sentencepiece's "▁"
constexpr int kBaseVocab = 400;

template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Deterministic corpus in the style of the synthetic world (no std::rand: same on every libc).
void write_corpus(const std::string& path) {
    const char* colors[] = {"red", "green", "blue", "yellow", "purple", "orange"};
    const char* shapes[] = {"circle", "square", "triangle", "ring"};
    const char* relations[] = {"left of", "right of", "above", "below"};
    std::uint32_t state = 12345;
    auto next = [&state](std::uint32_t n) {
        state = state * 1664525u + 1013904223u;
        return (state >> 8) % n;
    };
    std::ofstream out(path, std::ios::binary);
    out << "A chat between a curious user and an artificial intelligence assistant. The assistant "
           "gives helpful, detailed, and polite answers to the user's questions.\n";
    for (int i = 0; i < 400; ++i) {
        const std::string color = colors[next(6)];
        const std::string shape = shapes[next(4)];
        const int k = 1 + static_cast<int>(next(9));
        switch (next(4)) {
            case 0:
                out << "segment the " << color << " " << shape << ".\n";
                break;
            case 1:
                out << "Segment the " << shape << " " << relations[next(4)] << " instance " << k
                    << ".\n";
                break;
            case 2:
                out << "USER: segment the dot inside instance " << k << ". ASSISTANT: sure.\n";
                break;
            default:
                out << "Segment the object with the same color as instance " << k << ", it is "
                    << next(1000) << " pixels wide.\n";
                break;
        }
    }
}

std::string pieces_joined(const Tokenizer& tok, const std::vector<int>& ids) {
    std::string s;
    for (int id : ids)
        s += tok.id_to_piece(id);
    return s;
}

std::string replace_spaces(const std::string& text) {
    std::string out;
    for (char c : text)
        out += c == ' ' ? kSpace : std::string(1, c);
    return out;
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

// tokenizer.json with the given added tokens (content, id).
std::string added_tokens_json(const std::vector<std::pair<std::string, int>>& tokens) {
    std::string s = "{\"version\": \"1.0\", \"added_tokens\": [";
    for (size_t i = 0; i < tokens.size(); ++i) {
        s += (i ? ", " : "") + std::string("{\"id\": ") + std::to_string(tokens[i].second) +
             ", \"content\": \"" + tokens[i].first +
             "\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
             "\"normalized\": false, \"special\": true}";
    }
    return s + "], \"model\": {\"type\": \"BPE\"}}";
}

float torch_probe() {
    const at::Tensor a = at::ones({2});
    const at::Tensor m = at::matmul(at::eye(3), at::arange(9, at::kFloat).reshape({3, 3}));
    return a.sum().item<float>() + m.sum().item<float>();  // 2 + 36
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string model_dir_;
    std::optional<Tokenizer> tok_;

private slots:
    void initTestCase() {
        QCOMPARE(torch_probe(), 38.0f);  // LibTorch works before the shim is loaded
        QVERIFY(tmp_.isValid());
        const std::string corpus = tmp_.filePath("corpus.txt").toStdString();
        write_corpus(corpus);
        model_dir_ = tmp_.filePath("model").toStdString();
        fs::create_directories(model_dir_);
        segllm::text::BpeTrainOptions options;
        options.vocab_size = kBaseVocab;
        segllm::text::train_bpe(corpus, model_dir_ + "/tokenizer", options);
        QVERIFY(fs::is_regular_file(model_dir_ + "/tokenizer.model"));
        QVERIFY(fs::is_regular_file(model_dir_ + "/tokenizer.vocab"));
        tok_.emplace(Tokenizer::load(model_dir_));
        QCOMPARE(torch_probe(), 38.0f);  // and after
    }

    void cleanupTestCase() { QCOMPARE(torch_probe(), 38.0f); }

    void reservedIds() {
        const Tokenizer& tok = *tok_;
        QCOMPARE(tok.unk_id(), 0);
        QCOMPARE(tok.bos_id(), 1);
        QCOMPARE(tok.eos_id(), 2);
        QCOMPARE(tok.pad_id(), 0);
        QCOMPARE(tok.base_vocab_size(), kBaseVocab);
        QCOMPARE(tok.vocab_size(), kBaseVocab + 11);
        QCOMPARE(tok.id_to_piece(0), std::string("<unk>"));
        QCOMPARE(tok.id_to_piece(1), std::string("<s>"));
        QCOMPARE(tok.id_to_piece(2), std::string("</s>"));
        // byte_fallback: ids 3..258 are <0x00>..<0xFF>, as in LLaMA.
        QCOMPARE(tok.id_to_piece(3), std::string("<0x00>"));
        QCOMPARE(tok.id_to_piece(3 + 0x0A), std::string("<0x0A>"));
        QCOMPARE(tok.id_to_piece(258), std::string("<0xFF>"));
        QCOMPARE(tok.model_path(), (fs::path(model_dir_) / "tokenizer.model").string());
    }

    void specialIds_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("index");
        const char* names[] = {"<im_gen_start>",    "<im_gen>", "<mask_gen>", "<audio_gen>",
                               "<audio_gen_start>", "<audio>",  "<video>",    "<base>",
                               "<base_null>",       "<seg>",    "<seg_input>"};
        for (int i = 0; i < 11; ++i)
            QTest::newRow(names[i]) << QString(names[i]) << i;
    }
    void specialIds() {
        QFETCH(QString, name);
        QFETCH(int, index);
        const Tokenizer& tok = *tok_;
        const std::string text = name.toStdString();
        QCOMPARE(tok.token_id(text), kBaseVocab + index);
        QCOMPARE(tok.id_to_piece(kBaseVocab + index), text);
        QVERIFY(tok.is_special(kBaseVocab + index));
        QCOMPARE(tok.encode(text), std::vector<int>{kBaseVocab + index});
        QCOMPARE(tok.decode({kBaseVocab + index}), text);
    }

    void namedIds() {
        QCOMPARE(tok_->seg_id(), kBaseVocab + 9);
        QCOMPARE(tok_->video_id(), kBaseVocab + 6);
        QCOMPARE(tok_->token_id("<s>"), 1);
        QCOMPARE(tok_->token_id("</s>"), 2);
        QCOMPARE(tok_->token_id("<unk>"), 0);
    }

    void unknownSpecialToken() {
        const std::string message = error_of([&] { tok_->token_id("<segment>"); });
        QVERIFY2(contains(message, "<segment>"), message.c_str());
        QVERIFY(!error_of([&] { tok_->token_id("seg"); }).empty());
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("sentence") << "segment the red circle left of instance 2.";
        QTest::newRow("leading space") << " segment the ring";
        QTest::newRow("two leading spaces") << "  the square";
        QTest::newRow("trailing space") << "the square ";
        QTest::newRow("double space") << "the  red   circle";
        QTest::newRow("digits") << "instance 1234567890 and 07";
        QTest::newRow("only spaces") << "   ";
        QTest::newRow("empty") << "";
        QTest::newRow("tab and newline") << "a\tb\nc\n";
        QTest::newRow("unseen characters") << "caf\xc3\xa9 \xe5\x86\x86 \xf0\x9f\x99\x82";
        QTest::newRow("conversation")
            << "A chat between a curious user. USER: segment the blue ring ASSISTANT: "
               "<seg></s>USER: <video><video>the dot inside instance 1. ASSISTANT: <seg></s>";
        QTest::newRow("specials with spaces") << " <seg> <video>  x </s> ";
        QTest::newRow("bos eos unk text") << "<s>red</s><unk>";
        QTest::newRow("broken special") << "<se<seg>g> <seg_input <seg_input>";
    }
    void roundTrip() {
        QFETCH(QString, text);
        const std::string t = text.toStdString();
        const std::vector<int> ids = tok_->encode(t);
        QCOMPARE(tok_->decode(ids), t);
        for (int id : ids)
            QVERIFY(id >= 0 && id < tok_->vocab_size());
    }

    // For text made of corpus characters, the pieces spell sentencepiece's normalized form:
    // a dummy "▁" in front and every space as "▁" (identity normalization, no whitespace
    // removal), independent of which merges were learned.
    void piecesSpellNormalizedText_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("sentence") << "segment the red circle left of instance 2.";
        QTest::newRow("spaces") << "  the  red ";
        QTest::newRow("digits") << "1234 pixels";
    }
    void piecesSpellNormalizedText() {
        QFETCH(QString, text);
        const std::string t = text.toStdString();
        QCOMPARE(pieces_joined(*tok_, tok_->encode(t)), kSpace + replace_spaces(t));
    }

    void digitsAreSplit() {
        const std::vector<int> ids = tok_->encode("12345");
        std::vector<std::string> pieces;
        for (int id : ids)
            pieces.push_back(tok_->id_to_piece(id));
        const std::vector<std::string> expected = {kSpace, "1", "2", "3", "4", "5"};
        QCOMPARE(pieces, expected);
    }

    void unseenCharactersFallBackToBytes() {
        // U+5186 is E5 86 86 in UTF-8; the corpus has no such character.
        const std::vector<int> ids = tok_->encode("\xe5\x86\x86");
        std::vector<std::string> pieces;
        for (int id : ids)
            pieces.push_back(tok_->id_to_piece(id));
        const std::vector<std::string> expected = {kSpace, "<0xE5>", "<0x86>", "<0x86>"};
        QCOMPARE(pieces, expected);
        QCOMPARE(ids[1], 3 + 0xE5);
        QVERIFY(std::find(ids.begin(), ids.end(), tok_->unk_id()) == ids.end());
    }

    void assistantAnswer() {
        const Tokenizer& tok = *tok_;
        const std::vector<int> ids = tok.encode("ASSISTANT: <seg></s>");
        QVERIFY(ids.size() >= 4);
        const size_t n = ids.size();
        QCOMPARE(ids[n - 1], tok.eos_id());
        QCOMPARE(ids[n - 2], tok.seg_id());
        QCOMPARE(tok.id_to_piece(ids[n - 3]), kSpace);  // the lone-space piece before <seg>
        const std::vector<int> head(ids.begin(), ids.end() - 3);
        QCOMPARE(pieces_joined(tok, head), kSpace + "ASSISTANT:");
        QCOMPARE(std::count(ids.begin(), ids.end(), tok.seg_id()), std::ptrdiff_t(1));
        for (size_t i = 0; i + 2 < n; ++i)
            QVERIFY(!tok.is_special(ids[i]));
    }

    // Each text piece between special tokens gets its own dummy prefix (HF LLaMA legacy).
    void dummyPrefixPerSegment() {
        const Tokenizer& tok = *tok_;
        const std::vector<int> ids = tok.encode("<seg>red</s>USER:");
        QCOMPARE(ids.front(), tok.seg_id());
        const auto eos = std::find(ids.begin(), ids.end(), tok.eos_id());
        QVERIFY(eos != ids.end());
        QCOMPARE(pieces_joined(tok, std::vector<int>(ids.begin() + 1, eos)), kSpace + "red");
        QCOMPARE(pieces_joined(tok, std::vector<int>(eos + 1, ids.end())), kSpace + "USER:");
    }

    void addBos() {
        const std::vector<int> plain = tok_->encode("the red ring");
        const std::vector<int> with_bos = tok_->encode("the red ring", true);
        QCOMPARE(with_bos.size(), plain.size() + 1);
        QCOMPARE(with_bos.front(), 1);
        QCOMPARE(std::vector<int>(with_bos.begin() + 1, with_bos.end()), plain);
        QCOMPARE(tok_->decode(with_bos), std::string("<s>the red ring"));
        QCOMPARE(tok_->decode(with_bos, true), std::string("the red ring"));
    }

    void decodeRejectsBadIds() {
        const Tokenizer& tok = *tok_;
        for (int id : {-1, tok.vocab_size(), tok.vocab_size() + 100}) {
            const std::string message = error_of([&] { tok.decode({5, id}); });
            QVERIFY2(contains(message, std::to_string(id)), message.c_str());
            QVERIFY(!error_of([&] { tok.id_to_piece(id); }).empty());
        }
    }

    void concurrentEncode() {
        const std::vector<std::string> texts = {"segment the red circle left of instance 2.",
                                                "USER: <video> the ring ASSISTANT: <seg></s>",
                                                "  1234 \xe5\x86\x86 "};
        std::vector<std::vector<int>> expected;
        for (const auto& t : texts)
            expected.push_back(tok_->encode(t));
        std::atomic<int> mismatches{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int round = 0; round < 200; ++round) {
                    for (size_t i = 0; i < texts.size(); ++i) {
                        if (tok_->encode(texts[i]) != expected[i])
                            ++mismatches;
                        if (tok_->decode(expected[i]) != texts[i])
                            ++mismatches;
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        QCOMPARE(mismatches.load(), 0);
    }

    // tokenizer.json's added_tokens decide the special ids.
    void jsonOverridesSpecialIds() {
        const std::string dir = tmp_.filePath("json-override").toStdString();
        fs::create_directories(dir);
        fs::copy_file(model_dir_ + "/tokenizer.model", dir + "/tokenizer.model");
        std::vector<std::pair<std::string, int>> tokens = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
        const auto& added = segllm::text::added_tokens();
        for (int i = 0; i < 11; ++i)
            tokens.emplace_back(added[i], kBaseVocab + 10 - i);
        write_file(dir + "/tokenizer.json", added_tokens_json(tokens));

        const Tokenizer tok = Tokenizer::load(dir);
        QCOMPARE(tok.vocab_size(), kBaseVocab + 11);
        QCOMPARE(tok.seg_id(), kBaseVocab + 1);
        QCOMPARE(tok.video_id(), kBaseVocab + 4);
        QCOMPARE(tok.token_id("<im_gen_start>"), kBaseVocab + 10);
        QCOMPARE(tok.encode("<seg>"), std::vector<int>{kBaseVocab + 1});
        QCOMPARE(tok.id_to_piece(kBaseVocab + 1), std::string("<seg>"));
    }

    // Tokens missing from tokenizer.json keep base + index; extra added tokens are matched too.
    void jsonPartialAndExtraTokens() {
        const std::string dir = tmp_.filePath("json-partial").toStdString();
        fs::create_directories(dir);
        fs::copy_file(model_dir_ + "/tokenizer.model", dir + "/tokenizer.model");
        write_file(dir + "/tokenizer.json",
                   added_tokens_json({{"<seg>", kBaseVocab + 20}, {"<pad>", kBaseVocab + 30}}));
        const Tokenizer tok = Tokenizer::load(dir);
        QCOMPARE(tok.seg_id(), kBaseVocab + 20);
        QCOMPARE(tok.video_id(), kBaseVocab + 6);
        QCOMPARE(tok.token_id("<pad>"), kBaseVocab + 30);
        QCOMPARE(tok.vocab_size(), kBaseVocab + 31);
        QCOMPARE(tok.encode("<pad><seg>"), (std::vector<int>{kBaseVocab + 30, kBaseVocab + 20}));
        // An id between the pieces and the specials that no token has is rejected.
        QVERIFY(!error_of([&] { tok.decode({kBaseVocab + 25}); }).empty());
    }

    void jsonErrorsNameTheFile_data() {
        QTest::addColumn<QString>("json");
        QTest::newRow("not json") << "{\"added_tokens\": [";
        QTest::newRow("id is a piece") << QString::fromStdString(added_tokens_json({{"<seg>", 5}}));
        QTest::newRow("shared id") << QString::fromStdString(
            added_tokens_json({{"<seg>", kBaseVocab + 1}, {"<video>", kBaseVocab + 1}}));
        QTest::newRow("clash with default id")
            << QString::fromStdString(added_tokens_json({{"<seg>", kBaseVocab + 6}}));
        QTest::newRow("missing id") << "{\"added_tokens\": [{\"content\": \"<seg>\"}]}";
        QTest::newRow("negative id") << QString::fromStdString(added_tokens_json({{"<seg>", -3}}));
    }
    void jsonErrorsNameTheFile() {
        QFETCH(QString, json);
        const std::string dir =
            tmp_.filePath(QString("json-bad-%1").arg(QTest::currentDataTag())).toStdString();
        fs::create_directories(dir);
        fs::copy_file(model_dir_ + "/tokenizer.model", dir + "/tokenizer.model",
                      fs::copy_options::overwrite_existing);
        write_file(dir + "/tokenizer.json", json.toStdString());
        const std::string message = error_of([&] { Tokenizer::load(dir); });
        QVERIFY2(contains(message, dir + "/tokenizer.json"), message.c_str());
    }

    void missingModel() {
        const std::string dir = tmp_.filePath("empty").toStdString();
        fs::create_directories(dir);
        std::string message = error_of([&] { Tokenizer::load(dir); });
        QVERIFY2(contains(message, dir + "/tokenizer.model"), message.c_str());
        const std::string file = tmp_.filePath("no/such/file.model").toStdString();
        message = error_of([&] { Tokenizer::load(file); });
        QVERIFY2(contains(message, file), message.c_str());
    }

    void corruptModel_data() {
        QTest::addColumn<QByteArray>("bytes");
        QByteArray random(4096, '\0');
        std::uint32_t state = 99;
        for (char& c : random) {
            state = state * 1103515245u + 12345u;
            c = static_cast<char>(state >> 16);
        }
        QTest::newRow("random bytes") << random;
        QTest::newRow("empty file") << QByteArray();
        QTest::newRow("text") << QByteArray("not a sentencepiece model\n");
        QFile model(QString::fromStdString(model_dir_ + "/tokenizer.model"));
        QVERIFY(model.open(QIODevice::ReadOnly));
        QTest::newRow("truncated model") << model.readAll().left(1000);
    }
    void corruptModel() {
        QFETCH(QByteArray, bytes);
        const std::string path =
            tmp_.filePath(QString("corrupt-%1.model").arg(QTest::currentDataTag())).toStdString();
        write_file(path, bytes.toStdString());
        const std::string message = error_of([&] { Tokenizer::load(path); });
        QVERIFY2(contains(message, path), message.c_str());
    }

    void trainingErrorsNameTheFile() {
        const std::string missing = tmp_.filePath("no-corpus.txt").toStdString();
        const std::string prefix = tmp_.filePath("never").toStdString();
        std::string message = error_of([&] { segllm::text::train_bpe(missing, prefix); });
        QVERIFY2(contains(message, missing), message.c_str());

        const std::string corpus = tmp_.filePath("corpus.txt").toStdString();
        segllm::text::BpeTrainOptions too_big;
        too_big.vocab_size = 50000;  // far more than the corpus can fill
        message = error_of([&] { segllm::text::train_bpe(corpus, prefix, too_big); });
        QVERIFY2(contains(message, corpus), message.c_str());
        QVERIFY(!fs::exists(prefix + ".model"));
    }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
