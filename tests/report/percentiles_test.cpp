// Nearest-rank percentiles on hand-checked samples.
#include <doctest/doctest.h>

#include <vector>

#include "report/percentiles.hpp"

using rocesim::report::nearest_rank;
using rocesim::report::summarize_sample;

TEST_CASE("nearest rank: P_q = x_k with k = max(1, ceil(q/100 * n))") {
  const std::vector<double> four{1, 2, 3, 4};
  CHECK(nearest_rank(four, 0) == 1);    // k = max(1, 0) = 1
  CHECK(nearest_rank(four, 25) == 1);   // k = ceil(1.0) = 1
  CHECK(nearest_rank(four, 26) == 2);   // k = ceil(1.04) = 2
  CHECK(nearest_rank(four, 50) == 2);   // k = 2 (no interpolation: not 2.5)
  CHECK(nearest_rank(four, 75) == 3);
  CHECK(nearest_rank(four, 99) == 4);   // k = ceil(3.96) = 4
  CHECK(nearest_rank(four, 100) == 4);
  // q·n exactly integral in decimal but not in binary (0.9 · 10 = 9): the 9th value, not the 10th.
  std::vector<double> ten;
  for (int i = 1; i <= 10; ++i) ten.push_back(i * 10.0);
  CHECK(nearest_rank(ten, 90) == 90.0);
  CHECK(nearest_rank(ten, 91) == 100.0);
}

TEST_CASE("summarize_sample over 1..100 shuffled: mean 50.5, p50 50, p90 90, p99 99, max 100") {
  std::vector<double> v;
  for (int i = 0; i < 100; ++i) v.push_back(static_cast<double>((i * 37) % 100 + 1));  // 37 is coprime to 100
  const auto s = summarize_sample(v);
  CHECK(s.count == 100);
  CHECK(s.mean == doctest::Approx(50.5));  // (1 + 100) / 2
  CHECK(s.p50 == 50);
  CHECK(s.p90 == 90);
  CHECK(s.p99 == 99);
  CHECK(s.max == 100);
  std::vector<double> empty;
  CHECK(summarize_sample(empty).count == 0);
}
