// Projectors and the rows they add to the LLM input: mm_projector with exact (erf) GELU,
// mask-encode and box-encode rows with the 0.5 inference scale, SEG tokens.

#include "core/common/error.h"
#include "core/model/projector.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm;
using namespace segllm::model;

namespace {

ProjectorConfig small_projector() {
    ProjectorConfig c;
    c.mm_hidden_size = 6;
    c.hidden_size = 10;
    c.seg_token_count = 4;
    c.seg_token_dim = 3;
    return c;
}

// y = W x + b for one row, in float64 loops.
std::vector<double> affine(const at::Tensor& w, const at::Tensor& b, const std::vector<double>& x) {
    const at::Tensor wd = w.to(at::kDouble);
    const at::Tensor bd = b.to(at::kDouble);
    const auto wa = wd.accessor<double, 2>();
    const auto ba = bd.accessor<double, 1>();
    std::vector<double> y(static_cast<std::size_t>(w.size(0)));
    for (std::int64_t o = 0; o < w.size(0); ++o) {
        y[o] = ba[o];
        for (std::int64_t i = 0; i < w.size(1); ++i) {
            y[o] += wa[o][i] * x[i];
        }
    }
    return y;
}

std::vector<double> row(const at::Tensor& t) {
    const at::Tensor d = t.to(at::kDouble).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// Linear, exact GELU 0.5 x (1 + erf(x / sqrt 2)), Linear.
std::vector<double> mlp2x_gelu(torch::nn::Sequential& seq, const std::vector<double>& x) {
    auto first = seq->ptr<torch::nn::LinearImpl>(0);
    auto second = seq->ptr<torch::nn::LinearImpl>(2);
    std::vector<double> h = affine(first->weight, first->bias, x);
    for (double& v : h) {
        v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    }
    return affine(second->weight, second->bias, h);
}

}  // namespace

class TestProjector : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(5); }

    void mm_projector_layout_and_formula() {
        at::NoGradGuard no_grad;
        torch::nn::Sequential mm = make_mm_projector(small_projector());
        std::vector<std::string> names;
        for (const auto& p : mm->named_parameters()) {
            names.push_back(p.key());
        }
        QCOMPARE(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
        QCOMPARE(mm->ptr<torch::nn::LinearImpl>(0)->weight.sizes().vec(),
                 (std::vector<std::int64_t>{10, 6}));
        // large inputs so that erf and tanh GELU would differ
        const at::Tensor x = at::randn({3, 6}) * 3.0;
        const at::Tensor y = mm->forward(x);
        for (int r = 0; r < 3; ++r) {
            const std::vector<double> expected = mlp2x_gelu(mm, row(x[r]));
            const std::vector<double> got = row(y[r]);
            for (std::size_t i = 0; i < expected.size(); ++i) {
                QVERIFY(std::abs(got[i] - expected[i]) < 1e-5);
            }
        }
    }

    void encode_rows_add_scaled_features_to_video_embedding() {
        at::NoGradGuard no_grad;
        const ProjectorConfig c = small_projector();
        torch::nn::Sequential mm = make_mm_projector(c);
        torch::nn::Linear box_head = make_mask_enc_head(c);
        QCOMPARE(box_head->weight.sizes().vec(), (std::vector<std::int64_t>{10, 4}));
        const at::Tensor video = at::randn({10});
        const at::Tensor cls = at::randn({6});
        const at::Tensor box = at::tensor(std::vector<float>{0.25f, 0.125f, 0.75f, 0.5f});

        const at::Tensor mask_row = mask_encode_rows(mm, video, cls);
        QCOMPARE(mask_row.sizes().vec(), (std::vector<std::int64_t>{1, 10}));
        const std::vector<double> m = mlp2x_gelu(mm, row(cls));
        const at::Tensor box_row = box_encode_rows(box_head, video, box);
        const std::vector<double> b = affine(box_head->weight, box_head->bias, row(box));
        const std::vector<double> v = row(video);
        for (int i = 0; i < 10; ++i) {
            QVERIFY(std::abs(mask_row[0][i].item<double>() - (v[i] + 0.5 * m[i])) < 1e-5);
            QVERIFY(std::abs(box_row[0][i].item<double>() - (v[i] + 0.5 * b[i])) < 1e-5);
        }
        // several references at once: one row each; scale 1 for image patches
        QCOMPARE(mask_encode_rows(mm, video, at::randn({3, 6})).sizes().vec(),
                 (std::vector<std::int64_t>{3, 10}));
        QCOMPARE(box_encode_rows(box_head, video, at::rand({2, 4})).sizes().vec(),
                 (std::vector<std::int64_t>{2, 10}));
        const at::Tensor patches = at::randn({1, 5, 6});
        const at::Tensor image = image_encode_rows(mm, video, patches);
        QCOMPARE(image.sizes().vec(), (std::vector<std::int64_t>{1, 5, 10}));
        const std::vector<double> p3 = mlp2x_gelu(mm, row(patches[0][3]));
        for (int i = 0; i < 10; ++i) {
            QVERIFY(std::abs(image[0][3][i].item<double>() - (v[i] + p3[i])) < 1e-5);
        }
        QVERIFY_THROWS_EXCEPTION(Error, mask_encode_rows(mm, at::randn({9}), cls));
        QVERIFY_THROWS_EXCEPTION(Error, box_encode_rows(box_head, at::randn({2, 10}), box));
    }

    void seg_tokens_reshape_predictor_output() {
        at::NoGradGuard no_grad;
        const ProjectorConfig c = small_projector();
        torch::nn::Sequential seg = make_segmentator_predictor(c);
        QCOMPARE(seg->ptr<torch::nn::LinearImpl>(2)->weight.sizes().vec(),
                 (std::vector<std::int64_t>{12, 10}));
        const at::Tensor h = at::randn({2, 10});
        const at::Tensor tokens = seg_tokens(seg, h, c.seg_token_count);
        QCOMPARE(tokens.sizes().vec(), (std::vector<std::int64_t>{2, 4, 3}));
        const std::vector<double> flat = mlp2x_gelu(seg, row(h[1]));
        // token t, channel j = output index t * 3 + j
        QVERIFY(std::abs(tokens[1][2][1].item<double>() - flat[7]) < 1e-5);
        QVERIFY(std::abs(tokens[1][3][0].item<double>() - flat[9]) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(Error, seg_tokens(seg, h, 5));
    }
};

QTEST_APPLESS_MAIN(TestProjector)
#include "test_projector.moc"
