// The sentencepiece shim: the only translation unit that includes sentencepiece. Built as a
// MODULE library with hidden visibility; only the extern "C" functions of spm_shim.h are exported.

#include "core/text/spm_shim.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#define SEGLLM_SPM_EXPORT __attribute__((visibility("default")))

struct segllm_spm {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

// Copies message into the caller's buffer, truncated and NUL-terminated.
void write_error(char* error, size_t error_size, const std::string& message) {
    if (error == nullptr || error_size == 0)
        return;
    const size_t n = message.size() < error_size - 1 ? message.size() : error_size - 1;
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
}

int fail(char* error, size_t error_size, int code, const std::string& message) {
    write_error(error, error_size, message);
    return code;
}

int status_error(char* error, size_t error_size, const sentencepiece::util::Status& status) {
    return fail(error, error_size, SEGLLM_SPM_E_STATUS, status.ToString());
}

bool valid_id(const segllm_spm* spm, int id) {
    return id >= 0 && id < spm->processor.GetPieceSize();
}

}  // namespace

extern "C" {

SEGLLM_SPM_EXPORT int segllm_spm_abi_version(void) {
    return SEGLLM_SPM_ABI_VERSION;
}

SEGLLM_SPM_EXPORT int segllm_spm_load(const char* model_path, segllm_spm** out, char* error,
                                      size_t error_size) {
    if (out == nullptr)
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null output handle");
    *out = nullptr;
    if (model_path == nullptr)
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null path");
    try {
        auto spm = std::make_unique<segllm_spm>();
        const auto status = spm->processor.Load(model_path);
        if (!status.ok())
            return status_error(error, error_size, status);
        if (spm->processor.GetPieceSize() <= 0) {
            return fail(error, error_size, SEGLLM_SPM_E_STATUS, "the model has no pieces");
        }
        *out = spm.release();
        return SEGLLM_SPM_OK;
    } catch (const std::exception& e) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, "unknown exception");
    }
}

SEGLLM_SPM_EXPORT void segllm_spm_free(segllm_spm* spm) {
    delete spm;
}

SEGLLM_SPM_EXPORT int segllm_spm_piece_size(const segllm_spm* spm) {
    return spm ? spm->processor.GetPieceSize() : -1;
}

SEGLLM_SPM_EXPORT int segllm_spm_unk_id(const segllm_spm* spm) {
    return spm ? spm->processor.unk_id() : -1;
}

SEGLLM_SPM_EXPORT int segllm_spm_bos_id(const segllm_spm* spm) {
    return spm ? spm->processor.bos_id() : -1;
}

SEGLLM_SPM_EXPORT int segllm_spm_eos_id(const segllm_spm* spm) {
    return spm ? spm->processor.eos_id() : -1;
}

SEGLLM_SPM_EXPORT int segllm_spm_pad_id(const segllm_spm* spm) {
    return spm ? spm->processor.pad_id() : -1;
}

SEGLLM_SPM_EXPORT int segllm_spm_piece_type(const segllm_spm* spm, int id) {
    if (spm == nullptr || !valid_id(spm, id))
        return -1;
    const auto& p = spm->processor;
    if (p.IsUnknown(id))
        return SEGLLM_SPM_PIECE_UNKNOWN;
    if (p.IsControl(id))
        return SEGLLM_SPM_PIECE_CONTROL;
    if (p.IsByte(id))
        return SEGLLM_SPM_PIECE_BYTE;
    if (p.IsUnused(id))
        return SEGLLM_SPM_PIECE_UNUSED;
    return SEGLLM_SPM_PIECE_NORMAL;
}

SEGLLM_SPM_EXPORT int segllm_spm_piece_to_id(const segllm_spm* spm, const char* piece,
                                             size_t size) {
    if (spm == nullptr || piece == nullptr)
        return -1;
    try {
        return spm->processor.PieceToId(std::string(piece, size));
    } catch (...) {
        return -1;
    }
}

SEGLLM_SPM_EXPORT int segllm_spm_id_to_piece(const segllm_spm* spm, int id,
                                             segllm_spm_text_sink sink, void* context, char* error,
                                             size_t error_size) {
    if (spm == nullptr || sink == nullptr) {
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null handle or sink");
    }
    if (!valid_id(spm, id)) {
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT,
                    "id " + std::to_string(id) + " is outside [0, " +
                        std::to_string(spm->processor.GetPieceSize()) + ")");
    }
    try {
        const std::string& piece = spm->processor.IdToPiece(id);
        sink(context, piece.data(), piece.size());
        return SEGLLM_SPM_OK;
    } catch (const std::exception& e) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, "unknown exception");
    }
}

SEGLLM_SPM_EXPORT int segllm_spm_encode(const segllm_spm* spm, const char* text, size_t size,
                                        segllm_spm_id_sink sink, void* context, char* error,
                                        size_t error_size) {
    if (spm == nullptr || sink == nullptr || (text == nullptr && size > 0)) {
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null handle, text or sink");
    }
    try {
        std::vector<int> ids;
        const auto status =
            spm->processor.Encode(absl::string_view(text == nullptr ? "" : text, size), &ids);
        if (!status.ok())
            return status_error(error, error_size, status);
        sink(context, ids.data(), ids.size());
        return SEGLLM_SPM_OK;
    } catch (const std::exception& e) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, "unknown exception");
    }
}

SEGLLM_SPM_EXPORT int segllm_spm_decode(const segllm_spm* spm, const int* ids, size_t count,
                                        segllm_spm_text_sink sink, void* context, char* error,
                                        size_t error_size) {
    if (spm == nullptr || sink == nullptr || (ids == nullptr && count > 0)) {
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null handle, ids or sink");
    }
    for (size_t i = 0; i < count; ++i) {
        if (!valid_id(spm, ids[i])) {
            return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT,
                        "id " + std::to_string(ids[i]) + " is outside [0, " +
                            std::to_string(spm->processor.GetPieceSize()) + ")");
        }
    }
    try {
        const std::vector<int> input(ids, ids + count);
        std::string text;
        const auto status = spm->processor.Decode(input, &text);
        if (!status.ok())
            return status_error(error, error_size, status);
        sink(context, text.data(), text.size());
        return SEGLLM_SPM_OK;
    } catch (const std::exception& e) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, "unknown exception");
    }
}

SEGLLM_SPM_EXPORT int segllm_spm_train(const char* const* keys, const char* const* values,
                                       size_t count, char* error, size_t error_size) {
    if ((keys == nullptr || values == nullptr) && count > 0) {
        return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null keys or values");
    }
    try {
        std::unordered_map<std::string, std::string> kwargs;
        for (size_t i = 0; i < count; ++i) {
            if (keys[i] == nullptr || values[i] == nullptr) {
                return fail(error, error_size, SEGLLM_SPM_E_ARGUMENT, "null key or value");
            }
            kwargs[keys[i]] = values[i];
        }
        const auto status = sentencepiece::SentencePieceTrainer::Train(kwargs);
        if (!status.ok())
            return status_error(error, error_size, status);
        return SEGLLM_SPM_OK;
    } catch (const std::exception& e) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, e.what());
    } catch (...) {
        return fail(error, error_size, SEGLLM_SPM_E_INTERNAL, "unknown exception");
    }
}

}  // extern "C"
