#pragma once
// The tokenizer of a model trained on the shapes world: a sentencepiece BPE (LLaMA settings,
// core/text/bpe_trainer.h) trained on the world's sentences and the conversation template text.

#include <cstdint>
#include <string>

namespace segllm::train {

struct WorldTokenizerOptions {
    int vocab_size = 512;    // sentencepiece pieces (the 11 SegLLM tokens come on top)
    std::uint64_t seed = 0;  // seed of synth::world_sentences
    int sentences = 3000;    // generated prompts beyond the coverage sentences
};

// Writes `dir`/tokenizer_corpus.txt (the system prompt, "USER:" / "ASSISTANT:" lines and
// synth::world_sentences) and trains `dir`/tokenizer.model; the corpus file is removed
// afterwards. Returns the model path. Throws segllm::Error when the folder cannot be written or
// training fails (see text::train_bpe).
std::string train_world_tokenizer(const std::string& dir, const WorldTokenizerOptions& options);

}  // namespace segllm::train
