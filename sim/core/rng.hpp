// Deterministic random streams.
//
// One master seed per run; every component derives its own stream from (seed, stable id) with
// derive_seed, so adding a component or changing event order elsewhere never shifts another
// component's numbers. Generator: xoshiro256** (Blackman & Vigna), state seeded by splitmix64.
// uniform01() = (next() >> 11) · 2^-53, in [0, 1). below(n) uses Lemire's multiply-shift with
// rejection, so it is exactly uniform on [0, n).
// Thread safety: a stream is a value; give each thread its own.
#pragma once

#include <cstdint>
#include <string_view>

namespace rocesim {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// 64-bit FNV-1a of `bytes` (offset basis 0xCBF29CE484222325, prime 0x100000001B3), continuing
// from `h` so a long input can be hashed in pieces.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xCBF29CE484222325ULL) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Seed for the component with numeric id `id` (e.g. a switch index) in the family `domain`
// (e.g. "ecmp"): stable across runs and platforms.
constexpr std::uint64_t derive_seed(std::uint64_t master, std::string_view domain, std::uint64_t id = 0) {
  return splitmix64(splitmix64(master ^ fnv1a64(domain)) + id);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& w : s_) {
      x = splitmix64(x);
      w = x;
    }
  }

  std::uint64_t next() {
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

  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n). REQUIRES: n > 0.
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace rocesim
