#include "core/weights/checkpoint.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace segllm::weights {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Largest index file accepted (real ones are well under a megabyte).
constexpr std::uintmax_t kMaxIndexBytes = 100'000'000;
constexpr std::size_t kMaxJsonDepth = 64;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw Error("checkpoint '" + path + "': " + what);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool is_pickle(const fs::path& file) {
    static const std::set<std::string> kPickleExtensions = {".bin", ".pth", ".pt", ".ckpt", ".pkl"};
    return kPickleExtensions.count(lower(file.extension().string())) != 0;
}

[[noreturn]] void refuse_pickles(const std::string& path, const std::vector<std::string>& pickles) {
    std::string list;
    for (const std::string& p : pickles) {
        list += (list.empty() ? "'" : ", '") + p + "'";
    }
    fail(path, "only PyTorch pickle weights found (" + list +
                   "); SegLLM Studio loads only safetensors, because loading a pickle file can "
                   "run arbitrary code. Convert the weights to .safetensors on a trusted machine "
                   "(for example with safetensors.torch.save_file) and open that instead");
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) {
        out += (out.empty() ? "'" : ", '") + n + "'";
    }
    return out;
}

// Parses an index file, refusing duplicate keys and absurd nesting.
Json parse_index(const std::string& path) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) {
        fail(path, "cannot read the index: " + ec.message());
    }
    if (size > kMaxIndexBytes) {
        fail(path, "the index has " + std::to_string(size) + " bytes, more than the limit of " +
                       std::to_string(kMaxIndexBytes));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(path, "cannot open the index for reading");
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    std::vector<std::set<std::string>> keys;
    std::size_t depth = 0;
    auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) -> bool {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                if (++depth > kMaxJsonDepth) {
                    fail(path, "the index JSON is nested too deeply");
                }
                if (event == Json::parse_event_t::object_start) {
                    keys.emplace_back();
                }
                break;
            case Json::parse_event_t::object_end:
                keys.pop_back();
                --depth;
                break;
            case Json::parse_event_t::array_end:
                --depth;
                break;
            case Json::parse_event_t::key: {
                const std::string& key = parsed.get_ref<const std::string&>();
                if (!keys.back().insert(key).second) {
                    fail(path, "key '" + key + "' appears more than once in the index");
                }
                break;
            }
            case Json::parse_event_t::value:
                break;
        }
        return true;
    };
    try {
        return Json::parse(text, callback);
    } catch (const Json::exception& e) {
        fail(path, std::string("the index is not valid JSON: ") + e.what());
    }
}

// A shard name must stay inside the index's folder.
void check_shard_name(const std::string& index, const std::string& tensor,
                      const std::string& shard) {
    const fs::path p(shard);
    bool bad = shard.empty() || p.is_absolute();
    for (const fs::path& part : p) {
        bad = bad || part == "..";
    }
    if (bad) {
        fail(index, "tensor '" + tensor + "' names shard '" + shard +
                        "', which is not a file name inside the index's folder");
    }
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& path) {
    Checkpoint checkpoint;
    checkpoint.path_ = path;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        fail(path, "no such file or folder");
    }
    if (fs::is_directory(status)) {
        const fs::path dir(path);
        if (fs::is_regular_file(dir / "model.safetensors")) {
            checkpoint.add_single_file((dir / "model.safetensors").string());
            return checkpoint;
        }
        if (fs::is_regular_file(dir / "model.safetensors.index.json")) {
            checkpoint.add_index((dir / "model.safetensors.index.json").string());
            return checkpoint;
        }
        std::vector<std::string> safetensors;
        std::vector<std::string> pickles;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
            if (!entry.is_regular_file()) {
                continue;
            }
            const fs::path& file = entry.path();
            if (lower(file.extension().string()) == ".safetensors") {
                safetensors.push_back(file.filename().string());
            } else if (is_pickle(file)) {
                pickles.push_back(file.filename().string());
            }
        }
        std::sort(safetensors.begin(), safetensors.end());
        std::sort(pickles.begin(), pickles.end());
        if (safetensors.size() == 1) {
            checkpoint.add_single_file((dir / safetensors.front()).string());
            return checkpoint;
        }
        if (safetensors.size() > 1) {
            fail(path, "the folder holds several .safetensors files (" + join_names(safetensors) +
                           ") but no model.safetensors.index.json saying which tensor is where");
        }
        if (!pickles.empty()) {
            refuse_pickles(path, pickles);
        }
        fail(path,
             "the folder holds no model.safetensors, model.safetensors.index.json or other "
             ".safetensors file");
    }
    if (is_pickle(path)) {
        refuse_pickles(path, {fs::path(path).filename().string()});
    }
    if (lower(fs::path(path).extension().string()) == ".json") {
        checkpoint.add_index(path);
    } else {
        checkpoint.add_single_file(path);
    }
    return checkpoint;
}

void Checkpoint::add_single_file(const std::string& file) {
    shards_.push_back(SafetensorsFile::open(file));
    files_.push_back(file);
    for (const TensorInfo& t : shards_.back().tensors()) {
        shard_of_.emplace(t.name, 0);
    }
    metadata_ = shards_.back().metadata();
}

void Checkpoint::add_index(const std::string& index_file) {
    const Json root = parse_index(index_file);
    if (!root.is_object()) {
        fail(index_file, "the index is not a JSON object");
    }
    auto map_it = root.find("weight_map");
    if (map_it == root.end() || !map_it->is_object()) {
        fail(index_file, "the index has no \"weight_map\" object");
    }
    if (map_it->empty()) {
        fail(index_file, "the index's \"weight_map\" lists no tensors");
    }
    auto meta_it = root.find("metadata");
    if (meta_it != root.end()) {
        if (!meta_it->is_object()) {
            fail(index_file, "the index's \"metadata\" is not an object");
        }
        for (const auto& [key, value] : meta_it->items()) {
            metadata_[key] = value.is_string() ? value.get<std::string>() : value.dump();
        }
    }

    const fs::path dir = fs::path(index_file).parent_path();
    std::map<std::string, std::size_t> shard_index;  // shard name -> index into shards_
    for (const auto& [name, shard_value] : map_it->items()) {
        if (!shard_value.is_string()) {
            fail(index_file, "tensor '" + name + "' is mapped to a non-string shard name");
        }
        const std::string shard = shard_value.get<std::string>();
        check_shard_name(index_file, name, shard);
        if (is_pickle(shard)) {
            refuse_pickles(index_file, {shard});
        }
        auto it = shard_index.find(shard);
        if (it == shard_index.end()) {
            const std::string shard_path = (dir / shard).string();
            if (!fs::is_regular_file(shard_path)) {
                fail(index_file, "shard '" + shard + "' (holding tensor '" + name +
                                     "') is missing: no file '" + shard_path + "'");
            }
            shards_.push_back(SafetensorsFile::open(shard_path));
            files_.push_back(shard_path);
            it = shard_index.emplace(shard, shards_.size() - 1).first;
        }
        if (!shards_[it->second].contains(name)) {
            fail(index_file, "tensor '" + name + "' is listed in shard '" + shard +
                                 "', but that file does not hold it");
        }
        shard_of_.emplace(name, it->second);
    }
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        for (const TensorInfo& t : shards_[i].tensors()) {
            auto listed = shard_of_.find(t.name);
            if (listed == shard_of_.end() || listed->second != i) {
                fail(index_file, "shard '" + files_[i] + "' holds tensor '" + t.name +
                                     "', which the index does not list for that shard");
            }
        }
    }
}

std::vector<std::string> Checkpoint::names() const {
    std::vector<std::string> out;
    out.reserve(shard_of_.size());
    for (const auto& entry : shard_of_) {
        out.push_back(entry.first);
    }
    return out;
}

bool Checkpoint::contains(const std::string& name) const {
    return shard_of_.count(name) != 0;
}

const TensorInfo& Checkpoint::info(const std::string& name) const {
    auto it = shard_of_.find(name);
    if (it == shard_of_.end()) {
        fail(path_, "no tensor '" + name + "'");
    }
    return shards_[it->second].info(name);
}

at::Tensor Checkpoint::tensor(const std::string& name, std::optional<at::ScalarType> dtype,
                              const at::Device& device) const {
    auto it = shard_of_.find(name);
    if (it == shard_of_.end()) {
        fail(path_, "no tensor '" + name + "'");
    }
    return shards_[it->second].tensor(name, dtype, device);
}

const std::vector<std::string>& Checkpoint::files() const {
    return files_;
}

const std::string& Checkpoint::path() const {
    return path_;
}

const std::map<std::string, std::string>& Checkpoint::metadata() const {
    return metadata_;
}

}  // namespace segllm::weights
