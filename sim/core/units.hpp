// Strong unit types used everywhere in rocesim.
//
// Units and equations:
//   Time  : signed 64-bit integer picoseconds (ps). 1 s = 1e12 ps; range ±106 days.
//   Bytes : signed 64-bit integer bytes.
//   Rate  : unsigned 64-bit integer bits per second (bit/s).
//   serialization_time(n, r) = ceil(8·n·1e12 / r) ps, computed exactly in 128-bit integers,
//   so 1 byte at 400 Gb/s is exactly 20 ps and 56 Gb/s (142.857… ps/B) never truncates.
//
// Parsers accept the strings used in every config file:
//   rate  : "400Gbps", "100G", "25Gb/s", "1.6Tbps", "800Mbps", "56e9bps", "10bps"
//   time  : "1us", "500ns", "2ms", "1s", "250ps", "0.5us", "0"
//   bytes : "32MiB", "4KB", "4000B", "4000", "1.5GiB" (KB/MB/GB decimal, KiB/MiB/GiB binary)
// They throw UnitError (with what was expected) on malformed, negative or overflowing input.
// Thread safety: plain values, no shared state.
#pragma once

#include <compare>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rocesim {

class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Time {
  std::int64_t ps = 0;

  static constexpr Time zero() { return Time{0}; }
  static constexpr Time max() { return Time{INT64_MAX}; }
  static constexpr Time from_ps(std::int64_t v) { return Time{v}; }
  static constexpr Time from_ns(std::int64_t v) { return Time{v * 1000}; }
  static constexpr Time from_us(std::int64_t v) { return Time{v * 1000000}; }
  static constexpr Time from_ms(std::int64_t v) { return Time{v * 1000000000}; }
  // Rounds to the nearest picosecond; for report inputs and tests, not hot paths.
  static Time from_seconds(double s);

  constexpr double seconds() const { return static_cast<double>(ps) * 1e-12; }
  constexpr double us() const { return static_cast<double>(ps) * 1e-6; }
  constexpr double ns() const { return static_cast<double>(ps) * 1e-3; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Time o) const { return Time{ps + o.ps}; }
  constexpr Time operator-(Time o) const { return Time{ps - o.ps}; }
  constexpr Time& operator+=(Time o) { ps += o.ps; return *this; }
  constexpr Time& operator-=(Time o) { ps -= o.ps; return *this; }
  constexpr Time operator*(std::int64_t k) const { return Time{ps * k}; }
  // this + d clamped to [min, max] instead of wrapping: for limits and horizons, where an
  // overflowed sum would move a clock backwards.
  constexpr Time saturating_add(Time d) const {
    std::int64_t r = 0;
    if (__builtin_add_overflow(ps, d.ps, &r)) return d.ps > 0 ? max() : Time{INT64_MIN};
    return Time{r};
  }
};

struct Bytes {
  std::int64_t n = 0;

  constexpr auto operator<=>(const Bytes&) const = default;
  constexpr Bytes operator+(Bytes o) const { return Bytes{n + o.n}; }
  constexpr Bytes operator-(Bytes o) const { return Bytes{n - o.n}; }
  constexpr Bytes& operator+=(Bytes o) { n += o.n; return *this; }
  constexpr Bytes& operator-=(Bytes o) { n -= o.n; return *this; }
  constexpr Bytes operator*(std::int64_t k) const { return Bytes{n * k}; }
};

struct Rate {
  std::uint64_t bps = 0;

  static constexpr Rate gbps(std::uint64_t g) { return Rate{g * 1000000000ULL}; }
  static constexpr Rate mbps(std::uint64_t m) { return Rate{m * 1000000ULL}; }
  constexpr double gbps_value() const { return static_cast<double>(bps) * 1e-9; }
  constexpr double bytes_per_second() const { return static_cast<double>(bps) / 8.0; }

  constexpr auto operator<=>(const Rate&) const = default;
};

// ceil(8·bytes·1e12 / rate) ps in 128 bits (8·(2^63−1)·1e12 < 2^127), or false when the result
// exceeds Time::max() (e.g. 2^63−1 B at 400 Gb/s is 1.8e20 ps). REQUIRES: rate.bps > 0, bytes.n >= 0.
constexpr bool try_serialization_time(Bytes bytes, Rate rate, Time& out) {
  const unsigned __int128 num = static_cast<unsigned __int128>(bytes.n) * 8u * 1000000000000ULL;
  const unsigned __int128 q = (num + rate.bps - 1) / rate.bps;
  if (q > static_cast<unsigned __int128>(INT64_MAX)) return false;
  out = Time{static_cast<std::int64_t>(q)};
  return true;
}

// As above; throws UnitError instead of wrapping when the time is not representable. Inputs are
// validated against kRunHorizon first, so a throw here is a validation gap, not user error.
constexpr Time serialization_time(Bytes bytes, Rate rate) {
  Time t{};
  if (!try_serialization_time(bytes, rate, t)) {
    throw UnitError("serialization time of " + std::to_string(bytes.n) + " B at " + std::to_string(rate.bps) +
                    " bit/s exceeds the 64-bit picosecond clock");
  }
  return t;
}

// The longest simulated time an input may ask for (Time::max()/4 ≈ 2.3e18 ps ≈ 26.7 days), so
// sums of a few such spans (a start plus a duration plus a lag) never wrap the int64 clock.
// Validation rejects a transfer whose serialization at the slowest NIC, or a delay, exceeds it.
inline constexpr Time kRunHorizon{INT64_MAX / 4};

// Bytes a link of `rate` moves in `t` (floor). REQUIRES: t.ps >= 0.
constexpr Bytes bytes_in(Time t, Rate rate) {
  const unsigned __int128 num = static_cast<unsigned __int128>(t.ps) * rate.bps;
  return Bytes{static_cast<std::int64_t>(num / (8u * 1000000000000ULL))};
}

Rate parse_rate(std::string_view s);
Time parse_time(std::string_view s);
Bytes parse_bytes(std::string_view s);

// Canonical strings that parse back to the same value ("400Gbps", "1us", "4000B").
std::string to_string(Rate r);
std::string to_string(Time t);
std::string to_string(Bytes b);

}  // namespace rocesim
