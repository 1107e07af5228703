#pragma once
// Plain C interface of the sentencepiece shim (libsegllm_spm_shim.so).
//
// Debian's libsentencepiece exports its own protobuf-lite and clashes with LibTorch's protobuf
// (environment.md, fact 3), so every sentencepiece call lives in this small module, which the
// core loads with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) (see spm_library.h). Nothing of
// sentencepiece or protobuf crosses this interface: only C types, an opaque handle, return codes
// and error text. Outputs of variable size are handed to a caller-supplied sink callback.
//
// Return codes: SEGLLM_SPM_OK (0) on success; otherwise a SEGLLM_SPM_E_* value and, where the
// function takes an error buffer, a NUL-terminated message (truncated to error_size bytes).
// No function throws; the handle is safe for concurrent encode/decode from several threads.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEGLLM_SPM_ABI_VERSION 1

#define SEGLLM_SPM_OK 0
#define SEGLLM_SPM_E_ARGUMENT 1  // null handle or pointer, id out of range
#define SEGLLM_SPM_E_STATUS 2    // sentencepiece returned a non-OK status (message in error)
#define SEGLLM_SPM_E_INTERNAL 3  // an exception or allocation failure inside the shim

// Piece kinds returned by segllm_spm_piece_type.
#define SEGLLM_SPM_PIECE_NORMAL 0
#define SEGLLM_SPM_PIECE_UNKNOWN 1
#define SEGLLM_SPM_PIECE_CONTROL 2
#define SEGLLM_SPM_PIECE_BYTE 3
#define SEGLLM_SPM_PIECE_UNUSED 4

typedef struct segllm_spm segllm_spm;

// Receives a block of ids (encode) or bytes (decode, piece text); may be called several times.
typedef void (*segllm_spm_id_sink)(void* context, const int* ids, size_t count);
typedef void (*segllm_spm_text_sink)(void* context, const char* text, size_t size);

// Returns SEGLLM_SPM_ABI_VERSION of the shim that was built; the loader refuses a mismatch.
int segllm_spm_abi_version(void);

// Loads a sentencepiece model file into a new handle (*out, to be released with
// segllm_spm_free). Returns SEGLLM_SPM_OK, or an error code with *out left null.
int segllm_spm_load(const char* model_path, segllm_spm** out, char* error, size_t error_size);

// Releases a handle from segllm_spm_load; null is allowed.
void segllm_spm_free(segllm_spm* spm);

// Number of pieces in the model (the base vocabulary size); -1 for a null handle.
int segllm_spm_piece_size(const segllm_spm* spm);

// Reserved ids of the model; -1 where the model has none (or for a null handle).
int segllm_spm_unk_id(const segllm_spm* spm);
int segllm_spm_bos_id(const segllm_spm* spm);
int segllm_spm_eos_id(const segllm_spm* spm);
int segllm_spm_pad_id(const segllm_spm* spm);

// SEGLLM_SPM_PIECE_* kind of id; -1 for an id outside [0, piece_size) or a null handle.
int segllm_spm_piece_type(const segllm_spm* spm, int id);

// Id of the piece text (size bytes); the unknown id when the model has no such piece.
int segllm_spm_piece_to_id(const segllm_spm* spm, const char* piece, size_t size);

// Writes the text of piece id (e.g. "\xe2\x96\x81the") to sink.
int segllm_spm_id_to_piece(const segllm_spm* spm, int id, segllm_spm_text_sink sink, void* context,
                           char* error, size_t error_size);

// Encodes size bytes of UTF-8 text (no special-token handling) and writes the ids to sink.
int segllm_spm_encode(const segllm_spm* spm, const char* text, size_t size, segllm_spm_id_sink sink,
                      void* context, char* error, size_t error_size);

// Decodes count ids (each must be in [0, piece_size)) and writes the text to sink.
int segllm_spm_decode(const segllm_spm* spm, const int* ids, size_t count,
                      segllm_spm_text_sink sink, void* context, char* error, size_t error_size);

// Trains a model with sentencepiece's trainer; keys/values are count pairs of its flags without
// the leading dashes (e.g. "input" -> "corpus.txt", "model_type" -> "bpe").
int segllm_spm_train(const char* const* keys, const char* const* values, size_t count, char* error,
                     size_t error_size);

#ifdef __cplusplus
}  // extern "C"
#endif
