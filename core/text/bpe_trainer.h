#pragma once
// Training a sentencepiece BPE model with LLaMA's tokenizer settings (for the tiny model).

#include <string>

namespace segllm::text {

struct BpeTrainOptions {
    // Total number of pieces, including <unk> <s> </s> and the 256 byte-fallback pieces.
    int vocab_size = 1000;
    // sentencepiece model type: "bpe" (LLaMA), "unigram", "char" or "word".
    std::string model_type = "bpe";
    // Share of characters covered by single-character pieces (LLaMA: 0.99995); the rest fall
    // back to bytes. 1.0 keeps every character of a small corpus.
    double character_coverage = 1.0;
    // true: the model has exactly vocab_size pieces, and training fails if the corpus cannot
    // fill them; false: vocab_size is an upper bound.
    bool hard_vocab_limit = true;
    // Longest piece in Unicode characters.
    int max_sentencepiece_length = 16;
    // Trainer threads.
    int num_threads = 1;
};

// Trains a model from a UTF-8 text file (one sentence per line) and writes
// <model_prefix>.model and <model_prefix>.vocab. Settings mirror LLaMA's tokenizer: unk=0, <s>=1,
// </s>=2, no pad piece, byte_fallback, split_digits, add_dummy_prefix, remove_extra_whitespaces
// off, identity normalization, whitespace-only pieces allowed, and the lone-space piece "▁"
// always in the vocabulary (required_chars), so that "ASSISTANT: " ends in "▁" as in LLaMA.
// Runs through the sentencepiece shim. Throws segllm::Error naming the text file or the model
// prefix: missing input, a path containing ',' (the trainer splits its input list at commas),
// an option sentencepiece rejects (e.g. vocab_size too large for the corpus), or a written
// model without the "▁" piece.
void train_bpe(const std::string& text_file, const std::string& model_prefix,
               const BpeTrainOptions& options = {});

}  // namespace segllm::text
