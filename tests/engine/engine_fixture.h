#pragma once
// Shared set-up of the engine tests: a BPE tokenizer trained on shapes-world sentences (fixed
// seed) and a tiny SegLLM with random weights whose vocabulary matches it.

#include "core/engine/engine.h"
#include "core/model/config.h"
#include "core/model/segllm.h"
#include "core/synth/random.h"
#include "core/synth/scene.h"
#include "core/synth/world_text.h"
#include "core/text/conversation.h"
#include "core/text/tokenizer.h"

#include <fstream>
#include <memory>
#include <string>

namespace segllm::test {

struct TinyModel {
    std::shared_ptr<const text::Tokenizer> tokenizer;
    std::shared_ptr<model::SegllmModel> model;
};

// Trains the tokenizer into `dir` (tokenizer.model) and builds the random model.
inline TinyModel make_tiny_model(const std::string& dir, std::uint64_t seed = 1234) {
    const std::string corpus = dir + "/corpus.txt";
    {
        std::ofstream out(corpus, std::ios::binary);
        out << text::vicuna_system_prompt() << "\nUSER: ASSISTANT:\n";
        for (const std::string& s : synth::world_sentences(11, 300)) {
            out << s << "\n";
        }
    }
    text::BpeTrainOptions options;
    options.vocab_size = 400;
    text::train_bpe(corpus, dir + "/tokenizer", options);
    TinyModel t;
    t.tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::load(dir));
    model::SegllmConfig config = model::segllm_preset("segllm-tiny");
    config.llm.vocab_size = t.tokenizer->vocab_size();
    model::LoadOptions load;
    load.device = "cpu";
    t.model = model::SegllmModel::random(config, seed, t.tokenizer, load);
    return t;
}

// A shapes-world scene of the given size.
inline RgbImage scene_image(std::uint64_t seed, int width, int height) {
    synth::Rng rng(seed);
    synth::SceneOptions options;
    options.width = width;
    options.height = height;
    return synth::generate_scene(rng, options).image;
}

}  // namespace segllm::test
