#pragma once
// Text of the shapes world for training a tokenizer: prompts as the model reads them.

#include <cstdint>
#include <string>
#include <vector>

namespace segllm::synth {

// Replaces every "[k]" (k = 1..99) by "instance k", as the prompt shown to the model does.
std::string render_references(const std::string& prompt);

// A fixed list of prompts that together use every word of the world: every wrapper in both
// cases, every colour, shape, size adjective, extreme, generic noun and relation, and
// "instance 1" .. "instance 8". References are rendered as "instance k".
std::vector<std::string> world_coverage_sentences();

// world_coverage_sentences() followed by the prompts of generated conversations (128x128
// scenes, 1..8 rounds) until n more sentences were added. Same seed, same sentences.
std::vector<std::string> world_sentences(std::uint64_t seed, int n);

}  // namespace segllm::synth
