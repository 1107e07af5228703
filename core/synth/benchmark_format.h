#pragma once
// The benchmark folder format of synthetic-world.md ("Benchmark format"): one JSON file per
// conversation beside its image and mask PNGs. This part needs no image codec: it names the
// files, writes and parses the JSON, and draws the conversation of each benchmark entry.

#include "core/synth/conversation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace segllm::synth {

// What `segllm gen-bench` draws.
struct BenchmarkOptions {
    int count = 0;
    std::uint64_t seed = 0;
    SceneOptions size;        // used unless mixed_size
    bool mixed_size = false;  // width and height drawn in 96..512 per scene
    ConversationOptions rounds;
};

// "scene_0007" for index 7 (at least four digits).
std::string benchmark_stem(int index);

// Conversation `index` of a benchmark: depends only on (seed, index, sizes, rounds), not on
// count, so a larger benchmark starts with the same conversations.
Conversation benchmark_conversation(const BenchmarkOptions& options, int index);

// The JSON text of a conversation whose files are <stem>.png and <stem>_r<k>.png, laid out as
// in the spec (two-space indent, one line per round, trailing newline).
std::string conversation_json(const std::string& stem, const std::vector<Round>& rounds);

// One round as read back. mask_path is empty when the round has no "mask"; type is empty when
// the round has no "type".
struct BenchmarkRound {
    std::string prompt;
    std::string mask_path;
    std::optional<RelationType> type;
    std::vector<int> references;  // the k of every [k] in the prompt, in order
};

struct BenchmarkEntry {
    std::string json_path;
    std::string image_path;
    std::vector<BenchmarkRound> rounds;
};

// The k of every "[k]" in a prompt, in order of appearance.
std::vector<int> prompt_references(const std::string& prompt);

// Parses one conversation's JSON text; relative paths are resolved against the directory of
// json_path. Throws segllm::Error naming json_path for invalid JSON, a missing or non-string
// "image" or "prompt", no rounds, an unknown type, or a [k] that does not name an earlier round.
BenchmarkEntry parse_conversation_json(const std::string& text, const std::string& json_path);

// Reads every *.json of a folder (sorted by name), or a single .json file. Throws segllm::Error
// naming the file when it cannot be read or parsed, or when the image or a mask it names does
// not exist, and naming the folder when it holds no JSON file.
std::vector<BenchmarkEntry> read_benchmark(const std::string& path);

}  // namespace segllm::synth
