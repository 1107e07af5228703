#include "core/weights/safetensors_writer.h"

#include "core/common/error.h"
#include "core/weights/dtype.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian and is written as it is: a big-endian host needs swaps"
#endif

namespace segllm::weights {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw Error("writing safetensors file '" + path + "': " + what);
}

struct Entry {
    std::string name;
    DType dtype;
    at::Tensor data;  // contiguous, on the CPU
};

// A JSON string literal (quotes and escapes), refusing text that is not UTF-8.
std::string quoted(const std::string& path, const std::string& text, const std::string& what) {
    try {
        return nlohmann::json(text).dump();
    } catch (const nlohmann::json::exception&) {
        fail(path, what + " is not valid UTF-8");
    }
}

std::string build_header(const std::string& path, const std::vector<Entry>& entries,
                         const std::map<std::string, std::string>& metadata) {
    std::string json = "{";
    if (!metadata.empty()) {
        json += "\"__metadata__\":{";
        bool first = true;
        for (const auto& [key, value] : metadata) {
            json += first ? "" : ",";
            json += quoted(path, key, "metadata key") + ":" +
                    quoted(path, value, "metadata value of '" + key + "'");
            first = false;
        }
        json += "}";
    }
    std::uint64_t offset = 0;
    for (const Entry& e : entries) {
        json += json.size() > 1 ? "," : "";
        json += quoted(path, e.name, "tensor name '" + e.name + "'");
        json += ":{\"dtype\":\"";
        json += dtype_name(e.dtype);
        json += "\",\"shape\":[";
        for (std::int64_t i = 0; i < e.data.dim(); ++i) {
            json += (i ? "," : "") + std::to_string(e.data.size(i));
        }
        const auto bytes = static_cast<std::uint64_t>(e.data.numel()) * dtype_size(e.dtype);
        json += "],\"data_offsets\":[" + std::to_string(offset) + "," +
                std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    json += "}";
    json.append((8 - json.size() % 8) % 8, ' ');
    return json;
}

void write_all(const std::string& path, int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const std::size_t chunk = std::min<std::size_t>(size, std::size_t{1} << 30);
        const ssize_t n = ::write(fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(path, std::string("write failed: ") + std::strerror(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

// Removes the temporary file unless released (after the rename).
struct TempFile {
    std::string path;
    int fd = -1;
    bool keep = false;
    ~TempFile() {
        if (fd >= 0) {
            ::close(fd);
        }
        if (!keep && !path.empty()) {
            ::unlink(path.c_str());
        }
    }
};

}  // namespace

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    std::vector<Entry> entries;
    entries.reserve(tensors.size());
    std::set<std::string> seen;
    for (const auto& [name, tensor] : tensors) {
        if (name.empty()) {
            fail(path, "a tensor has an empty name");
        }
        if (name.compare(0, 2, "__") == 0) {
            fail(path, "tensor name '" + name +
                           "' starts with \"__\", which the format reserves for \"__metadata__\"");
        }
        if (!seen.insert(name).second) {
            fail(path, "tensor name '" + name + "' is given more than once");
        }
        if (!tensor.defined()) {
            fail(path, "tensor '" + name + "' is undefined");
        }
        if (tensor.layout() != at::kStrided) {
            fail(path, "tensor '" + name + "' is not a dense (strided) tensor");
        }
        const std::optional<DType> dtype = dtype_from_scalar_type(tensor.scalar_type());
        if (!dtype) {
            fail(path, "tensor '" + name + "' has type " +
                           std::string(c10::toString(tensor.scalar_type())) +
                           ", which safetensors files here cannot hold");
        }
        try {
            entries.push_back({name, *dtype, tensor.to(at::kCPU).contiguous()});
        } catch (const c10::Error& e) {
            fail(path, "tensor '" + name +
                           "' cannot be copied to the CPU: " + e.what_without_backtrace());
        }
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        const int ra = dtype_alignment_rank(a.dtype);
        const int rb = dtype_alignment_rank(b.dtype);
        return ra != rb ? ra > rb : a.name < b.name;
    });
    const std::string header = build_header(path, entries, metadata);

    // Temporary file next to the target, so that the rename stays on one file system.
    static std::atomic<unsigned> counter{0};
    TempFile temp;
    for (int attempt = 0; temp.fd < 0; ++attempt) {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        temp.path = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter.fetch_add(1)) + "-" + std::to_string(stamp % 1000000);
        temp.fd = ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (temp.fd < 0 && (errno != EEXIST || attempt > 100)) {
            const int error = errno;
            temp.path.clear();  // nothing of ours to remove
            fail(path,
                 std::string("cannot create a temporary file next to it: ") + std::strerror(error));
        }
    }

    unsigned char length[8];
    std::uint64_t n = header.size();
    for (unsigned char& byte : length) {
        byte = static_cast<unsigned char>(n & 0xffu);
        n >>= 8;
    }
    write_all(path, temp.fd, length, sizeof length);
    write_all(path, temp.fd, header.data(), header.size());
    for (const Entry& e : entries) {
        const auto bytes = static_cast<std::size_t>(e.data.numel()) * dtype_size(e.dtype);
        if (bytes > 0) {
            write_all(path, temp.fd, e.data.data_ptr(), bytes);
        }
    }
    if (::fsync(temp.fd) != 0) {
        fail(path, std::string("flushing to disk failed: ") + std::strerror(errno));
    }
    const int fd = temp.fd;
    temp.fd = -1;
    if (::close(fd) != 0) {
        fail(path, std::string("closing the temporary file failed: ") + std::strerror(errno));
    }
    if (::rename(temp.path.c_str(), path.c_str()) != 0) {
        fail(path,
             std::string("renaming the temporary file into place failed: ") + std::strerror(errno));
    }
    temp.keep = true;
}

}  // namespace segllm::weights
