#pragma once
// Byte helpers for the weights tests: safetensors files are crafted here by hand.

#include "core/common/error.h"

#include <QString>

#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>

namespace segllm::weights::test {

// 8 bytes, little-endian.
inline std::string le64(std::uint64_t value) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) {
        out[static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xffu);
    }
    return out;
}

// Bytes from hex text such as "00 00 80 3f".
inline std::string hex(const std::string& text) {
    std::string out;
    std::string digits;
    for (char c : text) {
        if (c == ' ') {
            continue;
        }
        digits += c;
        if (digits.size() == 2) {
            out += static_cast<char>(std::stoi(digits, nullptr, 16));
            digits.clear();
        }
    }
    return out;
}

// Header JSON padded with spaces to a multiple of 8 bytes.
inline std::string padded(std::string header) {
    while (header.size() % 8 != 0) {
        header += ' ';
    }
    return header;
}

// A whole file: length prefix, header as given (no padding added), data.
inline std::string file_bytes(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The message of the segllm::Error that `f` throws; "" when it throws nothing, and a message
// starting with "WRONG EXCEPTION" for any other exception type.
template <typename F>
QString error_of(F&& f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return QStringLiteral("WRONG EXCEPTION: ") + QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace segllm::weights::test
