// Max-min kernel: textbook cases with exact values, then the incremental solver against a full
// re-solve and against an independent naive progressive filling on random instances.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "flow/max_min_solver.hpp"

using namespace rocesim;
using namespace rocesim::flow;

namespace {

std::vector<ConstraintId> ids(std::initializer_list<ConstraintId> l) { return std::vector<ConstraintId>(l); }

// Independent reference: progressive filling by brute force, O(vars · constraints) per level.
// Raise the level t of all unfixed variables; the next event is the smallest of the constraint
// saturation levels (C − Σ fixed a·x)/Σ unfixed a·w and the bounds u/w; fix what it binds.
std::vector<double> naive_max_min(const std::vector<double>& cap, const std::vector<std::vector<ConstraintId>>& var_cons,
                                  const std::vector<std::vector<double>>& coef, const std::vector<double>& w,
                                  const std::vector<double>& bound) {
  const std::size_t n = var_cons.size();
  std::vector<double> x(n, 0.0);
  std::vector<bool> fixed(n, false);
  std::size_t left = n;
  while (left > 0) {
    std::vector<double> fixed_load(cap.size(), 0.0), wsum(cap.size(), 0.0);
    for (std::size_t v = 0; v < n; ++v)
      for (std::size_t i = 0; i < var_cons[v].size(); ++i)
        (fixed[v] ? fixed_load[var_cons[v][i]] += coef[v][i] * x[v] : wsum[var_cons[v][i]] += coef[v][i] * w[v]);
    double t = INFINITY;
    for (std::size_t c = 0; c < cap.size(); ++c)
      if (wsum[c] > 0) t = std::min(t, std::max(0.0, cap[c] - fixed_load[c]) / wsum[c]);
    for (std::size_t v = 0; v < n; ++v)
      if (!fixed[v]) t = std::min(t, bound[v] / w[v]);
    for (std::size_t v = 0; v < n; ++v) {
      if (fixed[v]) continue;
      bool binds = bound[v] / w[v] <= t * (1 + 1e-12);
      for (ConstraintId c : var_cons[v])
        if (wsum[c] > 0 && std::max(0.0, cap[c] - fixed_load[c]) / wsum[c] <= t * (1 + 1e-12)) binds = true;
      if (binds) {
        x[v] = std::min(w[v] * t, bound[v]);
        fixed[v] = true;
        --left;
      }
    }
  }
  return x;
}

// The random instances' constraints: `nics` "NIC" ports of capacity 10–25, then `spines` heavily
// shared "spine" ports of 20–79 (a giant component). Returns the capacities.
std::vector<double> random_constraints(Rng& rng, MaxMinSolver& s, int nics, int spines) {
  std::vector<double> cap;
  for (int i = 0; i < nics + spines; ++i) {
    cap.push_back(i < nics ? 10.0 + static_cast<double>(rng.below(4)) * 5.0 : 20.0 + static_cast<double>(rng.below(60)));
    s.add_constraint(cap.back());
  }
  return cap;
}

// One random batch: finishes, starts (a source NIC, up to two "spine" hops, a destination NIC;
// a third of them sprayed with coefficients in {1, 1/2, 1/3, 1/4}; some with a bound) and
// capacity changes on the first `nics` + `spines` constraints, mirrored in cap/live/live_bound.
void random_batch(Rng& rng, MaxMinSolver& s, int nics, int spines, std::vector<double>& cap, std::vector<VarId>& live,
                  std::vector<double>& live_bound) {
  const int adds = static_cast<int>(rng.below(4)), removes = live.empty() ? 0 : static_cast<int>(rng.below(3));
  for (int r = 0; r < removes && !live.empty(); ++r) {
    const std::size_t k = rng.below(live.size());
    s.remove_variable(live[k]);
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    live_bound.erase(live_bound.begin() + static_cast<std::ptrdiff_t>(k));
  }
  for (int a = 0; a < adds; ++a) {
    std::vector<ConstraintId> path;
    path.push_back(static_cast<ConstraintId>(rng.below(nics)));  // source NIC
    const int hops = static_cast<int>(rng.below(3));
    for (int h = 0; h < hops; ++h) {
      const auto sp = static_cast<ConstraintId>(nics + rng.below(spines));
      if (std::find(path.begin(), path.end(), sp) == path.end()) path.push_back(sp);
    }
    const auto dst = static_cast<ConstraintId>(rng.below(nics));
    if (std::find(path.begin(), path.end(), dst) == path.end()) path.push_back(dst);
    const double w = 1.0 + static_cast<double>(rng.below(3));
    const double bound = rng.below(4) == 0 ? 2.0 + static_cast<double>(rng.below(8)) : kUnbounded;
    std::vector<double> coefs(path.size(), 1.0);
    if (rng.below(3) == 0)
      for (double& a : coefs) a = 1.0 / static_cast<double>(1 + rng.below(4));
    live.push_back(s.add_variable(path, coefs, w, bound));
    live_bound.push_back(bound);
  }
  // Capacity changes (as strict priority passes a higher class's leftovers down): up, down
  // within the load, down below it (members must come down), sometimes to 0.
  const int changes = static_cast<int>(rng.below(3));
  for (int k = 0; k < changes; ++k) {
    const auto c = static_cast<ConstraintId>(rng.below(cap.size()));
    const std::uint64_t kind = rng.below(5);
    const double now = cap[c];
    cap[c] = kind == 0 ? 0.0 : kind == 1 ? now * 0.5 : kind == 2 ? now * 0.9 : now * 1.5 + 1.0;
    s.set_capacity(c, cap[c]);
  }
}

// A random instance (seeded by `seed` and `stream`): the constraints above, the boundary check on
// (it must find nothing the fill's joins left), fairness tolerance `delta`; step() applies one
// random batch and solves.
struct RandomInstance {
  Rng rng;
  MaxMinSolver s;
  int nics = 24, spines = 0;
  std::vector<double> cap;
  std::vector<VarId> live;
  std::vector<double> live_bound;
  RandomInstance(std::uint64_t seed, const char* stream, double delta) : rng(derive_seed(seed, stream)) {
    s.set_verify_boundary(true);
    s.set_fair_tolerance(delta);
    spines = 3 + static_cast<int>(rng.below(4));
    cap = random_constraints(rng, s, nics, spines);
  }
  void step() {
    random_batch(rng, s, nics, spines, cap, live, live_bound);
    s.solve();
  }
};

}  // namespace

TEST_CASE("single bottleneck: equal shares, then a bounded flow leaves its surplus to the others") {
  // One link of 30 shared by 3 unweighted flows: 30/3 = 10 each.
  MaxMinSolver s;
  const ConstraintId l = s.add_constraint(30.0);
  const VarId a = s.add_variable(ids({l}));
  const VarId b = s.add_variable(ids({l}));
  const VarId c = s.add_variable(ids({l}), 1.0, 4.0);  // bound 4 < 10
  s.solve();
  // c is held by its bound at 4; a and b split the remaining 26: 13 each.
  CHECK(s.rate(c) == doctest::Approx(4.0));
  CHECK(s.rate(a) == doctest::Approx(13.0));
  CHECK(s.rate(b) == doctest::Approx(13.0));
  CHECK(s.bottleneck(c) == kBoundBottleneck);
  CHECK(s.bottleneck(a) == l);
  CHECK(s.load(l) == doctest::Approx(30.0));
  // Weights 1:2 on one link of 30 split it 10:20.
  MaxMinSolver w;
  const ConstraintId m = w.add_constraint(30.0);
  const VarId p = w.add_variable(ids({m}), 1.0);
  const VarId q = w.add_variable(ids({m}), 2.0);
  w.solve();
  CHECK(w.rate(p) == doctest::Approx(10.0));
  CHECK(w.rate(q) == doctest::Approx(20.0));
}

TEST_CASE("two bottlenecks: the flow limited at the narrow link leaves the wide link to its peer") {
  // Link A (10) carries f1, f2; link B (30) carries f2, f3. A saturates first at 10/2 = 5 (f1, f2);
  // B then has 30 − 5 = 25 left for f3 alone.
  MaxMinSolver s;
  const ConstraintId A = s.add_constraint(10.0);
  const ConstraintId B = s.add_constraint(30.0);
  const VarId f1 = s.add_variable(ids({A}));
  const VarId f2 = s.add_variable(ids({A, B}));
  const VarId f3 = s.add_variable(ids({B}));
  s.solve();
  CHECK(s.rate(f1) == doctest::Approx(5.0));
  CHECK(s.rate(f2) == doctest::Approx(5.0));
  CHECK(s.rate(f3) == doctest::Approx(25.0));
  CHECK(s.bottleneck(f2) == A);
  CHECK(s.bottleneck(f3) == B);
}

TEST_CASE("parking lot: the long flow gets C/2 on equal links, and the narrowest link decides otherwise") {
  // Chain of 4 links of capacity 10; one long flow crosses all, one short flow per link.
  // Every link has 2 flows: all saturate together at 10/2 = 5.
  MaxMinSolver s;
  std::vector<ConstraintId> chain;
  for (int i = 0; i < 4; ++i) chain.push_back(s.add_constraint(10.0));
  const VarId longf = s.add_variable(chain);
  std::vector<VarId> shorts;
  for (ConstraintId c : chain) shorts.push_back(s.add_variable(ids({c})));
  s.solve();
  CHECK(s.rate(longf) == doctest::Approx(5.0));
  for (VarId v : shorts) CHECK(s.rate(v) == doctest::Approx(5.0));
  // Unequal parking lot: capacities 10, 20. Link 0 saturates at 10/2 = 5 (long, short0);
  // link 1 leaves 20 − 5 = 15 to short1.
  MaxMinSolver u;
  const ConstraintId c0 = u.add_constraint(10.0), c1 = u.add_constraint(20.0);
  const VarId lf = u.add_variable(ids({c0, c1}));
  const VarId s0 = u.add_variable(ids({c0}));
  const VarId s1 = u.add_variable(ids({c1}));
  u.solve();
  CHECK(u.rate(lf) == doctest::Approx(5.0));
  CHECK(u.rate(s0) == doctest::Approx(5.0));
  CHECK(u.rate(s1) == doctest::Approx(15.0));
  // The long flow finishes: the short flows take their whole links (10 and 20), found incrementally.
  u.remove_variable(lf);
  const auto changed = u.solve();
  CHECK(changed.size() == 2);
  CHECK(u.rate(s0) == doctest::Approx(10.0));
  CHECK(u.rate(s1) == doctest::Approx(20.0));
}

TEST_CASE("a batch of starts and finishes is one re-solve") {
  // Link of 12 with 3 flows (4 each); one leaves and two join in the same batch: 4 flows, 3 each.
  MaxMinSolver s;
  const ConstraintId l = s.add_constraint(12.0);
  std::vector<VarId> v;
  for (int i = 0; i < 3; ++i) v.push_back(s.add_variable(ids({l})));
  s.solve();
  CHECK(s.rate(v[0]) == doctest::Approx(4.0));
  const auto solves_before = s.stats().solves;
  s.remove_variable(v[0]);
  v.push_back(s.add_variable(ids({l})));
  v.push_back(s.add_variable(ids({l})));
  s.solve();
  CHECK(s.stats().solves == solves_before + 1);
  for (std::size_t i = 1; i < v.size(); ++i) CHECK(s.rate(v[i]) == doctest::Approx(3.0));
}

TEST_CASE("a change far from a saturated link does not spread through shared unsaturated links") {
  // 64 flows, each on its own NIC link (capacity 1) and all on one wide spine link (capacity 1000):
  // every flow is NIC-bound at 1 and the spine is not saturated. One more flow on a fresh NIC
  // changes nobody else's rate: the solve must report exactly one changed variable and re-fill
  // only the spine's flows (it is in D because the new flow crosses it), never beyond one round.
  MaxMinSolver s;
  const ConstraintId spine = s.add_constraint(1000.0);
  for (int i = 0; i < 64; ++i) {
    const ConstraintId nic = s.add_constraint(1.0);
    s.add_variable(ids({nic, spine}));
  }
  s.solve();
  const ConstraintId nic = s.add_constraint(1.0);
  const SolveStats before = s.stats();
  const VarId nv = s.add_variable(ids({nic, spine}));
  const auto changed = s.solve();
  REQUIRE(changed.size() == 1);
  CHECK(changed[0] == nv);
  CHECK(s.rate(nv) == doctest::Approx(1.0));
  CHECK(s.stats().rounds - before.rounds == 1);
  CHECK(s.stats().expansions == before.expansions);
}

TEST_CASE("a variable that must change joins the fill when the water reaches it, not the whole link") {
  // Spine S (capacity 100) carries eight flows g_i held at 5 each by their own NICs (capacity 5)
  // and two flows h1, h2 bottlenecked at S: (100 − 8·5)/2 = 30 each, h1 also on NIC m1 (100).
  // Then m1 drops to 40 while a new flow k joins it: on m1, h1 and k get 40/2 = 20 each (m1 is
  // now their bottleneck), S falls to 40 + 20 + 30 = 90 < 100, so h2 (recorded as bottlenecked
  // at S, rule (b)) must rise to 100 − 40 − 20 = 40. h1 fixing below its old rate queues a
  // check of S at h2's level 30; there S has 10 to spare, so h2 joins the same fill and rises to
  // 40: one round, 3 variables filled (h1, k, h2); the g_i stay frozen at 5 (re-filling every
  // member of S, as a whole-link expansion would, fills 2 + 11 = 13), and the boundary checks
  // run afterwards find nothing left to repair.
  MaxMinSolver s;
  s.set_verify_boundary(true);
  const ConstraintId spine = s.add_constraint(100.0);
  std::vector<VarId> g;
  for (int i = 0; i < 8; ++i) g.push_back(s.add_variable(ids({s.add_constraint(5.0), spine})));
  const ConstraintId m1 = s.add_constraint(100.0), m2 = s.add_constraint(100.0);
  const VarId h1 = s.add_variable(ids({m1, spine}));
  const VarId h2 = s.add_variable(ids({m2, spine}));
  s.solve();
  REQUIRE(s.rate(h1) == doctest::Approx(30.0));
  REQUIRE(s.rate(h2) == doctest::Approx(30.0));
  const SolveStats before = s.stats();
  s.set_capacity(m1, 40.0);
  const VarId k = s.add_variable(ids({m1}));
  s.solve();
  CHECK(s.rate(h1) == doctest::Approx(20.0));
  CHECK(s.rate(k) == doctest::Approx(20.0));
  CHECK(s.rate(h2) == doctest::Approx(40.0));
  for (VarId v : g) CHECK(s.rate(v) == doctest::Approx(5.0));
  CHECK(s.load(spine) == doctest::Approx(100.0));
  CHECK(s.stats().rounds - before.rounds == 1);
  CHECK(s.stats().fill_joins - before.fill_joins == 1);
  CHECK(s.stats().expansions == before.expansions);
  CHECK(s.stats().filled_vars - before.filled_vars == 3);
}

TEST_CASE("a new flow on a saturated link pulls the members above its level into the same fill") {
  // Rule (a). Flow a crosses NIC N (capacity 60) and spine S (capacity 100), flow b only S:
  // a = b = 50 (S saturated, both bottlenecked there), N has 10 to spare. A new flow c crosses N
  // and a NIC of its own (100). The fill of {c} alone would saturate N at 10, but a, frozen at
  // 50, sits above that level there, so a joins at once: a and c share N at 60/2 = 30 each. a
  // coming down takes load off S, so b (frozen, bottlenecked at S) is checked when the water
  // reaches its level 50: S has 100 − 30 − 50 = 20 to spare, so b joins and rises to 70. One
  // round, two joins, 3 variables filled; the textbook max-min is a = c = 30 (N), b = 70 (S).
  MaxMinSolver s;
  s.set_verify_boundary(true);
  const ConstraintId nic = s.add_constraint(60.0), spine = s.add_constraint(100.0), own = s.add_constraint(100.0);
  const VarId a = s.add_variable(ids({nic, spine}));
  const VarId b = s.add_variable(ids({spine}));
  s.solve();
  REQUIRE(s.rate(a) == doctest::Approx(50.0));
  REQUIRE(s.rate(b) == doctest::Approx(50.0));
  const SolveStats before = s.stats();
  const VarId c = s.add_variable(ids({own, nic}));
  s.solve();
  CHECK(s.rate(a) == doctest::Approx(30.0));
  CHECK(s.rate(c) == doctest::Approx(30.0));
  CHECK(s.rate(b) == doctest::Approx(70.0));
  CHECK(s.load(nic) == doctest::Approx(60.0));
  CHECK(s.load(spine) == doctest::Approx(100.0));
  CHECK(s.stats().rounds - before.rounds == 1);
  CHECK(s.stats().fill_joins - before.fill_joins == 2);
  CHECK(s.stats().saturation_joins - before.saturation_joins == 1);  // a by rule (a), b by rule (b)
  CHECK(s.stats().soft_filled == before.soft_filled);  // nothing was recorded bottlenecked at N or c's own NIC
  CHECK(s.stats().filled_vars - before.filled_vars == 3);
  CHECK(s.stats().expansions == before.expansions);
}

TEST_CASE("a finish re-fills the flows recorded as bottlenecked where it was, counted as soft fills") {
  // x and y share L (100), each also on a NIC of its own (100): 50 each, both bottlenecked at L;
  // z is alone on M (30). x ends: L is soft, y (recorded bottlenecked at L) re-fills and rises to
  // 100; z, elsewhere, is untouched. One variable filled, as a soft fill, no join.
  MaxMinSolver s;
  const ConstraintId l = s.add_constraint(100.0), m = s.add_constraint(30.0);
  const VarId x = s.add_variable(ids({s.add_constraint(100.0), l}));
  const VarId y = s.add_variable(ids({s.add_constraint(100.0), l}));
  const VarId z = s.add_variable(ids({m}));
  s.solve();
  REQUIRE(s.rate(y) == doctest::Approx(50.0));
  REQUIRE(s.bottleneck(y) == l);
  const SolveStats before = s.stats();
  s.remove_variable(x);
  s.solve();
  CHECK(s.rate(y) == doctest::Approx(100.0));
  CHECK(s.rate(z) == doctest::Approx(30.0));
  CHECK(s.stats().soft_filled - before.soft_filled == 1);
  CHECK(s.stats().filled_vars - before.filled_vars == 1);
  CHECK(s.stats().fill_joins == before.fill_joins);
}

TEST_CASE("incremental re-solve equals a full re-solve and a naive reference on random instances") {
  // Random batches of starts, finishes and capacity changes on a mix of many small "NIC"
  // constraints and a few heavily shared "spine" constraints (a giant component). After every batch the incremental
  // rates must match (i) a full re-solve of a copy and (ii) brute-force progressive filling, to
  // relative 1e-7; and the allocation must be feasible: A·x <= C for the incidence matrix A.
  // A third of the variables are "sprayed": each incidence carries a coefficient a in
  // {1, 1/2, 1/3, 1/4} (the fraction of the rate crossing that constraint), so the kernel is
  // checked on the weighted incidence as well as on 0/1 paths.
  int instances = 0;
  std::uint64_t total_expansions = 0, total_joins = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    RandomInstance in(seed, "maxmin-test", 0.0);
    MaxMinSolver& s = in.s;
    const std::vector<double>& cap = in.cap;
    const std::vector<VarId>& live = in.live;
    for (int step = 0; step < 60; ++step) {
      in.step();
      MaxMinSolver full = s;
      full.solve_full();
      std::vector<std::vector<ConstraintId>> vc;
      std::vector<std::vector<double>> va;
      std::vector<double> ws;
      for (VarId v : live) {
        vc.emplace_back();
        va.emplace_back();
        for (const Incidence& inc : s.incidences_of(v)) {
          vc.back().push_back(inc.c);
          va.back().push_back(inc.coef);
        }
        ws.push_back(s.weight(v));
      }
      Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(cap.size()), static_cast<Eigen::Index>(live.size()));
      Eigen::VectorXd x(static_cast<Eigen::Index>(live.size()));
      for (std::size_t i = 0; i < live.size(); ++i) {
        const double xi = s.rate(live[i]);
        const double xf = full.rate(live[i]);
        CHECK(std::abs(xi - xf) <= 1e-7 * std::max(1.0, xf));
        x(static_cast<Eigen::Index>(i)) = xi;
        for (std::size_t k = 0; k < vc[i].size(); ++k)
          A(static_cast<Eigen::Index>(vc[i][k]), static_cast<Eigen::Index>(i)) = va[i][k];
      }
      const Eigen::VectorXd load = A * x;
      for (std::size_t c = 0; c < cap.size(); ++c) {
        // 1e-12 absolute: a link set to capacity 0 may carry rounding (~1e-15) from the fill.
        CHECK(load(static_cast<Eigen::Index>(c)) <= cap[c] * (1 + 1e-9) + 1e-12);
        CHECK(load(static_cast<Eigen::Index>(c)) == doctest::Approx(s.load(static_cast<ConstraintId>(c))).epsilon(1e-7));
      }
      const std::vector<double> ref = naive_max_min(cap, vc, va, ws, in.live_bound);
      for (std::size_t i = 0; i < live.size(); ++i) CHECK(std::abs(s.rate(live[i]) - ref[i]) <= 1e-7 * std::max(1.0, ref[i]));
      ++instances;
    }
    total_expansions += s.stats().expansions;
    total_joins += s.stats().fill_joins;
  }
  CHECK(instances == 40 * 60);
  // The joins during the fill must actually have happened (otherwise the test would not exercise
  // them), and must leave nothing for the boundary checks (a)/(b) run after every fill.
  CHECK(total_joins > 0);
  CHECK(total_expansions == 0);
}

TEST_CASE("fairness tolerance: feasible, and max-min's bottleneck conditions within 1 + δ, on random instances") {
  // With δ > 0 the solver promises (max_min_solver.hpp, "Fairness tolerance"): A·x <= C, and every
  // variable v is at its bound or has a constraint c with load_c·(1 + δ) >= C_c on which
  // λ_v·(1 + δ) >= λ_w for every w crossing c (λ = rate / weight). Checked after every batch of
  // the random instances above, with the boundary check (which applies the same tolerance) on:
  // the joins during the fill must leave it nothing. The rates must also differ from the exact
  // ones somewhere (else δ would not be exercised), and δ = 0 must give exactly the exact solver.
  for (const double delta : {0.01, 0.05, 0.2}) {
    int instances = 0, inexact = 0;
    std::uint64_t expansions = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      RandomInstance in(seed, "maxmin-tolerance-test", delta);
      const MaxMinSolver& s = in.s;
      const std::vector<double>& cap = in.cap;
      const std::vector<VarId>& live = in.live;
      const std::vector<double>& live_bound = in.live_bound;
      for (int step = 0; step < 60; ++step) {
        in.step();
        MaxMinSolver exact = s;
        exact.set_fair_tolerance(0.0);
        exact.solve_full();
        std::vector<double> load(cap.size(), 0.0), top(cap.size(), 0.0);
        for (VarId v : live)
          for (const Incidence& inc : s.incidences_of(v)) {
            load[inc.c] += inc.coef * s.rate(v);
            top[inc.c] = std::max(top[inc.c], s.rate(v) / s.weight(v));
          }
        for (std::size_t c = 0; c < cap.size(); ++c) CHECK(load[c] <= cap[c] * (1 + 1e-9) + 1e-12);
        for (std::size_t i = 0; i < live.size(); ++i) {
          const VarId v = live[i];
          const double level = s.rate(v) / s.weight(v);
          bool ok = s.rate(v) >= live_bound[i] * (1 - 1e-9);
          for (const Incidence& inc : s.incidences_of(v))
            ok = ok || (load[inc.c] * (1 + delta) >= cap[inc.c] * (1 - 1e-9) && level * (1 + delta) >= top[inc.c] * (1 - 1e-9));
          CHECK(ok);
          if (std::abs(s.rate(v) - exact.rate(v)) > 1e-6 * std::max(1.0, exact.rate(v))) ++inexact;
        }
        ++instances;
      }
      expansions += s.stats().expansions;
    }
    CHECK(instances == 40 * 60);
    CHECK(expansions == 0);
    CHECK(inexact > 0);
  }
}

TEST_CASE("coefficients: a flow sprayed over two links loads each with half its rate") {
  // Links L1, L2 of capacity 10 each. Flow s is split evenly over them (a = 1/2 on each) and also
  // crosses its NIC N of capacity 100; flow p is pinned to L1 (a = 1). Filling: L1 saturates
  // when x_p + x_s/2 = 10 at the common level t: t + t/2 = 10, t = 20/3, before L2 (t/2 = 10,
  // t = 20). Both fix at 20/3: loads L1 = 20/3 + 10/3 = 10 (saturated), L2 = 10/3.
  MaxMinSolver s;
  const ConstraintId l1 = s.add_constraint(10.0), l2 = s.add_constraint(10.0), nic = s.add_constraint(100.0);
  const std::vector<ConstraintId> spray{nic, l1, l2};
  const std::vector<double> halves{1.0, 0.5, 0.5};
  const VarId sp = s.add_variable(spray, halves);
  const VarId p = s.add_variable(ids({l1}));
  s.solve();
  CHECK(s.rate(sp) == doctest::Approx(20.0 / 3));
  CHECK(s.rate(p) == doctest::Approx(20.0 / 3));
  CHECK(s.load(l1) == doctest::Approx(10.0));
  CHECK(s.load(l2) == doctest::Approx(10.0 / 3));
  CHECK(s.load(nic) == doctest::Approx(20.0 / 3));
  // Without p, the sprayed flow is limited by L1 and L2 together: x/2 = 10, x = 20.
  s.remove_variable(p);
  s.solve();
  CHECK(s.rate(sp) == doctest::Approx(20.0));
}

TEST_CASE("set_capacity re-solves the constraints it changes, and the removal credit accumulates") {
  // Two flows share a link of 12 (6 each). Lowering it to 4 gives 2 each; raising it to 20 gives
  // 10 each. Removing a flow with credit 5 adds 5·a = 5 to the link's accumulator.
  MaxMinSolver s;
  const ConstraintId l = s.add_constraint(12.0);
  const VarId a = s.add_variable(ids({l}));
  const VarId b = s.add_variable(ids({l}));
  s.solve();
  CHECK(s.rate(a) == doctest::Approx(6.0));
  s.set_capacity(l, 4.0);
  s.solve();
  CHECK(s.rate(a) == doctest::Approx(2.0));
  CHECK(s.rate(b) == doctest::Approx(2.0));
  s.set_capacity(l, 20.0);
  const auto changed = s.solve();
  CHECK(changed.size() == 2);
  CHECK(s.rate(b) == doctest::Approx(10.0));
  s.remove_variable(a, 5.0);
  CHECK(s.accumulated(l) == doctest::Approx(5.0));
  s.solve();
  CHECK(s.rate(b) == doctest::Approx(20.0));
}
