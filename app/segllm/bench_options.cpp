#include "app/segllm/bench_options.h"

#include "core/common/error.h"
#include "core/synth/conversation.h"
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

synth::BenchmarkOptions read_benchmark_options(const Args& args, const std::string& count_option,
                                               const std::string& min_option,
                                               const std::string& max_option) {
    synth::BenchmarkOptions options;
    const long long count = args.integer(count_option);
    if (count < 1 || count > 1000000) {
        throw Error("option '--" + count_option + "' expects 1..1000000, got " +
                    std::to_string(count));
    }
    options.count = static_cast<int>(count);
    const long long seed = args.integer("seed");
    if (seed < 0) {
        throw Error("option '--seed' expects a non-negative integer, got " + std::to_string(seed));
    }
    options.seed = static_cast<std::uint64_t>(seed);
    const long long min_rounds = args.integer(min_option);
    const long long max_rounds = args.integer(max_option);
    if (min_rounds < 1 || max_rounds > synth::kMaxRounds || min_rounds > max_rounds) {
        throw Error("rounds must satisfy 1 <= --" + min_option + " <= --" + max_option +
                    " <= " + std::to_string(synth::kMaxRounds) + ", got " +
                    std::to_string(min_rounds) + " and " + std::to_string(max_rounds));
    }
    options.rounds.min_rounds = static_cast<int>(min_rounds);
    options.rounds.max_rounds = static_cast<int>(max_rounds);
    parse_benchmark_size(args.value("size"), options);
    return options;
}

}  // namespace segllm::cli
