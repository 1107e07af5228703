#pragma once
// Crash-safe file replacement: the bytes go to a temporary file in the target's folder, which
// is flushed, fsync'ed and then renamed over the target. Until the rename the old file is
// never opened, so a failure at any step leaves it exactly as it was.

#include <filesystem>
#include <string>

namespace segllm {

// Writes `bytes` to `target` atomically. The new file gets the old file's permission bits
// (or 0666 minus the umask when it is new). Throws Error naming the target, the step that
// failed and the system's reason; the temporary file is removed on failure.
void write_file_atomic(const std::filesystem::path& target, const std::string& bytes);

// Reads a whole file; throws Error naming the file when it cannot be opened or read.
std::string read_file(const std::filesystem::path& file);

}  // namespace segllm
