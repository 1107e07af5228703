#include "core/common/paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/common/error.h"

namespace fs = std::filesystem;

namespace segllm {

namespace {

// SEGLLM_PATHS_SOURCE_RESOURCES and SEGLLM_PATHS_BUILD_DIR are compile definitions of this file
// only, set by packaging/install.cmake; a build without them has no build-tree entry.
#if defined(SEGLLM_PATHS_SOURCE_RESOURCES) && defined(SEGLLM_PATHS_BUILD_DIR)
constexpr const char* kSourceResources = SEGLLM_PATHS_SOURCE_RESOURCES;
constexpr const char* kBuildDir = SEGLLM_PATHS_BUILD_DIR;
#else
constexpr const char* kSourceResources = "";
constexpr const char* kBuildDir = "";
#endif

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

// True when `inner` is `outer` or lies below it (both absolute; symbolic links resolved as far
// as the paths exist).
bool is_inside(const fs::path& inner, const fs::path& outer) {
    std::error_code ec;
    const fs::path a = fs::weakly_canonical(inner, ec);
    if (ec)
        return false;
    const fs::path b = fs::weakly_canonical(outer, ec);
    if (ec || b.empty())
        return false;
    auto ai = a.begin();
    for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
        if (bi->empty())  // a trailing separator
            continue;
        if (ai == a.end() || *ai != *bi)
            return false;
    }
    return true;
}

// <executable_dir()>/../share/segllm-studio, or empty without an executable folder.
fs::path installed_data_dir() {
    const std::string exe = executable_dir();
    if (exe.empty())
        return {};
    return (fs::path(exe) / ".." / "share" / kDataFolderName).lexically_normal();
}

}  // namespace

std::string executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty())
        return {};
    return exe.parent_path().string();
}

std::vector<std::string> data_dirs() {
    std::vector<std::string> out;
    auto add = [&out](const fs::path& dir) {
        if (dir.empty() || !dir.is_absolute())
            return;
        std::string s = dir.lexically_normal().string();
        while (s.size() > 1 && s.back() == '/')
            s.pop_back();
        for (const auto& existing : out) {
            if (existing == s)
                return;
        }
        out.push_back(s);
    };

    add(installed_data_dir());

    const std::string exe = executable_dir();
    if (kSourceResources[0] != '\0' && kBuildDir[0] != '\0' && !exe.empty() &&
        is_inside(exe, kBuildDir)) {
        add(fs::path(kSourceResources));
    }

    std::string data_home = env_or_empty("XDG_DATA_HOME");
    if (data_home.empty() || !fs::path(data_home).is_absolute()) {
        const std::string home = env_or_empty("HOME");
        if (!home.empty())
            data_home = home + "/.local/share";
    }
    if (!data_home.empty())
        add(fs::path(data_home) / kDataFolderName);

    std::string data_dirs_env = env_or_empty("XDG_DATA_DIRS");
    if (data_dirs_env.empty())
        data_dirs_env = "/usr/local/share:/usr/share";
    std::size_t start = 0;
    while (start <= data_dirs_env.size()) {
        const std::size_t colon = data_dirs_env.find(':', start);
        const std::size_t end = colon == std::string::npos ? data_dirs_env.size() : colon;
        const std::string entry = data_dirs_env.substr(start, end - start);
        if (!entry.empty())
            add(fs::path(entry) / kDataFolderName);
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    return out;
}

std::optional<std::string> find_data_file(const std::string& relative) {
    if (relative.empty())
        throw Error("find_data_file: the relative data path is empty");
    if (fs::path(relative).is_absolute())
        throw Error("find_data_file: '" + relative + "' is absolute; expected a path relative to " +
                    "a data folder (such as models/segllm-tiny)");
    for (const auto& dir : data_dirs()) {
        const fs::path candidate = (fs::path(dir) / relative).lexically_normal();
        std::error_code ec;
        if (fs::exists(candidate, ec))
            return candidate.string();
    }
    return std::nullopt;
}

std::string default_model_dir() {
    const fs::path relative = fs::path("models") / kDefaultModelName;
    for (const auto& dir : data_dirs()) {
        const fs::path candidate = fs::path(dir) / relative;
        std::error_code ec;
        if (fs::is_directory(candidate, ec))
            return candidate.string();
    }
    const fs::path installed = installed_data_dir();
    if (installed.empty())
        return (fs::path("..") / "share" / kDataFolderName / relative).string();  // exe unknown
    return (installed / relative).string();
}

}  // namespace segllm
