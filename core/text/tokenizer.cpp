#include "core/text/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "core/common/error.h"
#include "core/text/spm_library.h"

namespace fs = std::filesystem;

namespace segllm::text {

struct Tokenizer::Impl {
    const SpmLibrary* spm = nullptr;
    segllm_spm* handle = nullptr;  // owned
    std::string model_path;
    int base_vocab = 0;
    int vocab = 0;
    int bos = -1;
    int eos = -1;
    int unk = -1;
    std::unordered_map<std::string, int> special_ids;
    std::unordered_map<int, std::string> special_texts;
    std::optional<SpecialTokenMatcher> matcher;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (spm != nullptr && handle != nullptr)
            spm->free_model(handle);
    }

    std::string piece_of(int id) const {
        std::string out;
        char error[1024] = {0};
        const auto sink = [](void* context, const char* text, size_t size) {
            static_cast<std::string*>(context)->append(text, size);
        };
        if (spm->id_to_piece(handle, id, sink, &out, error, sizeof error) != SEGLLM_SPM_OK) {
            throw Error("tokenizer " + model_path + ": cannot read piece " + std::to_string(id) +
                        ": " + error);
        }
        return out;
    }

    void check_id(int id) const {
        if (id < 0 || id >= vocab || (id >= base_vocab && special_texts.count(id) == 0)) {
            throw Error("tokenizer " + model_path + ": id " + std::to_string(id) +
                        " is not a token (vocabulary size " + std::to_string(vocab) + ")");
        }
    }
};

namespace {

// (content, id) of every entry of "added_tokens" in a tokenizer.json.
std::vector<std::pair<std::string, int>> read_added_tokens(const std::string& json_path) {
    std::ifstream in(json_path, std::ios::binary);
    if (!in)
        throw Error("cannot open " + json_path);
    nlohmann::json doc;
    try {
        in >> doc;
    } catch (const nlohmann::json::exception& e) {
        throw Error(json_path + " is not valid JSON: " + e.what());
    }
    std::vector<std::pair<std::string, int>> out;
    if (!doc.is_object() || !doc.contains("added_tokens"))
        return out;
    const auto& list = doc["added_tokens"];
    if (!list.is_array())
        throw Error(json_path + ": \"added_tokens\" is not an array");
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& entry = list[i];
        const std::string where = json_path + ": added_tokens[" + std::to_string(i) + "]";
        if (!entry.is_object() || !entry.contains("id") || !entry.contains("content") ||
            !entry["id"].is_number_integer() || !entry["content"].is_string()) {
            throw Error(where + " needs an integer \"id\" and a string \"content\"");
        }
        const auto id = entry["id"].get<long long>();
        const auto content = entry["content"].get<std::string>();
        if (id < 0 || id > 100000000) {
            throw Error(where + " has an invalid id " + std::to_string(id));
        }
        if (content.empty())
            throw Error(where + " has an empty \"content\"");
        out.emplace_back(content, static_cast<int>(id));
    }
    return out;
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::load(const std::string& dir_or_file) {
    const SpmLibrary& library = SpmLibrary::instance();  // first: fails clearly without the shim
    std::error_code ec;
    std::string model_path = dir_or_file;
    std::string json_path;
    if (fs::is_directory(dir_or_file, ec)) {
        model_path = (fs::path(dir_or_file) / "tokenizer.model").string();
        const std::string json = (fs::path(dir_or_file) / "tokenizer.json").string();
        if (fs::is_regular_file(json, ec))
            json_path = json;
    }
    if (!fs::is_regular_file(model_path, ec)) {
        throw Error("tokenizer model " + model_path + " does not exist");
    }

    auto impl = std::make_shared<Impl>();
    impl->spm = &library;
    impl->model_path = model_path;
    char error[2048] = {0};
    if (impl->spm->load_model(model_path.c_str(), &impl->handle, error, sizeof error) !=
        SEGLLM_SPM_OK) {
        impl->handle = nullptr;
        throw Error("cannot read the tokenizer model " + model_path +
                    " (not a sentencepiece model, or damaged): " + error);
    }
    const auto& spm = *impl->spm;
    impl->base_vocab = spm.piece_size(impl->handle);
    impl->bos = spm.bos_id(impl->handle);
    impl->eos = spm.eos_id(impl->handle);
    impl->unk = spm.unk_id(impl->handle);

    // Collect the special tokens: reserved pieces, tokenizer.json's added tokens, then SegLLM's.
    std::vector<std::pair<std::string, int>> specials;
    for (const int id : {impl->unk, impl->bos, impl->eos}) {
        if (id >= 0 && id < impl->base_vocab)
            specials.emplace_back(impl->piece_of(id), id);
    }
    std::unordered_map<std::string, int> from_json;
    if (!json_path.empty()) {
        for (const auto& [content, id] : read_added_tokens(json_path)) {
            if (id < impl->base_vocab && impl->piece_of(id) != content) {
                throw Error(json_path + ": added token '" + content + "' has id " +
                            std::to_string(id) + ", which is the piece '" + impl->piece_of(id) +
                            "' of " + model_path);
            }
            const auto known = from_json.find(content);
            if (known != from_json.end() && known->second != id) {
                throw Error(json_path + ": added token '" + content + "' has two ids, " +
                            std::to_string(known->second) + " and " + std::to_string(id));
            }
            from_json[content] = id;
            specials.emplace_back(content, id);
        }
    }
    const auto& added = added_tokens();
    for (size_t i = 0; i < added.size(); ++i) {
        const auto found = from_json.find(added[i]);
        const int id =
            found != from_json.end() ? found->second : impl->base_vocab + static_cast<int>(i);
        specials.emplace_back(added[i], id);
    }

    const std::string source = json_path.empty() ? model_path : json_path;
    int max_id = impl->base_vocab - 1;
    for (const auto& [content, id] : specials) {
        const auto by_id = impl->special_texts.find(id);
        if (by_id != impl->special_texts.end() && by_id->second != content) {
            throw Error(source + ": special tokens '" + by_id->second + "' and '" + content +
                        "' share the id " + std::to_string(id));
        }
        const auto by_text = impl->special_ids.find(content);
        if (by_text != impl->special_ids.end() && by_text->second != id) {
            throw Error(source + ": special token '" + content + "' has two ids, " +
                        std::to_string(by_text->second) + " and " + std::to_string(id));
        }
        impl->special_texts[id] = content;
        impl->special_ids[content] = id;
        max_id = std::max(max_id, id);
    }
    impl->vocab = max_id + 1;
    impl->matcher.emplace(specials);
    return Tokenizer(std::move(impl));
}

int Tokenizer::vocab_size() const {
    return impl_->vocab;
}
int Tokenizer::base_vocab_size() const {
    return impl_->base_vocab;
}
int Tokenizer::bos_id() const {
    return impl_->bos;
}
int Tokenizer::eos_id() const {
    return impl_->eos;
}
int Tokenizer::unk_id() const {
    return impl_->unk;
}
int Tokenizer::pad_id() const {
    return impl_->unk;
}
const std::string& Tokenizer::model_path() const {
    return impl_->model_path;
}

int Tokenizer::token_id(const std::string& special) const {
    const auto found = impl_->special_ids.find(special);
    if (found == impl_->special_ids.end()) {
        throw Error("tokenizer " + impl_->model_path + ": '" + special +
                    "' is not a special token");
    }
    return found->second;
}

int Tokenizer::seg_id() const {
    return token_id("<seg>");
}
int Tokenizer::video_id() const {
    return token_id("<video>");
}

bool Tokenizer::is_special(int id) const {
    return impl_->special_texts.count(id) != 0;
}

std::vector<int> Tokenizer::encode(const std::string& text, bool add_bos) const {
    const Impl& m = *impl_;
    std::vector<int> ids;
    if (add_bos) {
        if (m.bos < 0)
            throw Error("tokenizer " + m.model_path + " has no <s> (bos) piece");
        ids.push_back(m.bos);
    }
    const auto sink = [](void* context, const int* data, size_t count) {
        auto* out = static_cast<std::vector<int>*>(context);
        out->insert(out->end(), data, data + count);
    };
    char error[1024] = {0};
    for (const TextSegment& segment : m.matcher->split(text)) {
        if (segment.special_id >= 0) {
            ids.push_back(segment.special_id);
            continue;
        }
        if (m.spm->encode(m.handle, segment.text.data(), segment.text.size(), sink, &ids, error,
                          sizeof error) != SEGLLM_SPM_OK) {
            throw Error("tokenizer " + m.model_path + ": cannot encode text: " + error);
        }
    }
    return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids, bool skip_special) const {
    const Impl& m = *impl_;
    std::string out;
    const auto sink = [](void* context, const char* text, size_t size) {
        static_cast<std::string*>(context)->append(text, size);
    };
    char error[1024] = {0};
    size_t run_start = 0;
    auto flush = [&](size_t end) {
        if (end > run_start && m.spm->decode(m.handle, ids.data() + run_start, end - run_start,
                                             sink, &out, error, sizeof error) != SEGLLM_SPM_OK) {
            throw Error("tokenizer " + m.model_path + ": cannot decode ids: " + error);
        }
    };
    for (size_t i = 0; i < ids.size(); ++i) {
        m.check_id(ids[i]);
        const auto special = m.special_texts.find(ids[i]);
        if (special == m.special_texts.end())
            continue;
        flush(i);
        if (!skip_special)
            out += special->second;
        run_start = i + 1;
    }
    flush(ids.size());
    return out;
}

std::string Tokenizer::id_to_piece(int id) const {
    impl_->check_id(id);
    const auto special = impl_->special_texts.find(id);
    if (special != impl_->special_texts.end())
        return special->second;
    return impl_->piece_of(id);
}

}  // namespace segllm::text
