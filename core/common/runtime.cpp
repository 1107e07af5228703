#include "core/common/runtime.h"

#include "core/common/error.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <string>
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

int default_inference_threads() {
    const char* env = std::getenv("SEGLLM_THREADS");
    if (env == nullptr || *env == '\0') {
        return 1;
    }
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end != '\0' || v < 0 || v > 4096) {
        throw Error(std::string("SEGLLM_THREADS must be a thread count (0: every hardware thread), "
                                "got '") +
                    env + "'");
    }
    return v == 0 ? hardware_threads() : static_cast<int>(v);
}

}  // namespace segllm
