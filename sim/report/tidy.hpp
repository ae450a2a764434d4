// tidy(): the one rounding rule of report numbers, so summaries carry no floating-point noise and
// stay byte-identical across runs and compilers: round to 6 significant digits (%.6g).
#pragma once

#include <cstdio>
#include <cstdlib>

namespace rocesim::report {

inline double tidy(double x) {
  if (x == 0.0) return 0.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return std::strtod(buf, nullptr);
}

}  // namespace rocesim::report
