// SegllmModel end to end on the tiny configuration: the mask-encode / box-encode rows against a
// float64 recomputation (masked crop by naive loops, embed(<video>) + 0.5 x feature, box order
// (top, left, bottom, right) / side), and a 3-round conversation built by hand with a tokenizer
// trained here (image rows added at the 64 <video> positions of round 1, mask/box rows of earlier
// rounds in rounds 2-3), run with a KV cache and decode_seg: masks of the image's size, the
// cached states equal to one uncached forward, and identical results from two fresh models
// with the same seed.

#include "core/common/error.h"
#include "core/image/preprocess.h"
#include "core/model/segllm.h"
#include "core/model/weight_loading.h"
#include "core/text/tokenizer.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace segllm;
using namespace segllm::model;
namespace fs = std::filesystem;

namespace {

LoadOptions cpu_options() {
    LoadOptions o;
    o.device = "cpu";
    o.dtype = "f32";
    o.require_tokenizer = false;
    return o;
}

RgbImage test_image() {
    RgbImage img(90, 70);
    for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
            std::uint8_t* p = img.pixel(x, y);
            const bool square = x >= 20 && x < 50 && y >= 15 && y < 40;
            const bool disc = (x - 70) * (x - 70) + (y - 50) * (y - 50) < 100;
            p[0] = square ? 220 : static_cast<std::uint8_t>(30 + x);
            p[1] = disc ? 200 : static_cast<std::uint8_t>(60 + y);
            p[2] = static_cast<std::uint8_t>((x * 7 + y * 3) % 256);
        }
    }
    return img;
}

at::Tensor param(const SegllmModel& m, const std::string& key) {
    return module_tensors(m.root()).at(key).to(at::kDouble);
}

at::Tensor gelu64(const at::Tensor& x) {
    return 0.5 * x * (1.0 + at::erf(x / std::sqrt(2.0)));
}

// embed(<video>) + 0.5 * mm_projector(cls), in float64 from the weights.
at::Tensor expected_mask_row(const SegllmModel& m, std::int64_t video_id, const at::Tensor& cls,
                             double scale = 0.5) {
    const at::Tensor x = cls.to(at::kDouble).reshape({-1});
    const at::Tensor h1 = gelu64(at::matmul(param(m, "model.mm_projector.0.weight"), x) +
                                 param(m, "model.mm_projector.0.bias"));
    const at::Tensor h2 = at::matmul(param(m, "model.mm_projector.2.weight"), h1) +
                          param(m, "model.mm_projector.2.bias");
    return param(m, "model.embed_tokens.weight")[video_id] + scale * h2;
}

at::Tensor expected_box_row(const SegllmModel& m, std::int64_t video_id,
                            const std::vector<double>& v, double scale = 0.5) {
    const at::Tensor vec = at::tensor(v, at::kDouble);
    return param(m, "model.embed_tokens.weight")[video_id] +
           scale * (at::matmul(param(m, "model.mask_enc_head.weight"), vec) +
                    param(m, "model.mask_enc_head.bias"));
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

struct RoundResult {
    Mask mask_frame;
    BoxF box;
    float score = 0.0F;
    Mask mask_image;
};

struct ConversationResult {
    std::vector<RoundResult> rounds;
    at::Tensor last_seg_state;  // cached forward, state before the last <seg>
    at::Tensor all_rows;        // every input row of the 3 rounds
    std::int64_t last_seg_position = 0;
};

std::vector<int> cat(std::vector<int> a, const std::vector<int>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Three rounds: round 1 sees the image (64 <video> rows + image_rows), round 2 references
// round 1 (2 rows), round 3 references rounds 1 and 2 (4 rows).
ConversationResult run_conversation(const SegllmModel& m, const text::Tokenizer& tok,
                                    const RgbImage& image) {
    const ImageEncoding enc = m.encode_image(image);
    KvCache cache = m.make_cache();
    ConversationResult result;
    std::vector<at::Tensor> rows_so_far;
    std::int64_t offset = 0;
    const std::vector<std::string> texts = {" Segment the red square.",
                                            " Segment the object left of it.",
                                            " Segment the object between them."};
    for (std::size_t round = 0; round < 3; ++round) {
        const std::size_t placeholders = round == 0 ? 64 : 2 * round;
        std::vector<int> ids =
            round == 0 ? tok.encode("A chat between a user and an assistant. USER:", true)
                       : tok.encode("USER:");
        const std::size_t first = ids.size();
        ids.insert(ids.end(), placeholders, tok.video_id());
        ids = cat(ids, tok.encode(texts[round] + " ASSISTANT:"));
        const std::size_t seg = ids.size();
        ids.push_back(tok.seg_id());
        ids.push_back(tok.eos_id());

        at::Tensor rows = m.embed(ids).clone();
        if (round == 0) {
            rows.narrow(0, static_cast<std::int64_t>(first), 64).add_(enc.image_rows);
        } else {
            std::vector<at::Tensor> refs;
            for (std::size_t r = 0; r < round; ++r) {
                const RoundResult& prev = result.rounds[r];
                refs.push_back(m.mask_box_rows(enc, prev.mask_frame, prev.box));
            }
            rows.narrow(0, static_cast<std::int64_t>(first),
                        static_cast<std::int64_t>(placeholders))
                .copy_(at::cat(refs, 0));
        }
        const LlamaOutput out = m.forward(rows, &cache);
        const at::Tensor h = out.hidden_states[0][static_cast<std::int64_t>(seg) - 1];
        const SegDecode d = m.decode_seg(enc, h);
        RoundResult rr;
        rr.mask_frame = d.mask_frame;
        rr.box = d.box_frame;
        rr.score = d.score;
        rr.mask_image = d.mask;
        result.rounds.push_back(rr);
        rows_so_far.push_back(rows);
        result.last_seg_state = h;
        result.last_seg_position = offset + static_cast<std::int64_t>(seg) - 1;
        offset += rows.size(0);
    }
    result.all_rows = at::cat(rows_so_far, 0);
    return result;
}

}  // namespace

class TestSegllmPipeline : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::shared_ptr<const text::Tokenizer> tok_;

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        if (!SEGLLM_TEST_HAVE_TOKENIZER) {
            return;  // the conversation tests skip themselves
        }
        const std::string corpus = tmp_.filePath("corpus.txt").toStdString();
        {
            std::ofstream out(corpus);
            const char* colors[] = {"red", "green", "blue", "yellow", "purple", "orange"};
            const char* shapes[] = {"circle", "square", "triangle", "ring", "object"};
            const char* relations[] = {"left of", "right of", "above", "below", "inside"};
            out << "A chat between a user and an assistant. USER: ASSISTANT:\n";
            for (const char* c : colors) {
                for (const char* s : shapes) {
                    out << "Segment the " << c << " " << s << ".\n";
                    for (const char* r : relations) {
                        out << "Segment the " << s << " " << r << " the " << c
                            << " one, it is between them.\n";
                    }
                }
            }
        }
        text::BpeTrainOptions options;
        options.vocab_size = 320;
        options.hard_vocab_limit = false;
        const std::string dir = tmp_.filePath("tok").toStdString();
        fs::create_directories(dir);
        text::train_bpe(corpus, dir + "/tokenizer", options);
        tok_ = std::make_shared<const text::Tokenizer>(text::Tokenizer::load(dir));
        QCOMPARE(tok_->vocab_size(), tok_->base_vocab_size() + 11);
    }

    void mask_and_box_rows() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto m = SegllmModel::random(c, 21, nullptr, cpu_options());
        const RgbImage img = test_image();
        const ImageEncoding enc = m->encode_image(img);
        QCOMPARE(enc.frame.side, 128);
        QCOMPARE(enc.frame.resized_w, 128);
        QCOMPARE(enc.frame.resized_h, 100);  // 70 * 128 / 90 = 99.6
        QCOMPARE(enc.padded.width, 128);
        QCOMPARE(enc.image_rows.sizes().vec(), (std::vector<std::int64_t>{64, 128}));

        Mask mask(128, 128);  // a disc, so the crop is really masked
        for (int y = 0; y < 128; ++y) {
            for (int x = 0; x < 128; ++x) {
                mask.at(x, y) = (x - 30) * (x - 30) + (y - 32) * (y - 32) < 200 ? 1 : 0;
            }
        }
        // int() and clip: x0 10, y0 20, x1 50, y1 45 -> side 40 square, crop top-left.
        const BoxF box{10.7, 20.2, 50.9, 45.3};
        const at::Tensor rows = m->mask_box_rows(enc, mask, box);
        QCOMPARE(rows.sizes().vec(), (std::vector<std::int64_t>{2, 128}));

        RgbImage crop(40, 40);
        for (int y = 0; y < 25; ++y) {
            for (int x = 0; x < 40; ++x) {
                const int fx = 10 + x, fy = 20 + y;
                for (int ch = 0; ch < 3; ++ch) {
                    crop.pixel(x, y)[ch] =
                        mask.at(fx, fy) != 0 ? enc.padded.pixel(fx, fy)[ch] : std::uint8_t{0};
                }
            }
        }
        const FloatImage clip = clip_preprocess(crop, 64);
        const at::Tensor pixels =
            at::from_blob(const_cast<float*>(clip.data.data()), {1, 3, 64, 64}, at::kFloat).clone();
        auto& root = dynamic_cast<LlavaLlamaForCausalLMImpl&>(m->root());
        at::Tensor cls;
        {
            at::NoGradGuard no_grad;
            cls = root.model->vision_tower->forward(pixels).cls;
        }
        const std::int64_t video = 523 - 11 + 6;  // last 11 ids are the added tokens
        const at::Tensor want_mask = expected_mask_row(*m, video, cls);
        QVERIFY2(max_diff(rows[0], want_mask) < 1e-4,
                 qPrintable(QString::number(max_diff(rows[0], want_mask))));
        const at::Tensor want_box =
            expected_box_row(*m, video, {20 / 128.0, 10 / 128.0, 45 / 128.0, 50 / 128.0});
        QVERIFY(max_diff(rows[1], want_box) < 1e-5);
        // (left, top, right, bottom) order would give another row.
        const at::Tensor wrong_order =
            expected_box_row(*m, video, {10 / 128.0, 20 / 128.0, 50 / 128.0, 45 / 128.0});
        QVERIFY(max_diff(rows[1], wrong_order) > 1e-3);
        // Without the 0.5 scale the mask row would differ.
        const at::Tensor emb = param(*m, "model.embed_tokens.weight")[video];
        QVERIFY(max_diff(rows[0], emb + 2.0 * (want_mask - emb)) > 1e-3);

        // A config's mm_encode_scale replaces the 0.5 (same seed, same weights).
        SegllmConfig whole = c;
        whole.projector.encode_scale = 1.0;
        const auto w = SegllmModel::random(whole, 21, nullptr, cpu_options());
        const at::Tensor whole_rows = w->mask_box_rows(w->encode_image(img), mask, box);
        QVERIFY(max_diff(whole_rows[0], expected_mask_row(*w, video, cls, 1.0)) < 1e-4);
        QVERIFY(max_diff(whole_rows[1],
                         expected_box_row(*w, video,
                                          {20 / 128.0, 10 / 128.0, 45 / 128.0, 50 / 128.0}, 1.0)) <
                1e-5);
        QVERIFY(max_diff(whole_rows[0], want_mask) > 1e-3);

        // An empty prediction still gives two rows (box widened to 2 px, zero crop).
        const at::Tensor empty = m->mask_box_rows(enc, Mask(128, 128), BoxF{});
        QCOMPARE(empty.sizes().vec(), (std::vector<std::int64_t>{2, 128}));
        QVERIFY(max_diff(empty[1], expected_box_row(*m, video, {0, 0, 2 / 128.0, 2 / 128.0})) <
                1e-5);
        QVERIFY_THROWS_EXCEPTION(Error, m->mask_box_rows(enc, Mask(64, 64), box));
    }

    void three_round_conversation() {
        if (!tok_) {
            QSKIP("built with SEGLLM_WITH_TOKENIZER=OFF: no tokenizer can be trained");
        }
        SegllmConfig c = segllm_preset("segllm-tiny");
        c.llm.vocab_size = tok_->vocab_size();
        const RgbImage img = test_image();
        const auto a = SegllmModel::random(c, 5, tok_, cpu_options());
        const ConversationResult ra = run_conversation(*a, *tok_, img);
        QCOMPARE(ra.rounds.size(), std::size_t{3});
        for (const RoundResult& r : ra.rounds) {
            QCOMPARE(r.mask_frame.width, 128);
            QCOMPARE(r.mask_frame.height, 128);
            QCOMPARE(r.mask_image.width, img.width);
            QCOMPARE(r.mask_image.height, img.height);
            QVERIFY(r.box.x1 >= r.box.x0 && r.box.y1 >= r.box.y0);
            QVERIFY(r.score > 0.0F && r.score <= 1.0F);
        }
        // The cached rounds equal one forward of the whole conversation.
        const LlamaOutput full = a->forward(ra.all_rows, nullptr);
        QVERIFY(max_diff(full.hidden_states[0][ra.last_seg_position], ra.last_seg_state) < 1e-4);

        // Two fresh models with the same seed give the same masks, boxes and scores.
        const auto b = SegllmModel::random(c, 5, tok_, cpu_options());
        const ConversationResult rb = run_conversation(*b, *tok_, img);
        for (std::size_t i = 0; i < 3; ++i) {
            QVERIFY(ra.rounds[i].mask_frame == rb.rounds[i].mask_frame);
            QVERIFY(ra.rounds[i].mask_image == rb.rounds[i].mask_image);
            QCOMPARE(ra.rounds[i].box.x0, rb.rounds[i].box.x0);
            QCOMPARE(ra.rounds[i].box.y1, rb.rounds[i].box.y1);
            QCOMPARE(ra.rounds[i].score, rb.rounds[i].score);
        }
        QVERIFY(at::equal(ra.last_seg_state, rb.last_seg_state));
        // Another seed gives other states (the comparison above can fail).
        const auto other = SegllmModel::random(c, 6, tok_, cpu_options());
        const ConversationResult ro = run_conversation(*other, *tok_, img);
        QVERIFY(!at::allclose(ra.last_seg_state, ro.last_seg_state));
    }

    void tokenizer_folder_round_trip_and_vocab_check() {
        if (!tok_) {
            QSKIP("built with SEGLLM_WITH_TOKENIZER=OFF: no tokenizer can be trained");
        }
        SegllmConfig c = segllm_preset("segllm-tiny");
        c.llm.vocab_size = tok_->vocab_size();
        const auto m = SegllmModel::random(c, 8, tok_, cpu_options());
        const std::string dir = tmp_.filePath("with-tokenizer").toStdString();
        save_model_folder(*m, dir);
        QVERIFY(fs::is_regular_file(dir + "/tokenizer.model"));
        LoadOptions options = cpu_options();
        options.require_tokenizer = true;
        LoadReport report;
        const auto loaded = SegllmModel::load(dir, options, &report);
        QVERIFY(loaded->tokenizer() != nullptr);
        QCOMPARE(loaded->tokenizer()->vocab_size(), tok_->vocab_size());
        QCOMPARE(loaded->tokenizer()->encode("Segment the red ring."),
                 tok_->encode("Segment the red ring."));
        QCOMPARE(report.tokenizer_path, dir + "/tokenizer.model");

        // Tokenizer and config.json disagree on the vocabulary: an error naming both.
        SegllmConfig wrong = c;
        wrong.llm.vocab_size = tok_->vocab_size() + 5;
        {
            std::ofstream out(dir + "/config.json");
            out << segllm_config_to_json(wrong);
        }
        std::string message;
        try {
            SegllmModel::load(dir, options);
        } catch (const Error& e) {
            message = e.what();
        }
        QVERIFY2(message.find(std::to_string(tok_->vocab_size())) != std::string::npos,
                 message.c_str());
        QVERIFY2(message.find(std::to_string(wrong.llm.vocab_size)) != std::string::npos,
                 message.c_str());
        QVERIFY_THROWS_EXCEPTION(Error, SegllmModel::random(wrong, 1, tok_, cpu_options()));
    }
};

QTEST_APPLESS_MAIN(TestSegllmPipeline)
#include "test_segllm_pipeline.moc"
