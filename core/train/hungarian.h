#pragma once
// Minimum-cost one-to-one assignment (the Hungarian method in the O(n^2 m) shortest augmenting
// path form of Jonker-Volgenant with row potentials), written for the HIPIE matcher. Plain C++.

#include <vector>

namespace segllm::train {

// `cost` is a rows x cols matrix, row-major (cost[r * cols + c]), finite values. Every row is
// assigned to a distinct column when rows <= cols (otherwise the matrix is transposed
// internally and every column is used once). Returns, per row, its column or -1 for a row left
// unassigned (only when rows > cols). The total cost of the assignment is minimal. Throws
// segllm::Error when cost.size() != rows * cols, a size is negative or a value is not finite.
std::vector<int> hungarian_assignment(const std::vector<double>& cost, int rows, int cols);

}  // namespace segllm::train
