#include "core/train/average.h"

#include "core/common/error.h"
#include "core/model/config.h"
#include "core/model/weight_loading.h"
#include "core/weights/checkpoint.h"
#include "core/weights/safetensors_writer.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

namespace segllm::train {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_optional_file(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
        throw Error(path.string() + ": cannot read");
    }
    return bytes;
}

bool same_folder(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

AverageSummary average_model_folders(const std::vector<std::string>& inputs, const std::string& out,
                                     bool overwrite) {
    if (inputs.size() < 2) {
        throw Error("needs at least two model folders, got " + std::to_string(inputs.size()));
    }
    for (const std::string& input : inputs) {
        if (same_folder(input, out)) {
            throw Error(out + ": the output folder is one of the inputs; choose another one");
        }
    }
    const fs::path out_weights = fs::path(out) / "model.safetensors";
    if (!overwrite && fs::exists(out_weights)) {
        throw Error(out_weights.string() + " already exists (pass --force to replace it)");
    }

    // Configs: equal apart from the inference-time encode factor.
    const std::string first_config_path = (fs::path(inputs[0]) / "config.json").string();
    const std::optional<std::string> first_config_text = read_optional_file(first_config_path);
    if (!first_config_text) {
        throw Error(first_config_path + " is missing");
    }
    const model::SegllmConfig first_config =
        model::parse_segllm_config(*first_config_text, first_config_path);
    const std::string first_json = model::segllm_config_to_json(first_config);
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        const std::string path = (fs::path(inputs[i]) / "config.json").string();
        model::SegllmConfig config = model::load_segllm_config(path);
        config.projector.encode_scale = first_config.projector.encode_scale;
        if (model::segllm_config_to_json(config) != first_json) {
            throw Error(path + ": the configuration differs from " + first_config_path +
                        " (only mm_encode_scale may differ): these are not one architecture");
        }
    }

    // Tokenizer files: the same bytes everywhere, or absent everywhere.
    std::vector<std::pair<std::string, std::string>> copies;  // name, bytes
    for (const char* name : {"tokenizer.model", "tokenizer.json"}) {
        const fs::path first_path = fs::path(inputs[0]) / name;
        const std::optional<std::string> first = read_optional_file(first_path);
        for (std::size_t i = 1; i < inputs.size(); ++i) {
            const fs::path path = fs::path(inputs[i]) / name;
            const std::optional<std::string> other = read_optional_file(path);
            if (first.has_value() != other.has_value()) {
                throw Error((first ? path : first_path).string() + " is missing while " +
                            (first ? first_path : path).string() + " exists");
            }
            if (first && *first != *other) {
                throw Error(path.string() + " differs from " + first_path.string() +
                            ": the models do not share one tokenizer");
            }
        }
        if (first) {
            copies.emplace_back(name, *first);
        }
    }

    std::vector<weights::Checkpoint> checkpoints;
    for (const std::string& input : inputs) {
        checkpoints.push_back(weights::Checkpoint::open(input));
    }
    const std::vector<std::string> names = checkpoints[0].names();
    for (std::size_t i = 1; i < checkpoints.size(); ++i) {
        if (checkpoints[i].names() != names) {
            for (const std::string& name : names) {
                if (!checkpoints[i].contains(name)) {
                    throw Error(inputs[i] + ": tensor '" + name + "' of " + inputs[0] +
                                " is missing");
                }
            }
            for (const std::string& name : checkpoints[i].names()) {
                if (!checkpoints[0].contains(name)) {
                    throw Error(inputs[i] + ": tensor '" + name + "' is not in " + inputs[0]);
                }
            }
        }
    }

    AverageSummary summary;
    summary.models = static_cast<int>(inputs.size());
    std::vector<std::pair<std::string, at::Tensor>> averaged;
    averaged.reserve(names.size());
    for (const std::string& name : names) {
        const weights::TensorInfo& base = checkpoints[0].info(name);
        for (std::size_t i = 1; i < checkpoints.size(); ++i) {
            const weights::TensorInfo& info = checkpoints[i].info(name);
            if (info.dtype != base.dtype || info.shape != base.shape) {
                throw Error(
                    inputs[i] + ": tensor '" + name + "' is " + weights::dtype_name(info.dtype) +
                    " " + model::shape_string(info.shape) + ", in " + inputs[0] + " it is " +
                    weights::dtype_name(base.dtype) + " " + model::shape_string(base.shape));
            }
        }
        const at::Tensor first = checkpoints[0].tensor(name);
        if (at::isFloatingType(first.scalar_type())) {
            at::Tensor sum = first.to(at::kDouble);
            for (std::size_t i = 1; i < checkpoints.size(); ++i) {
                sum.add_(checkpoints[i].tensor(name, at::kDouble));
            }
            averaged.emplace_back(
                name, sum.div_(static_cast<double>(checkpoints.size())).to(first.scalar_type()));
            summary.parameters += first.numel();
        } else {
            for (std::size_t i = 1; i < checkpoints.size(); ++i) {
                if (!at::equal(checkpoints[i].tensor(name), first)) {
                    throw Error(inputs[i] + ": tensor '" + name + "' (" +
                                weights::dtype_name(base.dtype) + ") differs from the one in " +
                                inputs[0] + "; integer and bool tensors cannot be averaged");
                }
            }
            averaged.emplace_back(name, first);
        }
        ++summary.tensors;
    }

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) {
        throw Error(out + ": cannot create the folder: " + ec.message());
    }
    // A sharded index's metadata (total_size, ...) describes the shards, not this one file.
    const std::map<std::string, std::string> metadata =
        checkpoints[0].files().size() == 1 ? checkpoints[0].metadata()
                                           : std::map<std::string, std::string>{{"format", "pt"}};
    weights::write_safetensors(out_weights.string(), averaged, metadata);
    copies.emplace_back("config.json", *first_config_text);
    for (const auto& [name, bytes] : copies) {
        const fs::path path = fs::path(out) / name;
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file << bytes;
        file.flush();
        if (!file) {
            throw Error(path.string() + ": cannot write");
        }
    }
    return summary;
}

}  // namespace segllm::train
