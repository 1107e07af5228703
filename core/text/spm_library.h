#pragma once
// Finding and loading the sentencepiece shim (spm_shim.h) at run time.
//
// The shim is opened once per process with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND), so its
// sentencepiece and protobuf symbols never meet LibTorch's (environment.md, fact 3). It is never
// closed. Plain C++; no sentencepiece header is included here.

#include <string>
#include <vector>

#include "core/text/spm_shim.h"

namespace segllm::text {

// Paths where the shim is looked for, in order: $SEGLLM_SPM_SHIM alone when it is set and not
// empty; otherwise <dir of /proc/self/exe>/../lib/segllm-studio/<file>,
// <dir of exe>/../<SEGLLM_PRIVATE_LIBDIR>/<file>, then the build-tree path of the shim.
// Empty when the project was built with SEGLLM_WITH_TOKENIZER=OFF.
std::vector<std::string> spm_shim_candidates();

// The first candidate that is an existing file. Throws segllm::Error when the tokenizer was not
// built, when $SEGLLM_SPM_SHIM names a missing file (naming it), or when no candidate exists
// (listing all of them).
std::string locate_spm_shim();

// The shim's functions, resolved with dlsym from one loaded module.
struct SpmLibrary {
    std::string path;  // the file that was opened
    int (*abi_version)() = nullptr;
    int (*load_model)(const char*, segllm_spm**, char*, size_t) = nullptr;
    void (*free_model)(segllm_spm*) = nullptr;
    int (*piece_size)(const segllm_spm*) = nullptr;
    int (*unk_id)(const segllm_spm*) = nullptr;
    int (*bos_id)(const segllm_spm*) = nullptr;
    int (*eos_id)(const segllm_spm*) = nullptr;
    int (*pad_id)(const segllm_spm*) = nullptr;
    int (*piece_type)(const segllm_spm*, int) = nullptr;
    int (*piece_to_id)(const segllm_spm*, const char*, size_t) = nullptr;
    int (*id_to_piece)(const segllm_spm*, int, segllm_spm_text_sink, void*, char*,
                       size_t) = nullptr;
    int (*encode)(const segllm_spm*, const char*, size_t, segllm_spm_id_sink, void*, char*,
                  size_t) = nullptr;
    int (*decode)(const segllm_spm*, const int*, size_t, segllm_spm_text_sink, void*, char*,
                  size_t) = nullptr;
    int (*train)(const char* const*, const char* const*, size_t, char*, size_t) = nullptr;

    // Opens the shim at path (dlopen, then dlsym of every function and an ABI check). Throws
    // segllm::Error naming the path and the reason (dlerror text, missing symbol, ABI mismatch).
    // The module stays loaded for the life of the process.
    static SpmLibrary open(const std::string& path);

    // The process-wide shim: locate_spm_shim() + open(), done once under a lock. A failure is
    // not cached (the next call tries again). Throws as locate_spm_shim() and open() do.
    static const SpmLibrary& instance();
};

}  // namespace segllm::text
