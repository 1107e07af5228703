#pragma once
// Process-wide LibTorch set-up. Call once at start-up of every program.

namespace segllm {

// Sets LibTorch's intra-op thread count. threads <= 0 means the number of hardware threads
// (Debian's LibTorch defaults to 1). Returns the count now in force.
int init_torch_threads(int threads = 0);

// Number of hardware threads the machine reports (at least 1).
int hardware_threads();

}  // namespace segllm
