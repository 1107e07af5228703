#pragma once
// Test helper: masks written as rows of '.' (0) and '#' (1).

#include "core/image/mask.h"

#include <string>
#include <vector>

namespace segllm::test {

inline Mask mask_from_rows(const std::vector<std::string>& rows) {
    Mask m(rows.empty() ? 0 : static_cast<int>(rows[0].size()), static_cast<int>(rows.size()));
    for (int y = 0; y < m.height; ++y) {
        for (int x = 0; x < m.width; ++x) {
            m.at(x, y) = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#';
        }
    }
    return m;
}

// Deterministic pseudo-random generator (no dependence on the standard library's engines).
struct Lcg {
    unsigned long long state;
    explicit Lcg(unsigned long long seed) : state(seed) {}
    unsigned next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<unsigned>(state >> 33);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<unsigned>(n)); }
};

}  // namespace segllm::test
