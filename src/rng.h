// Deterministic random numbers. Every random choice in the engine (weight
// init, shuffling, dropout, augmentation) draws from an Rng derived from the
// one user seed, so a run is reproducible bit for bit on the same build.
// We avoid <random> distributions because their output differs between
// standard libraries (libstdc++ natively, libc++ under Emscripten).
#pragma once
#include <cmath>
#include <cstdint>

namespace cnn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    // splitmix64 spreads any seed (0 included) over the xoshiro state.
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
    has_spare_ = false;
  }

  // A child stream for one purpose ("init", "shuffle"...): independent of the
  // parent's later draws, so adding dropout does not change the weight init.
  Rng fork(std::uint64_t purpose) const { return Rng(s_[0] ^ (purpose * 0xD1B54A32D192ED03ull)); }

  std::uint64_t next_u64() {  // xoshiro256**
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 24 random bits: exact in float.
  float uniform() { return float(next_u64() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint32_t below(std::uint32_t n) { return std::uint32_t((next_u64() >> 32) * n >> 32); }

  // Standard normal by Box-Muller (deterministic, libm only).
  float normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = (double(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = double(next_u64() >> 11) * (1.0 / 9007199254740992.0);
    double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = float(r * std::sin(6.283185307179586 * u2));
    has_spare_ = true;
    return float(r * std::cos(6.283185307179586 * u2));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  float spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace cnn
