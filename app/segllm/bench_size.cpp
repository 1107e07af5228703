#include "app/segllm/bench_size.h"

#include "core/common/error.h"
#include "core/synth/scene.h"

#include <cstdlib>

namespace segllm::cli {

void parse_benchmark_size(const std::string& text, synth::BenchmarkOptions& options) {
    if (text == "mixed") {
        options.mixed_size = true;
        return;
    }
    const std::size_t x = text.find('x');
    const std::string w = text.substr(0, x);
    const std::string h = x == std::string::npos ? w : text.substr(x + 1);
    auto side = [&](const std::string& s) {
        char* end = nullptr;
        const long v = std::strtol(s.c_str(), &end, 10);
        if (s.empty() || end == nullptr || *end != '\0' || v < synth::kMinImageSide ||
            v > synth::kMaxImageSide) {
            throw Error("option '--size' expects WxH with sides in " +
                        std::to_string(synth::kMinImageSide) + ".." +
                        std::to_string(synth::kMaxImageSide) + " or 'mixed', got '" + text + "'");
        }
        return static_cast<int>(v);
    };
    options.size.width = side(w);
    options.size.height = side(h);
}

}  // namespace segllm::cli
