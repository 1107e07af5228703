#pragma once
// The SegLLM tokenizer: LLaMA's sentencepiece model plus the 11 added special tokens, encoding
// like the Hugging Face LLaMA "legacy" fast tokenizer that SegLLM was trained with.
// sentencepiece itself runs behind the shim of spm_library.h (never linked into this library).

#include <memory>
#include <string>
#include <vector>

#include "core/text/bpe_trainer.h"  // train_bpe, BpeTrainOptions (convenience)
#include "core/text/special_tokens.h"

namespace segllm::text {

// Immutable after load; copies share the model. Safe for concurrent encode/decode.
class Tokenizer {
public:
    // Loads dir_or_file: a tokenizer.model file, or a folder with tokenizer.model and optionally
    // tokenizer.json, whose "added_tokens" give the ids of the special tokens (a token of
    // added_tokens() missing there gets base_vocab_size + its index; given a file, no
    // tokenizer.json is read). Every entry of "added_tokens" is matched as a special token.
    // Throws segllm::Error: in a build with SEGLLM_WITH_TOKENIZER=OFF or when the sentencepiece
    // shim cannot be loaded; naming the file for a missing tokenizer.model, a file sentencepiece
    // cannot read (corrupt), malformed JSON, or an added token whose id clashes with another.
    static Tokenizer load(const std::string& dir_or_file);

    // Number of ids: the largest id + 1 (base + 11 added for LLaMA: 32011).
    int vocab_size() const;
    // Number of pieces of the sentencepiece model (32000 for LLaMA).
    int base_vocab_size() const;
    // Reserved ids of the model (LLaMA: bos 1, eos 2, unk 0); -1 where the model has none.
    int bos_id() const;
    int eos_id() const;
    int unk_id() const;
    // Padding id := unk_id() (LLaMA has no pad piece; SegLLM pads with unk).
    int pad_id() const;
    // Id of a special token ("<seg>", "</s>", ...). Throws segllm::Error for any other text.
    int token_id(const std::string& special) const;
    int seg_id() const;
    int video_id() const;
    // The file the model was read from.
    const std::string& model_path() const;

    // Special tokens (the 11 added ones, <unk>, <s>, </s> and any other added token of
    // tokenizer.json) are matched in the text first; each piece of text between them is encoded
    // by sentencepiece separately, so its dummy-prefix "▁" applies to each piece. add_bos
    // prepends bos_id() (throws segllm::Error if the model has none).
    std::vector<int> encode(const std::string& text, bool add_bos = false) const;

    // Inverse of encode: special tokens give their text, each run of other ids is decoded by
    // sentencepiece (so decode(encode(t)) == t). skip_special drops the special tokens instead.
    // Throws segllm::Error for an id outside [0, vocab_size()) or one that is neither a piece
    // nor a special token.
    std::string decode(const std::vector<int>& ids, bool skip_special = false) const;

    // The piece text of id ("▁the", "<0x0A>", "<seg>"). Throws segllm::Error as decode does.
    std::string id_to_piece(int id) const;

    // True for the ids of special tokens.
    bool is_special(int id) const;

private:
    struct Impl;
    explicit Tokenizer(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> impl_;
};

}  // namespace segllm::text
