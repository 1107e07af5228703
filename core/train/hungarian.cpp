#include "core/train/hungarian.h"

#include "core/common/error.h"

#include <cmath>
#include <limits>
#include <string>

namespace segllm::train {

namespace {

// n <= m. a[(i) * m + j], 0-based. Returns the column of each row.
std::vector<int> solve(const std::vector<double>& a, int n, int m) {
    const double inf = std::numeric_limits<double>::infinity();
    // 1-based arrays: u row potentials, v column potentials, p[j] = row matched to column j
    // (0 = none), way[j] = previous column on the shortest path.
    std::vector<double> u(static_cast<size_t>(n) + 1, 0.0), v(static_cast<size_t>(m) + 1, 0.0);
    std::vector<int> p(static_cast<size_t>(m) + 1, 0), way(static_cast<size_t>(m) + 1, 0);
    for (int i = 1; i <= n; ++i) {
        // Grow a shortest augmenting path from row i (placed on the virtual column 0).
        p[0] = i;
        int j0 = 0;
        std::vector<double> minv(static_cast<size_t>(m) + 1, inf);
        std::vector<char> used(static_cast<size_t>(m) + 1, 0);
        do {
            used[static_cast<size_t>(j0)] = 1;
            const int i0 = p[static_cast<size_t>(j0)];
            double delta = inf;
            int j1 = 0;
            for (int j = 1; j <= m; ++j) {
                if (used[static_cast<size_t>(j)]) {
                    continue;
                }
                const double cur = a[static_cast<size_t>(i0 - 1) * m + (j - 1)] -
                                   u[static_cast<size_t>(i0)] - v[static_cast<size_t>(j)];
                if (cur < minv[static_cast<size_t>(j)]) {
                    minv[static_cast<size_t>(j)] = cur;
                    way[static_cast<size_t>(j)] = j0;
                }
                if (minv[static_cast<size_t>(j)] < delta) {
                    delta = minv[static_cast<size_t>(j)];
                    j1 = j;
                }
            }
            // Keep reduced costs non-negative on the tree, lower them elsewhere.
            for (int j = 0; j <= m; ++j) {
                if (used[static_cast<size_t>(j)]) {
                    u[static_cast<size_t>(p[static_cast<size_t>(j)])] += delta;
                    v[static_cast<size_t>(j)] -= delta;
                } else {
                    minv[static_cast<size_t>(j)] -= delta;
                }
            }
            j0 = j1;
        } while (p[static_cast<size_t>(j0)] != 0);
        // Flip the path.
        do {
            const int j1 = way[static_cast<size_t>(j0)];
            p[static_cast<size_t>(j0)] = p[static_cast<size_t>(j1)];
            j0 = j1;
        } while (j0 != 0);
    }
    std::vector<int> column(static_cast<size_t>(n), -1);
    for (int j = 1; j <= m; ++j) {
        if (p[static_cast<size_t>(j)] != 0) {
            column[static_cast<size_t>(p[static_cast<size_t>(j)] - 1)] = j - 1;
        }
    }
    return column;
}

}  // namespace

std::vector<int> hungarian_assignment(const std::vector<double>& cost, int rows, int cols) {
    if (rows < 0 || cols < 0 ||
        cost.size() != static_cast<size_t>(rows) * static_cast<size_t>(cols)) {
        throw Error("hungarian_assignment: a " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " matrix needs that many values, got " +
                    std::to_string(cost.size()));
    }
    for (size_t k = 0; k < cost.size(); ++k) {
        if (!std::isfinite(cost[k])) {
            throw Error("hungarian_assignment: cost of row " + std::to_string(k / cols) +
                        ", column " + std::to_string(k % cols) + " is not finite");
        }
    }
    if (rows == 0 || cols == 0) {
        return std::vector<int>(static_cast<size_t>(rows), -1);
    }
    if (rows <= cols) {
        return solve(cost, rows, cols);
    }
    std::vector<double> t(cost.size());
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            t[static_cast<size_t>(c) * rows + r] = cost[static_cast<size_t>(r) * cols + c];
        }
    }
    const std::vector<int> row_of_col = solve(t, cols, rows);
    std::vector<int> column(static_cast<size_t>(rows), -1);
    for (int c = 0; c < cols; ++c) {
        column[static_cast<size_t>(row_of_col[static_cast<size_t>(c)])] = c;
    }
    return column;
}

}  // namespace segllm::train
