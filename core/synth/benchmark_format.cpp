#include "core/synth/benchmark_format.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace segllm::synth {

namespace fs = std::filesystem;

std::string benchmark_stem(int index) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "scene_%04d", index);
    return buffer;
}

Conversation benchmark_conversation(const BenchmarkOptions& options, int index) {
    Rng rng(mix_seed(options.seed, static_cast<std::uint64_t>(index)));
    SceneOptions size = options.size;
    if (options.mixed_size) {
        size.width = rng.uniform_int(kMinImageSide, kMaxImageSide);
        size.height = rng.uniform_int(kMinImageSide, kMaxImageSide);
    }
    return generate_conversation(rng.next(), size, options.rounds);
}

std::string conversation_json(const std::string& stem, const std::vector<Round>& rounds) {
    auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(); };
    std::ostringstream out;
    out << "{\n  \"image\": " << quoted(stem + ".png") << ",\n  \"rounds\": [\n";
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        out << "    {\"prompt\": " << quoted(rounds[i].prompt)
            << ", \"mask\": " << quoted(stem + "_r" + std::to_string(i + 1) + ".png")
            << ", \"type\": " << quoted(relation_type_name(rounds[i].type)) << "}"
            << (i + 1 < rounds.size() ? "," : "") << "\n";
    }
    out << "  ]\n}\n";
    return out.str();
}

std::vector<int> prompt_references(const std::string& prompt) {
    std::vector<int> refs;
    for (std::size_t i = 0; i < prompt.size(); ++i) {
        if (prompt[i] != '[') {
            continue;
        }
        std::size_t j = i + 1;
        while (j < prompt.size() && std::isdigit(static_cast<unsigned char>(prompt[j]))) {
            ++j;
        }
        if (j > i + 1 && j - i - 1 <= 6 && j < prompt.size() && prompt[j] == ']') {
            refs.push_back(std::stoi(prompt.substr(i + 1, j - i - 1)));
            i = j;
        }
    }
    return refs;
}

namespace {

std::string string_field(const nlohmann::json& object, const char* key, const std::string& where,
                         bool required) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (required) {
            throw Error(where + ": missing \"" + key + "\"");
        }
        return {};
    }
    if (!it->is_string()) {
        throw Error(where + ": \"" + key + "\" is not a string");
    }
    return it->get<std::string>();
}

std::string resolve(const fs::path& base, const std::string& path) {
    const fs::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(path + ": cannot open for reading");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw Error(path + ": read failed");
    }
    return text.str();
}

}  // namespace

BenchmarkEntry parse_conversation_json(const std::string& text, const std::string& json_path) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(json_path + ": invalid JSON: " + e.what());
    }
    if (!doc.is_object()) {
        throw Error(json_path + ": the top level is not a JSON object");
    }
    const fs::path base = fs::path(json_path).parent_path();
    BenchmarkEntry entry;
    entry.json_path = json_path;
    entry.image_path = resolve(base, string_field(doc, "image", json_path, true));
    const auto rounds = doc.find("rounds");
    if (rounds == doc.end() || !rounds->is_array() || rounds->empty()) {
        throw Error(json_path + ": \"rounds\" must be a non-empty array");
    }
    for (std::size_t i = 0; i < rounds->size(); ++i) {
        const nlohmann::json& r = (*rounds)[i];
        const std::string where = json_path + ": round " + std::to_string(i + 1);
        if (!r.is_object()) {
            throw Error(where + " is not a JSON object");
        }
        BenchmarkRound round;
        round.prompt = string_field(r, "prompt", where, true);
        const std::string mask = string_field(r, "mask", where, false);
        if (!mask.empty()) {
            round.mask_path = resolve(base, mask);
        }
        const std::string type = string_field(r, "type", where, false);
        if (!type.empty()) {
            round.type = parse_relation_type(type);
            if (!round.type) {
                throw Error(where + ": unknown type \"" + type +
                            "\" (expected absolute, positional, hierarchical, interactional or "
                            "attribute)");
            }
        }
        round.references = prompt_references(round.prompt);
        for (int k : round.references) {
            if (k < 1 || k > static_cast<int>(i)) {
                throw Error(where + ": reference [" + std::to_string(k) +
                            "] does not name an earlier round");
            }
        }
        entry.rounds.push_back(std::move(round));
    }
    return entry;
}

std::vector<BenchmarkEntry> read_benchmark(const std::string& path) {
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        files.push_back(path);
    } else if (fs::is_directory(path, ec)) {
        for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
            if (e.is_regular_file() && e.path().extension() == ".json") {
                files.push_back(e.path().string());
            }
        }
        if (ec) {
            throw Error(path + ": cannot list the folder: " + ec.message());
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) {
            throw Error(path + ": no conversation (.json) files in the folder");
        }
    } else {
        throw Error(path + ": no such file or folder");
    }
    std::vector<BenchmarkEntry> entries;
    for (const std::string& file : files) {
        BenchmarkEntry entry = parse_conversation_json(read_text(file), file);
        if (!fs::is_regular_file(entry.image_path, ec)) {
            throw Error(file + ": image " + entry.image_path + " does not exist");
        }
        for (std::size_t i = 0; i < entry.rounds.size(); ++i) {
            const std::string& mask = entry.rounds[i].mask_path;
            if (!mask.empty() && !fs::is_regular_file(mask, ec)) {
                throw Error(file + ": round " + std::to_string(i + 1) + ": mask " + mask +
                            " does not exist");
            }
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace segllm::synth
