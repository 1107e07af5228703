#include "core/model/projector.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>

#include <sstream>

namespace segllm::model {

namespace {

void check_video_embedding(const at::Tensor& video_embedding, std::int64_t width,
                           const char* what) {
    if (video_embedding.dim() != 1 || video_embedding.size(0) != width) {
        std::ostringstream s;
        s << what << ": the <video> embedding must be [" << width << "], got "
          << video_embedding.sizes();
        throw Error(s.str());
    }
}

}  // namespace

torch::nn::Sequential make_mm_projector(const ProjectorConfig& config) {
    return torch::nn::Sequential(torch::nn::Linear(config.mm_hidden_size, config.hidden_size),
                                 torch::nn::GELU(),
                                 torch::nn::Linear(config.hidden_size, config.hidden_size));
}

torch::nn::Linear make_mask_enc_head(const ProjectorConfig& config) {
    return torch::nn::Linear(config.box_dim, config.hidden_size);
}

torch::nn::Sequential make_segmentator_predictor(const ProjectorConfig& config) {
    return torch::nn::Sequential(torch::nn::Linear(config.hidden_size, config.hidden_size),
                                 torch::nn::GELU(),
                                 torch::nn::Linear(config.hidden_size, config.seg_output_size()));
}

at::Tensor image_encode_rows(torch::nn::Sequential& mm_projector, const at::Tensor& video_embedding,
                             const at::Tensor& patches) {
    const at::Tensor projected = mm_projector->forward(patches);
    check_video_embedding(video_embedding, projected.size(-1), "image_encode_rows");
    return projected + video_embedding;
}

at::Tensor mask_encode_rows(torch::nn::Sequential& mm_projector, const at::Tensor& video_embedding,
                            const at::Tensor& cls, double scale) {
    const at::Tensor projected = mm_projector->forward(cls.dim() == 1 ? cls.unsqueeze(0) : cls);
    check_video_embedding(video_embedding, projected.size(-1), "mask_encode_rows");
    return video_embedding + projected * scale;
}

at::Tensor box_encode_rows(torch::nn::Linear& mask_enc_head, const at::Tensor& video_embedding,
                           const at::Tensor& boxes, double scale) {
    const at::Tensor projected =
        mask_enc_head->forward(boxes.dim() == 1 ? boxes.unsqueeze(0) : boxes);
    check_video_embedding(video_embedding, projected.size(-1), "box_encode_rows");
    return video_embedding + projected * scale;
}

at::Tensor seg_tokens(torch::nn::Sequential& segmentator_predictor, const at::Tensor& hidden,
                      std::int64_t seg_token_count) {
    const at::Tensor out = segmentator_predictor->forward(hidden);
    if (seg_token_count <= 0 || out.size(-1) % seg_token_count != 0) {
        throw Error("seg_tokens: output width " + std::to_string(out.size(-1)) +
                    " is not a multiple of the token count " + std::to_string(seg_token_count));
    }
    std::vector<std::int64_t> shape(out.sizes().begin(), out.sizes().end() - 1);
    shape.push_back(seg_token_count);
    shape.push_back(out.size(-1) / seg_token_count);
    return out.reshape(shape);
}

}  // namespace segllm::model
