// Order statistics for reports: nearest-rank percentiles and the summary of a sample.
//
// Definition (nearest rank, as in NIST / Hyndman–Fan type 1 without interpolation): for a sample
// of n values sorted ascending x_1 ≤ … ≤ x_n and q in [0, 100],
//   P_q = x_k  with  k = max(1, ⌈q/100 · n⌉).
// So P_50 of {1, 2, 3, 4} is 2, P_99 of 100 values is the 99th smallest, P_100 is the maximum, and
// every percentile is a value that occurred (no interpolation noise in reports).
// Units: whatever the caller's values carry. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace rocesim::report {

// REQUIRES: `sorted` ascending and non-empty; 0 <= q <= 100.
double nearest_rank(std::span<const double> sorted, double q);

struct SampleSummary {
  std::size_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;  // all 0 for an empty sample
};

// Sorts `values` in place and summarizes them (mean = Σx / n).
SampleSummary summarize_sample(std::vector<double>& values);

}  // namespace rocesim::report
