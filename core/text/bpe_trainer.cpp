#include "core/text/bpe_trainer.h"

#include <filesystem>
#include <locale>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/text/spm_library.h"

namespace segllm::text {

namespace {

// The lone-space piece U+2581 ("▁") that sentencepiece writes for a space.
const char* const kSpacePiece = "\xe2\x96\x81";

std::string to_flag(double value) {
    std::ostringstream s;
    s.imbue(std::locale::classic());
    s.precision(17);
    s << value;
    return s.str();
}

}  // namespace

void train_bpe(const std::string& text_file, const std::string& model_prefix,
               const BpeTrainOptions& options) {
    const std::string where =
        "training a sentencepiece model from " + text_file + " into " + model_prefix + ".model: ";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(text_file, ec)) {
        throw Error(where + "the text file " + text_file + " does not exist");
    }
    if (text_file.find(',') != std::string::npos) {
        throw Error(where + "the path " + text_file +
                    " contains ',' which sentencepiece reads as a list separator");
    }
    if (model_prefix.empty())
        throw Error(where + "empty model prefix");
    if (options.vocab_size <= 0) {
        throw Error(where + "vocab_size must be positive, got " +
                    std::to_string(options.vocab_size));
    }

    const SpmLibrary& spm = SpmLibrary::instance();
    const std::vector<std::pair<std::string, std::string>> flags = {
        {"input", text_file},
        {"model_prefix", model_prefix},
        {"model_type", options.model_type},
        {"vocab_size", std::to_string(options.vocab_size)},
        {"character_coverage", to_flag(options.character_coverage)},
        {"hard_vocab_limit", options.hard_vocab_limit ? "true" : "false"},
        {"max_sentencepiece_length", std::to_string(options.max_sentencepiece_length)},
        {"num_threads", std::to_string(options.num_threads)},
        {"unk_id", "0"},
        {"bos_id", "1"},
        {"eos_id", "2"},
        {"pad_id", "-1"},
        {"byte_fallback", "true"},
        {"split_digits", "true"},
        {"add_dummy_prefix", "true"},
        {"remove_extra_whitespaces", "false"},
        {"normalization_rule_name", "identity"},
        {"allow_whitespace_only_pieces", "true"},
        {"required_chars", kSpacePiece},
        {"minloglevel", "1"},
    };
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [key, value] : flags) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    char error[2048] = {0};
    if (spm.train(keys.data(), values.data(), keys.size(), error, sizeof error) != SEGLLM_SPM_OK) {
        throw Error(where + error);
    }

    // Check the written model has the lone-space piece.
    const std::string model_file = model_prefix + ".model";
    segllm_spm* handle = nullptr;
    if (spm.load_model(model_file.c_str(), &handle, error, sizeof error) != SEGLLM_SPM_OK) {
        throw Error(where + "cannot read the written model " + model_file + ": " + error);
    }
    const int space_id = spm.piece_to_id(handle, kSpacePiece, 3);
    const int unk_id = spm.unk_id(handle);
    spm.free_model(handle);
    if (space_id < 0 || space_id == unk_id) {
        throw Error(where + "the written model " + model_file + " has no lone-space piece");
    }
}

}  // namespace segllm::text
