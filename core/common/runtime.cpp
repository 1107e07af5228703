#include "core/common/runtime.h"

#include <ATen/Parallel.h>

#include <thread>

namespace segllm {

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

int init_torch_threads(int threads) {
    const int wanted = threads > 0 ? threads : hardware_threads();
    at::set_num_threads(wanted);
    return at::get_num_threads();
}

}  // namespace segllm
