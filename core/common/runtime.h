#pragma once
// Process-wide LibTorch set-up. Call once at start-up of every program.

namespace segllm {

// Sets LibTorch's intra-op thread count. threads <= 0 means the number of hardware threads
// (Debian's LibTorch defaults to 1). Returns the count now in force.
int init_torch_threads(int threads = 0);

// Number of hardware threads the machine reports (at least 1).
int hardware_threads();

// Intra-op threads for the interactive programs (segllm-studio, segllm): the environment
// variable SEGLLM_THREADS when set, else 1. One thread is the fastest for the shipped tiny model
// (measured: 8-12 ms per round with 1 thread against 57 ms to 3 s with 2 OpenMP threads on a
// busy 2-core machine, where the threads spin at barriers); a full-size model on the CPU wants
// more (SEGLLM_THREADS=0: every hardware thread). Throws segllm::Error naming the value when
// SEGLLM_THREADS is not a non-negative integer.
int default_inference_threads();

}  // namespace segllm
