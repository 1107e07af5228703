#pragma once
// Where the program finds its data (the default model, translations, sample images) without any
// environment variable of its own: next to the executable in an installed prefix
// (<prefix>/bin/../share/segllm-studio), in the source tree for a program run from the build
// tree, then in the XDG data folders. Plain C++ (no Qt); Linux (/proc/self/exe).

#include <optional>
#include <string>
#include <vector>

namespace segllm {

// Name of the data folder under each data root: <prefix>/share/segllm-studio.
inline constexpr const char* kDataFolderName = "segllm-studio";

// Name of the model shipped with the application, under <data dir>/models/.
inline constexpr const char* kDefaultModelName = "segllm-tiny";

// Absolute folder of the running executable (symbolic links resolved, from /proc/self/exe).
// Empty when /proc/self/exe cannot be read.
std::string executable_dir();

// The data folders to search, in order, without duplicates; each may or may not exist:
//   1. <executable_dir()>/../share/segllm-studio (an installed prefix);
//   2. the source tree's resources/ folder, baked in at build time, only while the executable
//      lies inside the build tree it was built in (so an installed copy never reads the sources);
//   3. $XDG_DATA_HOME/segllm-studio ($HOME/.local/share when XDG_DATA_HOME is unset, empty or
//      relative);
//   4. each folder of $XDG_DATA_DIRS (colon-separated; /usr/local/share:/usr/share when unset or
//      empty) followed by /segllm-studio.
// Relative entries in the XDG variables are ignored, as the XDG base directory spec asks.
// Paths are lexically normal (no "." or ".." components).
std::vector<std::string> data_dirs();

// The first data_dirs() entry joined with `relative` that exists (a file or a folder), as a
// path. std::nullopt when none exists. Throws segllm::Error when `relative` is empty or absolute.
std::optional<std::string> find_data_file(const std::string& relative);

// The folder of the shipped model: the first data_dirs() entry whose models/segllm-tiny is an
// existing folder; when none is, the installed location
// <executable_dir()>/../share/segllm-studio/models/segllm-tiny, where it is expected (the
// relative path ../share/segllm-studio/models/segllm-tiny when executable_dir() is empty).
std::string default_model_dir();

}  // namespace segllm
