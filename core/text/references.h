#pragma once
// "[k]" references to earlier instances in a user's prompt (synthetic-world.md, "Words";
// segllm-reference.md 2.4): found, listed and rendered as "instance k" for the model.
// Pure functions, no tokenizer.

#include <cstddef>
#include <string>
#include <vector>

namespace segllm::text {

// One "[digits]" in a prompt: byte offset and length of the whole mark, and its number.
// Numbers of more than 9 digits give kReferenceTooLarge (never a valid instance id).
struct ReferenceMark {
    std::size_t offset = 0;
    std::size_t length = 0;
    int id = 0;
};
constexpr int kReferenceTooLarge = 1'000'000'000;

// Every "[digits]" of `text`, left to right ("[0]" included: callers reject it). Brackets
// holding anything else ("[a]", "[]", "[1 ]") are plain text.
std::vector<ReferenceMark> find_reference_marks(const std::string& text);

// The ids of find_reference_marks in order of first appearance, each once.
std::vector<int> reference_ids(const std::string& text);

// `text` with every mark replaced by "instance <id>" ("[02]" -> "instance 2").
std::string render_references(const std::string& text);

// The references of a round: the ids named in the text first (in order), then the explicitly
// given ids (e.g. from clicks) that the text does not name, in their order; no repeats.
std::vector<int> merge_references(const std::vector<int>& from_text,
                                  const std::vector<int>& explicit_ids);

}  // namespace segllm::text
