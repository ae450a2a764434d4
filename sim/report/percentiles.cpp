#include "report/percentiles.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rocesim::report {

double nearest_rank(std::span<const double> sorted, double q) {
  if (sorted.empty()) throw std::logic_error("nearest_rank: empty sample");
  const double n = static_cast<double>(sorted.size());
  // The small epsilon keeps q·n that is an exact integer in decimal (e.g. 0.9 · 10) from rounding
  // up to the next rank through binary floating point.
  auto k = static_cast<std::size_t>(std::ceil(q / 100.0 * n - 1e-9));
  k = std::clamp<std::size_t>(k, 1, sorted.size());
  return sorted[k - 1];
}

SampleSummary summarize_sample(std::vector<double>& values) {
  SampleSummary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  s.count = values.size();
  s.mean = sum / static_cast<double>(values.size());
  s.p50 = nearest_rank(values, 50);
  s.p90 = nearest_rank(values, 90);
  s.p99 = nearest_rank(values, 99);
  s.max = values.back();
  return s;
}

}  // namespace rocesim::report
