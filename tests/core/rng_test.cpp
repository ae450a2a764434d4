#include <doctest/doctest.h>

#include <vector>

#include "core/rng.hpp"

using namespace rocesim;

TEST_CASE("streams are deterministic and independent per (seed, id)") {
  Rng a(derive_seed(1, "ecmp", 5)), b(derive_seed(1, "ecmp", 5));
  for (int i = 0; i < 100; ++i) CHECK(a.next() == b.next());
  CHECK(derive_seed(1, "ecmp", 5) != derive_seed(1, "ecmp", 6));
  CHECK(derive_seed(1, "ecmp", 5) != derive_seed(2, "ecmp", 5));
  CHECK(derive_seed(1, "ecmp", 5) != derive_seed(1, "placement", 5));
}

TEST_CASE("below(n) is uniform: chi-square over 10 bins") {
  // 100000 draws in 10 bins: expected 10000 each; chi-square with 9 dof stays below 27.9 (p = 0.001).
  Rng r(7);
  std::vector<int> bins(10, 0);
  for (int i = 0; i < 100000; ++i) ++bins[r.below(10)];
  double chi = 0;
  for (int c : bins) chi += (c - 10000.0) * (c - 10000.0) / 10000.0;
  CHECK(chi < 27.9);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += r.uniform01();
  CHECK(sum / 100000 == doctest::Approx(0.5).epsilon(0.01));
}
