#include "core/train/world_tokenizer.h"

#include "core/common/error.h"
#include "core/synth/world_text.h"
#include "core/text/bpe_trainer.h"
#include "core/text/conversation.h"

#include <filesystem>
#include <fstream>

namespace segllm::train {

std::string train_world_tokenizer(const std::string& dir, const WorldTokenizerOptions& options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    const std::string corpus = (fs::path(dir) / "tokenizer_corpus.txt").string();
    {
        std::ofstream out(corpus, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw Error("cannot write the tokenizer corpus " + corpus);
        }
        // The template text is part of every sample: weight it like the prompts.
        for (int i = 0; i < 50; ++i) {
            out << text::vicuna_system_prompt() << " USER:\n";
            out << " ASSISTANT:\n";
        }
        for (const std::string& s : synth::world_sentences(options.seed, options.sentences)) {
            out << s << "\n";
        }
        if (!out) {
            throw Error("cannot write the tokenizer corpus " + corpus);
        }
    }
    text::BpeTrainOptions bpe;
    bpe.vocab_size = options.vocab_size;
    const std::string prefix = (fs::path(dir) / "tokenizer").string();
    text::train_bpe(corpus, prefix, bpe);
    fs::remove(corpus, ec);
    fs::remove(prefix + ".vocab", ec);
    return prefix + ".model";
}

}  // namespace segllm::train
