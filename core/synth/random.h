#pragma once
// The shapes world's own random source: xoshiro256** seeded through splitmix64, with
// distributions written here (the std:: distributions differ between standard libraries), so a
// seed gives the same numbers on every IEEE-754 platform. Floating-point results use only
// +, -, *, /, sqrt and frexp, which IEEE-754 rounds exactly.

#include <cstdint>
#include <vector>

namespace segllm::synth {

// One splitmix64 step: advances `state` and returns the next output.
std::uint64_t splitmix64(std::uint64_t& state);

// A seed for sub-stream `stream` of `seed` (e.g. conversation i of a benchmark).
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream);

// Natural logarithm of x > 0 from basic IEEE operations only (relative error below 1e-15);
// returns -infinity for 0 and NaN for negative or NaN input.
double portable_log(double x);

class Rng {
public:
    // The four state words are four splitmix64 outputs of `seed`.
    explicit Rng(std::uint64_t seed);
    // A generator with the given state words (not all zero); for tests against published values.
    static Rng from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3);

    // Next raw 64-bit output (xoshiro256**).
    std::uint64_t next();
    // Uniform in [0, n) without modulo bias; n must be > 0 (returns 0 for n == 0).
    std::uint64_t below(std::uint64_t n);
    // Uniform integer in [lo, hi] (inclusive); returns lo when hi <= lo.
    int uniform_int(int lo, int hi);
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi);
    // True with probability p.
    bool bernoulli(double p);
    // Standard normal (Marsaglia's polar method; the second value of a pair is kept).
    double normal();
    // Uniformly chosen element of a non-empty vector.
    template <class T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(below(items.size()))];
    }

private:
    std::uint64_t s_[4];
    bool has_spare_ = false;
    double spare_ = 0.0;
};

}  // namespace segllm::synth
