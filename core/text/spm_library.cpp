#include "core/text/spm_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/common/error.h"

namespace fs = std::filesystem;

namespace segllm::text {

namespace {

#if SEGLLM_HAVE_SPM_SHIM
constexpr bool kShimBuilt = true;
constexpr const char* kShimFileName = SEGLLM_SPM_SHIM_FILE_NAME;
constexpr const char* kShimBuildPath = SEGLLM_SPM_SHIM_BUILD_PATH;
constexpr const char* kPrivateLibdir = SEGLLM_PRIVATE_LIBDIR_REL;
#else
constexpr bool kShimBuilt = false;
#endif

const char* const kNotBuilt =
    "the tokenizer is not available: SegLLM Studio was built with SEGLLM_WITH_TOKENIZER=OFF "
    "(the sentencepiece shim was not built)";

bool is_file(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

#if SEGLLM_HAVE_SPM_SHIM
// Directory of the running executable; empty if /proc/self/exe cannot be read.
fs::path exe_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        return {};
    return exe.parent_path();
}
#endif

template <typename F>
void resolve(void* module, const std::string& path, const char* name, F& out) {
    dlerror();
    void* symbol = dlsym(module, name);
    if (symbol == nullptr) {
        const char* why = dlerror();
        throw Error("sentencepiece shim " + path + " lacks the function " + name +
                    (why ? std::string(": ") + why : std::string()));
    }
    out = reinterpret_cast<F>(symbol);
}

}  // namespace

std::vector<std::string> spm_shim_candidates() {
    std::vector<std::string> out;
    if (!kShimBuilt)
        return out;
#if SEGLLM_HAVE_SPM_SHIM
    const char* env = std::getenv("SEGLLM_SPM_SHIM");
    if (env != nullptr && env[0] != '\0') {
        out.emplace_back(env);
        return out;
    }
    auto add = [&out](const fs::path& p) {
        const std::string s = p.lexically_normal().string();
        for (const auto& existing : out) {
            if (existing == s)
                return;
        }
        out.push_back(s);
    };
    const fs::path dir = exe_dir();
    if (!dir.empty()) {
        add(dir / ".." / "lib" / "segllm-studio" / kShimFileName);
        const fs::path libdir(kPrivateLibdir);
        add((libdir.is_absolute() ? libdir : dir / ".." / libdir) / kShimFileName);
    }
    add(fs::path(kShimBuildPath));
#endif
    return out;
}

std::string locate_spm_shim() {
    if (!kShimBuilt)
        throw Error(kNotBuilt);
    const char* env = std::getenv("SEGLLM_SPM_SHIM");
    const std::vector<std::string> candidates = spm_shim_candidates();
    if (env != nullptr && env[0] != '\0') {
        if (!is_file(env)) {
            throw Error(std::string("sentencepiece shim ") + env +
                        " (from SEGLLM_SPM_SHIM) does not exist or is not a file");
        }
        return env;
    }
    std::string tried;
    for (const auto& c : candidates) {
        if (is_file(c))
            return c;
        tried += (tried.empty() ? "" : ", ") + c;
    }
    throw Error("sentencepiece shim not found; looked for " + tried +
                " (set SEGLLM_SPM_SHIM to its path)");
}

SpmLibrary SpmLibrary::open(const std::string& path) {
    if (!kShimBuilt)
        throw Error(kNotBuilt);
    if (!is_file(path))
        throw Error("sentencepiece shim " + path + " does not exist");
    dlerror();
    void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (module == nullptr) {
        const char* why = dlerror();
        throw Error("cannot load the sentencepiece shim " + path + ": " +
                    (why ? why : "unknown dlopen error"));
    }
    SpmLibrary lib;
    lib.path = path;
    resolve(module, path, "segllm_spm_abi_version", lib.abi_version);
    const int abi = lib.abi_version();
    if (abi != SEGLLM_SPM_ABI_VERSION) {
        throw Error("sentencepiece shim " + path + " has interface version " + std::to_string(abi) +
                    ", expected " + std::to_string(SEGLLM_SPM_ABI_VERSION));
    }
    resolve(module, path, "segllm_spm_load", lib.load_model);
    resolve(module, path, "segllm_spm_free", lib.free_model);
    resolve(module, path, "segllm_spm_piece_size", lib.piece_size);
    resolve(module, path, "segllm_spm_unk_id", lib.unk_id);
    resolve(module, path, "segllm_spm_bos_id", lib.bos_id);
    resolve(module, path, "segllm_spm_eos_id", lib.eos_id);
    resolve(module, path, "segllm_spm_pad_id", lib.pad_id);
    resolve(module, path, "segllm_spm_piece_type", lib.piece_type);
    resolve(module, path, "segllm_spm_piece_to_id", lib.piece_to_id);
    resolve(module, path, "segllm_spm_id_to_piece", lib.id_to_piece);
    resolve(module, path, "segllm_spm_encode", lib.encode);
    resolve(module, path, "segllm_spm_decode", lib.decode);
    resolve(module, path, "segllm_spm_train", lib.train);
    return lib;
}

const SpmLibrary& SpmLibrary::instance() {
    static std::mutex mutex;
    static std::unique_ptr<const SpmLibrary> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded)
        loaded = std::make_unique<const SpmLibrary>(open(locate_spm_shim()));
    return *loaded;
}

}  // namespace segllm::text
