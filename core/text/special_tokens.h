#pragma once
// Special tokens of the SegLLM vocabulary and the splitting of text at them.

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segllm::text {

// The 11 tokens SegLLM adds after the base vocabulary, in this order (segllm-reference.md 2.1):
// <im_gen_start> <im_gen> <mask_gen> <audio_gen> <audio_gen_start> <audio> <video> <base>
// <base_null> <seg> <seg_input>. Without a tokenizer.json their ids are base_vocab_size + index.
const std::vector<std::string>& added_tokens();

// A piece of text between special tokens (special_id == -1), or one special token (its id).
struct TextSegment {
    std::string_view text;
    int special_id = -1;
    bool operator==(const TextSegment& o) const {
        return text == o.text && special_id == o.special_id;
    }
};

// Finds special tokens in text the way Hugging Face's added-token splitting does: scanning
// from the left, the first position where a token starts wins, and among tokens starting
// there the longest. Immutable after construction; safe to use from several threads.
class SpecialTokenMatcher {
public:
    // tokens: (text, id) pairs. Throws segllm::Error for an empty token text or a text given
    // twice with different ids (the same pair twice is allowed).
    explicit SpecialTokenMatcher(std::vector<std::pair<std::string, int>> tokens);

    // Splits text into segments in order; plain segments are never empty and their views point
    // into text. Concatenating the segments' texts gives text back.
    std::vector<TextSegment> split(std::string_view text) const;

private:
    // Tokens sorted by length (longest first), bucketed by their first byte.
    std::array<std::vector<std::pair<std::string, int>>, 256> by_first_byte_;
};

}  // namespace segllm::text
