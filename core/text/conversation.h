#pragma once
// The conversation template of SegLLM (segllm-reference.md 2.3): LLaVA's conv_vicuna_v1 with
// the forced answer "<seg></s>". Round 1:
//   "<s>" SYSTEM " USER: " N x "<video>" " " TEXT " ASSISTANT: <seg></s>"
// later rounds (M = mask-encode, B = box-encode placeholder, one pair per referenced instance,
// no space before the text):
//   "USER: " (M B) x references TEXT " ASSISTANT: <seg></s>"
// TEXT is the user's prompt with "[k]" rendered as "instance k" (references.h). Each round is
// tokenized on its own; because special tokens split the text into separately encoded pieces,
// the concatenated rounds equal the tokenization of the whole conversation text.

#include "core/text/tokenizer.h"

#include <string>
#include <vector>

namespace segllm::text {

// The Vicuna v1.1 / LLaVA conv_vicuna_v1 system prompt.
const std::string& vicuna_system_prompt();

// What one round contains.
struct RoundTemplate {
    bool first = false;       // opens the conversation: "<s>", system prompt and the image rows
    int image_rows = 0;       // number of image <video> placeholders (first round only)
    int reference_count = 0;  // referenced instances: two <video> (M, B) each (later rounds)
    std::string text;         // the user's text, references already rendered
    std::string system = vicuna_system_prompt();  // first round only
};

// The round's text with the special tokens written out, as in the layout above. Throws
// segllm::Error for a first round with references or without image rows, or negative counts.
std::string round_text(const RoundTemplate& round);

// The whole conversation: the rounds' texts concatenated (the first must be `first`, no later
// one may be). Throws segllm::Error as round_text does, and for an empty list.
std::string conversation_text(const std::vector<RoundTemplate>& rounds);

// One tokenized round. Positions index `ids`.
struct RoundTokens {
    std::vector<int> ids;
    std::vector<int> image_positions;      // the image's <video> (first round only)
    std::vector<int> reference_positions;  // M1 B1 M2 B2 ...: 2 per reference, in order
    int seg_position = -1;                 // the <seg>; its hidden state is taken at - 1
};

// Tokenizes round_text(round) (no extra BOS: the first round's "<s>" is the BOS token).
// Throws segllm::Error when the user's text contains a special token ("<video>", "<seg>",
// "</s>", ...: it would shift the placeholders; the message names it), or as round_text does.
RoundTokens tokenize_round(const Tokenizer& tokenizer, const RoundTemplate& round);

}  // namespace segllm::text
