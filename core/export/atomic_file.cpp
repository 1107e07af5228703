#include "core/export/atomic_file.h"

#include "core/common/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace segllm {

namespace {

std::string system_reason(int err) {
    return std::strerror(err);
}

[[noreturn]] void fail(const std::filesystem::path& target, const std::string& step, int err) {
    throw Error("cannot save '" + target.string() + "': " + step + ": " + system_reason(err));
}

// Opens a new, unique temporary file next to `target` (O_EXCL, so never an existing file).
int open_temporary(const std::filesystem::path& target, std::filesystem::path& temp, mode_t mode) {
    std::random_device device;
    std::mt19937_64 rng((static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                        static_cast<std::uint64_t>(::getpid()));
    const std::filesystem::path folder =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    int last_error = 0;
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::ostringstream name;
        name << "." << target.filename().string() << ".tmp-" << std::hex << rng();
        temp = folder / name.str();
        const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0) {
            return fd;
        }
        last_error = errno;
        if (last_error != EEXIST) {
            break;
        }
    }
    fail(target, "creating a temporary file in '" + folder.string() + "'", last_error);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& target, const std::string& bytes) {
    if (target.empty() || !target.has_filename()) {
        throw Error("cannot save: '" + target.string() + "' is not a file path");
    }
    mode_t mode = 0666;  // the umask applies at creation
    bool keep_mode = false;
    struct stat old_stat {};
    if (::stat(target.c_str(), &old_stat) == 0) {
        if (S_ISDIR(old_stat.st_mode)) {
            throw Error("cannot save '" + target.string() + "': it is a directory");
        }
        keep_mode = S_ISREG(old_stat.st_mode);
        mode = old_stat.st_mode & 07777;
    }

    std::filesystem::path temp;
    const int fd = open_temporary(target, temp, mode);
    auto abandon = [&](const std::string& step, int err) {
        ::close(fd);
        ::unlink(temp.c_str());
        fail(target, step, err);
    };
    if (keep_mode && ::fchmod(fd, mode) != 0) {
        abandon("setting permissions of the temporary file", errno);
    }
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abandon("writing the temporary file '" + temp.string() + "' after " +
                        std::to_string(written) + " of " + std::to_string(bytes.size()) + " bytes",
                    errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        abandon("flushing the temporary file to disk", errno);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        fail(target, "closing the temporary file", err);
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        fail(target, "replacing the file", err);
    }
    // Make the rename itself durable (best effort: some file systems refuse to fsync a folder).
    const std::filesystem::path folder =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

std::string read_file(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        throw Error("cannot read '" + file.string() + "': it is a directory");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw Error("cannot open '" + file.string() + "': " + system_reason(errno));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw Error("cannot read '" + file.string() + "'");
    }
    return buffer.str();
}

}  // namespace segllm
