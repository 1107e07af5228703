#include "core/weights/safetensors_file.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_map>
#include <utility>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian and is copied as it is: a big-endian host needs swaps"
#endif

namespace segllm::weights {

namespace {

using Json = nlohmann::json;

// Deepest nesting accepted in a header (a valid one needs 3: root, entry, shape array).
constexpr std::size_t kMaxJsonDepth = 64;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw Error("safetensors file '" + path + "': " + what);
}

[[noreturn]] void fail_tensor(const std::string& path, const std::string& tensor,
                              const std::string& what) {
    throw Error("safetensors file '" + path + "', tensor '" + tensor + "': " + what);
}

std::string supported_dtype_list() {
    const DType all[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                         DType::I32, DType::I16, DType::I8,  DType::U8,   DType::BOOL};
    std::string out;
    for (DType d : all) {
        out += out.empty() ? "" : ", ";
        out += dtype_name(d);
    }
    return out;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return out + "]";
}

std::string offsets_text(std::uint64_t begin, std::uint64_t end) {
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// Keys of the header in file order, with duplicates refused (nlohmann keeps the last silently).
struct HeaderScan {
    std::vector<char> containers;             // 'o' object, 'a' array, innermost last
    std::vector<std::set<std::string>> keys;  // keys seen, one set per open object
    std::vector<std::string> top_level;       // keys of the root object, in file order
    std::string current_top;                  // the root key whose value is being parsed
};

Json parse_header(const std::string& path, const char* begin, const char* end, HeaderScan& scan) {
    auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) -> bool {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                if (scan.containers.size() >= kMaxJsonDepth) {
                    fail(path, "header JSON is nested deeper than " +
                                   std::to_string(kMaxJsonDepth) + " levels");
                }
                scan.containers.push_back(event == Json::parse_event_t::object_start ? 'o' : 'a');
                if (event == Json::parse_event_t::object_start) {
                    scan.keys.emplace_back();
                }
                break;
            case Json::parse_event_t::object_end:
                scan.keys.pop_back();
                scan.containers.pop_back();
                break;
            case Json::parse_event_t::array_end:
                scan.containers.pop_back();
                break;
            case Json::parse_event_t::key: {
                const std::string& key = parsed.get_ref<const std::string&>();
                const bool root_key = scan.containers.size() == 1 && scan.containers[0] == 'o';
                if (!scan.keys.back().insert(key).second) {
                    if (root_key) {
                        fail_tensor(path, key, "the name appears more than once in the header");
                    }
                    fail_tensor(path, scan.current_top,
                                "key \"" + key + "\" appears more than once in its entry");
                }
                if (root_key) {
                    scan.top_level.push_back(key);
                    scan.current_top = key;
                }
                break;
            }
            case Json::parse_event_t::value:
                break;
        }
        return true;
    };
    try {
        return Json::parse(begin, end, callback);
    } catch (const Json::exception& e) {
        fail(path, std::string("header is not valid JSON: ") + e.what());
    }
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const Json& value) {
    if (!value.is_object()) {
        fail(path, "\"__metadata__\" is not a JSON object of strings");
    }
    std::map<std::string, std::string> out;
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string()) {
            fail(path, "\"__metadata__\" value of \"" + key + "\" is not a string");
        }
        out.emplace(key, item.get<std::string>());
    }
    return out;
}

const Json& require_field(const std::string& path, const std::string& name, const Json& entry,
                          const char* field) {
    auto it = entry.find(field);
    if (it == entry.end()) {
        fail_tensor(path, name, std::string("entry has no \"") + field + "\"");
    }
    return *it;
}

std::string json_text(const Json& value) {
    // Only scalars reach here (arrays/objects are reported by type), so dump() stays shallow.
    return value.is_structured() ? std::string(value.is_array() ? "an array" : "an object")
                                 : value.dump();
}

TensorInfo parse_entry(const std::string& path, const std::string& name, const Json& entry,
                       std::uint64_t data_size) {
    if (!entry.is_object()) {
        fail_tensor(path, name, "entry is not a JSON object");
    }
    TensorInfo info;
    info.name = name;
    info.file = path;

    const Json& dtype = require_field(path, name, entry, "dtype");
    if (!dtype.is_string()) {
        fail_tensor(path, name, "\"dtype\" is not a string");
    }
    const std::optional<DType> parsed = dtype_from_name(dtype.get<std::string>());
    if (!parsed) {
        fail_tensor(path, name,
                    "unsupported or unknown dtype \"" + dtype.get<std::string>() +
                        "\" (supported: " + supported_dtype_list() + ")");
    }
    info.dtype = *parsed;

    const Json& shape = require_field(path, name, entry, "shape");
    if (!shape.is_array()) {
        fail_tensor(path, name, "\"shape\" is not an array");
    }
    std::uint64_t elements = 1;
    bool overflow = false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const Json& dim = shape[i];
        if (!dim.is_number_unsigned() ||
            dim.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail_tensor(path, name,
                        "shape[" + std::to_string(i) + "] is " + json_text(dim) +
                            "; dimensions must be non-negative integers");
        }
        const std::uint64_t d = dim.get<std::uint64_t>();
        info.shape.push_back(static_cast<std::int64_t>(d));
        overflow = overflow || __builtin_mul_overflow(elements, d, &elements);
    }
    std::uint64_t bytes = 0;
    overflow = overflow || __builtin_mul_overflow(elements, dtype_size(info.dtype), &bytes);
    // A shape containing 0 has no bytes whatever its other dimensions.
    const bool has_zero =
        std::find(info.shape.begin(), info.shape.end(), std::int64_t{0}) != info.shape.end();
    if (has_zero) {
        overflow = false;
        bytes = 0;
    }

    const Json& offsets = require_field(path, name, entry, "data_offsets");
    if (!offsets.is_array() || offsets.size() != 2) {
        fail_tensor(path, name, "\"data_offsets\" is not an array of two integers");
    }
    for (std::size_t i = 0; i < 2; ++i) {
        if (!offsets[i].is_number_unsigned()) {
            fail_tensor(path, name,
                        "data_offsets[" + std::to_string(i) + "] is " + json_text(offsets[i]) +
                            "; offsets must be non-negative integers");
        }
    }
    info.begin = offsets[0].get<std::uint64_t>();
    info.end = offsets[1].get<std::uint64_t>();
    if (info.begin > info.end) {
        fail_tensor(path, name,
                    "data_offsets " + offsets_text(info.begin, info.end) + ": begin is after end");
    }
    if (info.end > data_size) {
        fail_tensor(path, name,
                    "data_offsets " + offsets_text(info.begin, info.end) +
                        " run past the end of the data section (" + std::to_string(data_size) +
                        " bytes); the file may be truncated");
    }
    if (overflow) {
        fail_tensor(path, name,
                    "shape " + shape_text(info.shape) + " of " + dtype_name(info.dtype) +
                        " is too large (its byte size overflows 64 bits)");
    }
    if (info.end - info.begin != bytes) {
        fail_tensor(path, name,
                    "data_offsets " + offsets_text(info.begin, info.end) + " hold " +
                        std::to_string(info.end - info.begin) + " bytes but " +
                        dtype_name(info.dtype) + " with shape " + shape_text(info.shape) +
                        " needs " + std::to_string(bytes));
    }
    return info;
}

// The tensors must tile the data section exactly: no hole, no overlap, nothing left over.
void check_coverage(const std::string& path, const std::vector<TensorInfo>& tensors,
                    std::uint64_t data_size) {
    std::vector<const TensorInfo*> order;
    order.reserve(tensors.size());
    for (const TensorInfo& t : tensors) {
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return std::make_pair(a->begin, a->end) < std::make_pair(b->begin, b->end);
    });
    std::uint64_t covered = 0;
    const TensorInfo* previous = nullptr;
    for (const TensorInfo* t : order) {
        if (t->begin < covered) {
            fail_tensor(path, t->name,
                        "data_offsets " + offsets_text(t->begin, t->end) +
                            " overlap those of tensor '" + previous->name + "' " +
                            offsets_text(previous->begin, previous->end));
        }
        if (t->begin > covered) {
            fail_tensor(path, t->name,
                        "data_offsets " + offsets_text(t->begin, t->end) + " leave bytes [" +
                            std::to_string(covered) + ", " + std::to_string(t->begin) +
                            ") of the data section to no tensor (a hole)");
        }
        covered = t->end;
        previous = t;
    }
    if (covered != data_size) {
        fail(path, "the data section has " + std::to_string(data_size) +
                       " bytes but the tensors cover only " + std::to_string(covered) +
                       " (trailing bytes after the last tensor)");
    }
}

}  // namespace

struct SafetensorsFile::Impl {
    std::string path;
    const unsigned char* bytes = nullptr;  // the read-only mapping of the whole file
    std::uint64_t size = 0;
    std::uint64_t data_offset = 0;
    std::vector<TensorInfo> tensors;
    std::unordered_map<std::string, std::size_t> index;
    std::map<std::string, std::string> metadata;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (bytes != nullptr) {
            ::munmap(const_cast<unsigned char*>(bytes), size);
        }
    }
};

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(path, std::string("cannot open: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        fail(path, "the file is empty (a safetensors file starts with an 8-byte header length)");
    }
    if (size < 8) {
        ::close(fd);
        fail(path, "the file has " + std::to_string(size) +
                       " bytes, too few for the 8-byte header length");
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);
    if (map == MAP_FAILED) {
        fail(path, std::string("cannot map the file: ") + std::strerror(map_errno));
    }
    impl->bytes = static_cast<const unsigned char*>(map);
    impl->size = size;

    std::uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) {
        header_size = (header_size << 8) | impl->bytes[i];
    }
    if (header_size > kMaxHeaderBytes) {
        fail(path, "header length " + std::to_string(header_size) + " exceeds the limit of " +
                       std::to_string(kMaxHeaderBytes) + " bytes");
    }
    if (header_size > size - 8) {
        fail(path, "header length " + std::to_string(header_size) +
                       " runs past the end of the file (" + std::to_string(size) + " bytes)");
    }
    impl->data_offset = 8 + header_size;
    const std::uint64_t data_size = size - impl->data_offset;

    HeaderScan scan;
    const char* header = reinterpret_cast<const char*>(impl->bytes) + 8;
    const Json root = parse_header(path, header, header + header_size, scan);
    if (!root.is_object()) {
        fail(path, "header is not a JSON object");
    }
    for (const std::string& key : scan.top_level) {
        const Json& value = root.at(key);
        if (key == "__metadata__") {
            impl->metadata = parse_metadata(path, value);
            continue;
        }
        impl->index.emplace(key, impl->tensors.size());
        impl->tensors.push_back(parse_entry(path, key, value, data_size));
    }
    check_coverage(path, impl->tensors, data_size);
    return SafetensorsFile(std::move(impl));
}

const std::string& SafetensorsFile::path() const {
    return impl_->path;
}

const std::vector<TensorInfo>& SafetensorsFile::tensors() const {
    return impl_->tensors;
}

bool SafetensorsFile::contains(const std::string& name) const {
    return impl_->index.count(name) != 0;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
    auto it = impl_->index.find(name);
    if (it == impl_->index.end()) {
        fail_tensor(impl_->path, name, "no such tensor in the file");
    }
    return impl_->tensors[it->second];
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
    return impl_->metadata;
}

std::uint64_t SafetensorsFile::file_size() const {
    return impl_->size;
}

std::uint64_t SafetensorsFile::data_offset() const {
    return impl_->data_offset;
}

at::Tensor SafetensorsFile::tensor(const std::string& name, std::optional<at::ScalarType> dtype,
                                   const at::Device& device) const {
    const TensorInfo& ti = info(name);
    const at::ScalarType stored = scalar_type(ti.dtype);
    const at::ScalarType target = dtype.value_or(stored);
    try {
        // BOOL is read as bytes first: a byte other than 0/1 in a bool tensor is undefined.
        const at::ScalarType read_as = ti.dtype == DType::BOOL ? at::kByte : stored;
        at::Tensor out = at::empty(ti.shape, at::TensorOptions().dtype(read_as));
        const std::uint64_t bytes = ti.end - ti.begin;  // checked against the shape at open()
        if (bytes > 0) {
            std::memcpy(out.data_ptr(), impl_->bytes + impl_->data_offset + ti.begin, bytes);
        }
        if (ti.dtype == DType::BOOL) {
            out = out.ne(0);
        }
        if (target != out.scalar_type() || device != out.device()) {
            out = out.to(device, target);
        }
        return out;
    } catch (const c10::Error& e) {
        fail_tensor(impl_->path, name,
                    std::string("cannot make a ") + c10::toString(target) + " tensor on " +
                        device.str() + ": " + e.what_without_backtrace());
    }
}

}  // namespace segllm::weights
