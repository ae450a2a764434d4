// Range-checked JSON accessors shared by the CC parameter readers. JsonReader's number ranges are
// closed; CC gains need open or half-open intervals and timers must be strictly positive. Each
// throws ConfigError naming the file and the JSON path of the key.
#pragma once

#include <sstream>
#include <string>

#include "core/json_reader.hpp"

namespace rocesim::cc {

namespace detail {
inline std::string number_text(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}
}  // namespace detail

// x in (0, 1).
inline double open_unit_interval(JsonReader& r, std::string_view key, double fallback) {
  if (!r.has(key)) return fallback;
  const double x = r.number(key, -1e300, 1e300);
  if (!(x > 0.0 && x < 1.0)) r.fail(key, "must be in (0, 1), got " + detail::number_text(x));
  return x;
}

// x in (0, 1].
inline double half_open_unit_interval(JsonReader& r, std::string_view key, double fallback) {
  if (!r.has(key)) return fallback;
  const double x = r.number(key, -1e300, 1e300);
  if (!(x > 0.0 && x <= 1.0)) r.fail(key, "must be in (0, 1], got " + detail::number_text(x));
  return x;
}

// x > 0 and finite, at most `max`.
inline double positive_number(JsonReader& r, std::string_view key, double fallback, double max = 1e300) {
  if (!r.has(key)) return fallback;
  const double x = r.number(key, -1e300, 1e300);
  if (!(x > 0.0 && x <= max)) r.fail(key, "must be in (0, " + detail::number_text(max) + "], got " + detail::number_text(x));
  return x;
}

inline Time positive_time(JsonReader& r, std::string_view key, Time fallback) {
  if (!r.has(key)) return fallback;
  const Time t = r.time(key);
  if (t.ps <= 0) r.fail(key, "must be a positive time, got " + to_string(t));
  return t;
}

inline Rate positive_rate(JsonReader& r, std::string_view key, Rate fallback) {
  if (!r.has(key)) return fallback;
  const Rate x = r.rate(key);
  if (x.bps == 0) r.fail(key, "must be a positive rate");
  return x;
}

// A rate, or "auto" (returned as 0): the caller derives it from the QP's line rate.
inline Rate rate_or_auto(JsonReader& r, std::string_view key, Rate fallback) {
  if (!r.has(key)) return fallback;
  const nlohmann::json& v = r.raw(key);
  if (!v.is_string()) r.fail(key, "expected \"auto\" or a rate such as \"50Mbps\"");
  if (v.get<std::string>() == "auto") return Rate{};
  try {
    return parse_rate(v.get<std::string>());
  } catch (const UnitError& e) {
    r.fail(key, std::string("expected \"auto\" or a rate: ") + e.what());
  }
}

inline nlohmann::json rate_or_auto_json(Rate x) { return x.bps == 0 ? nlohmann::json("auto") : nlohmann::json(to_string(x)); }

}  // namespace rocesim::cc
