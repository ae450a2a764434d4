#include "core/units.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace rocesim {
namespace {

struct Split {
  long double value;
  std::string_view unit;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string example_of(const char* what) {
  const std::string w(what);
  return w == "rate" ? "\"400Gbps\"" : w == "time" ? "\"1us\"" : "\"32MiB\"";
}

// Splits "12.5Gbps" into 12.5 and "Gbps". The number must match, completely,
//   digits [ "." digits* ] | "." digits      then optionally   ("e"|"E") ["+"|"-"] digits
// so "1..5", "1.2.3", "1e+" and "1e-" are errors, not a prefix silently read as a number.
Split split_number(std::string_view s, const char* what) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  const auto malformed = [&](const std::string& why) {
    return UnitError("malformed " + std::string(what) + " \"" + std::string(s) + "\": " + why + " (expected e.g. " +
                     example_of(what) + ")");
  };
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) {
    throw UnitError("expected a non-negative " + std::string(what) + " such as " + example_of(what) + ", got \"" +
                    std::string(s) + "\"");
  }
  if (i < s.size() && s[i] == '.') throw malformed("more than one decimal point");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) throw malformed("the exponent has no digits");
  }
  const std::string num(s.substr(0, i));
  long double v = 0;
  try {
    std::size_t used = 0;
    v = std::stold(num, &used);
    if (used != num.size()) throw malformed("not a number");
  } catch (const std::logic_error&) {  // invalid_argument or out_of_range
    throw UnitError(std::string(what) + " \"" + std::string(s) + "\" is out of range");
  }
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return {v, unit};
}

template <std::size_t N>
long double find_scale(const std::array<std::pair<std::string_view, long double>, N>& table,
                       std::string_view unit, std::string_view original, const char* what,
                       const char* accepted) {
  for (const auto& [name, scale] : table) {
    if (unit == name) return scale;
  }
  throw UnitError("unknown " + std::string(what) + " unit \"" + std::string(unit) + "\" in \"" +
                  std::string(original) + "\" (expected one of " + accepted + ")");
}

std::int64_t checked_round(long double v, std::string_view original, const char* what) {
  if (!(v >= 0) || v > 9.2e18L) {
    throw UnitError(std::string(what) + " \"" + std::string(original) + "\" is out of range");
  }
  return static_cast<std::int64_t>(std::llround(v));
}

}  // namespace

Time Time::from_seconds(double s) { return Time{static_cast<std::int64_t>(std::llround(s * 1e12))}; }

Rate parse_rate(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, long double>, 20> kTable{{
      {"bps", 1.0L},   {"b/s", 1.0L},   {"Kbps", 1e3L},  {"Kb/s", 1e3L},  {"K", 1e3L},
      {"Mbps", 1e6L},  {"Mb/s", 1e6L},  {"M", 1e6L},     {"Gbps", 1e9L},  {"Gb/s", 1e9L},
      {"G", 1e9L},     {"Tbps", 1e12L}, {"Tb/s", 1e12L}, {"T", 1e12L},    {"kbps", 1e3L},
      {"kb/s", 1e3L},  {"k", 1e3L},     {"gbps", 1e9L},  {"mbps", 1e6L},  {"tbps", 1e12L},
  }};
  const Split sp = split_number(s, "rate");
  const long double scale =
      find_scale(kTable, sp.unit, s, "rate", "bps, Kbps, Mbps, Gbps, Tbps, K, M, G, T");
  const std::int64_t v = checked_round(sp.value * scale, s, "rate");
  if (v <= 0) throw UnitError("rate \"" + std::string(s) + "\" must be greater than zero");
  return Rate{static_cast<std::uint64_t>(v)};
}

Time parse_time(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, long double>, 7> kTable{{
      {"ps", 1.0L}, {"ns", 1e3L}, {"us", 1e6L}, {"µs", 1e6L}, {"ms", 1e9L}, {"s", 1e12L}, {"", -1.0L},
  }};
  const Split sp = split_number(s, "time");
  long double scale = find_scale(kTable, sp.unit, s, "time", "ps, ns, us, ms, s");
  if (scale < 0) {
    if (sp.value != 0) {
      throw UnitError("time \"" + std::string(s) + "\" needs a unit (ps, ns, us, ms, s)");
    }
    scale = 1;
  }
  return Time{checked_round(sp.value * scale, s, "time")};
}

Bytes parse_bytes(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, long double>, 12> kTable{{
      {"", 1.0L},
      {"B", 1.0L},
      {"KB", 1e3L},
      {"MB", 1e6L},
      {"GB", 1e9L},
      {"TB", 1e12L},
      {"KiB", 1024.0L},
      {"MiB", 1048576.0L},
      {"GiB", 1073741824.0L},
      {"TiB", 1099511627776.0L},
      {"kB", 1e3L},
      {"kiB", 1024.0L},
  }};
  const Split sp = split_number(s, "size");
  const long double scale = find_scale(kTable, sp.unit, s, "size", "B, KB, MB, GB, KiB, MiB, GiB");
  const long double v = sp.value * scale;
  // A byte count is whole: "1.5B" or "0.1KiB" (102.4 B) is an error, "0.5KiB" (512 B) is not. The
  // tolerance absorbs the decimal→binary rounding of the mantissa (≤ 1e-15 relative).
  const long double frac = std::fabs(v - std::roundl(v));
  if (frac > std::max(1e-6L, v * 1e-15L)) {
    throw UnitError("size \"" + std::string(s) + "\" is not a whole number of bytes");
  }
  return Bytes{checked_round(v, s, "size")};
}

std::string to_string(Rate r) {
  struct U {
    std::uint64_t scale;
    const char* name;
  };
  static constexpr std::array<U, 4> kUnits{{{1000000000000ULL, "Tbps"},
                                            {1000000000ULL, "Gbps"},
                                            {1000000ULL, "Mbps"},
                                            {1000ULL, "Kbps"}}};
  for (const U& u : kUnits) {
    if (r.bps >= u.scale && r.bps % u.scale == 0) return std::to_string(r.bps / u.scale) + u.name;
  }
  return std::to_string(r.bps) + "bps";
}

std::string to_string(Time t) {
  struct U {
    std::int64_t scale;
    const char* name;
  };
  static constexpr std::array<U, 4> kUnits{
      {{1000000000000LL, "s"}, {1000000000LL, "ms"}, {1000000LL, "us"}, {1000LL, "ns"}}};
  if (t.ps == 0) return "0ns";
  for (const U& u : kUnits) {
    if (t.ps % u.scale == 0) return std::to_string(t.ps / u.scale) + u.name;
  }
  return std::to_string(t.ps) + "ps";
}

std::string to_string(Bytes b) {
  struct U {
    std::int64_t scale;
    const char* name;
  };
  static constexpr std::array<U, 6> kUnits{{{1LL << 30, "GiB"},
                                            {1LL << 20, "MiB"},
                                            {1000000000LL, "GB"},
                                            {1000000LL, "MB"},
                                            {1LL << 10, "KiB"},
                                            {1000LL, "KB"}}};
  if (b.n == 0) return "0B";
  for (const U& u : kUnits) {
    if (b.n % u.scale == 0) return std::to_string(b.n / u.scale) + u.name;
  }
  return std::to_string(b.n) + "B";
}

}  // namespace rocesim
