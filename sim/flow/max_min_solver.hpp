// MaxMinSolver: a network-agnostic weighted max-min fair allocation kernel, solved incrementally.
//
// The math. Variables v (flows) with weight w_v > 0 and an optional upper bound u_v (e.g. a NIC or
// QP rate cap); constraints c (links) with capacity C_c >= 0; incidence v ∈ c. An allocation x is
//   feasible      iff  Σ_{v∈c} x_v <= C_c for every c, and 0 <= x_v <= u_v;
//   max-min fair  iff  feasible and no x_v can grow without shrinking some x_w with x_w/w_w <= x_v/w_v.
// Write λ_v = x_v / w_v (the flow's level). The max-min fair x exists and is unique; it is
// characterised by bottlenecks: every v has x_v = u_v, or a constraint b ∋ v that is saturated
// (Σ_{w∈b} x_w = C_b) on which v's level is the largest (λ_v >= λ_w for all w ∈ b).
//
// Progressive filling (water-filling) computes it: raise a common level t for all unfixed
// variables from 0; constraint c saturates at
//     t_c = (C_c − Σ_{fixed w∈c} x_w) / Σ_{unfixed w∈c} w_w ,
// and a bound at t = u_v / w_v. Take the smallest; fix its unfixed variables at x = w·t (they have
// found their bottleneck level), update t_c of the constraints they cross, repeat. When a variable
// fixes at t, every t_c it touches can only grow, so a min-heap with lazy invalidation orders the
// bottleneck levels: O(I log I) for I incidences.
//
// Incremental re-solve. A start or finish marks its constraints dirty (set D). The solver fills the
// subproblem of the variables F crossing D, on all constraints they touch, with every other
// variable frozen at its current rate (its load subtracted from the capacity). The result is the
// global max-min allocation iff every variable still has a valid bottleneck, and only constraints
// on the boundary B (touched by F, not in D) whose state changed can break that:
//   (a) f ∈ F bottlenecked at c ∈ B needs λ_f >= λ_g for every frozen g ∈ c;
//   (b) a frozen g whose recorded bottleneck is c ∈ B needs c still saturated and λ_g >= λ_f for
//       every f ∈ F on c (frozen rates on c did not change, so they stay comparable).
// Every violating c joins D and the subproblem is re-filled; otherwise the result is committed.
// Frozen variables with bottlenecks outside D ∪ B are untouched, so they stay valid. The
// recorded-bottleneck bookkeeping is what keeps work bounded in the "giant component" (ECMP through
// a shared spine tier connects almost every flow): a change propagates only as far as it changes
// some link's fair share, not as far as links are connected. Checks use a relative tolerance
// kRelTol; rates agree with a full re-solve to about that precision (tested).
//
// Starts and finishes between two solve() calls form one batch with one re-solve.
// Memory: struct of arrays; a variable crosses at most max_degree constraints (fixed stride).
// Ids of removed variables are reused (lowest-first is not guaranteed; ids are stable while alive).
// Thread safety: none.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace rocesim::flow {

using VarId = std::uint32_t;
using ConstraintId = std::uint32_t;
inline constexpr std::uint32_t kNoId = UINT32_MAX;
// Recorded bottleneck of a variable held by its own upper bound.
inline constexpr std::uint32_t kBoundBottleneck = UINT32_MAX - 1;
inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

struct SolveStats {
  std::uint64_t solves = 0;          // solve() calls that had work
  std::uint64_t rounds = 0;          // progressive fillings (> solves when the boundary grew)
  std::uint64_t filled_vars = 0;     // Σ |F| over rounds
  std::uint64_t incidences = 0;      // Σ incidences visited (fill + boundary checks)
  std::uint64_t expansions = 0;      // constraints added to D by boundary violations
};

class MaxMinSolver {
 public:
  static constexpr double kRelTol = 1e-9;

  explicit MaxMinSolver(std::uint32_t max_degree = 16);

  // Constraints are permanent. REQUIRES: capacity >= 0.
  ConstraintId add_constraint(double capacity);
  std::size_t constraint_count() const { return capacity_.size(); }

  // A new variable at rate 0 until the next solve(). REQUIRES: weight > 0, bound > 0,
  // 1 <= constraints.size() <= max_degree (or constraints empty and bound finite), ids distinct.
  VarId add_variable(std::span<const ConstraintId> constraints, double weight = 1.0, double bound = kUnbounded);
  // Removes a live variable; its capacity is released at the next solve().
  void remove_variable(VarId v);

  // Re-solves what changed since the last solve (see the header comment). Returns the variables
  // whose rate changed, in ascending id order (valid until the next mutating call).
  std::span<const VarId> solve();
  // Re-solves everything from scratch (reference and fallback); same return convention.
  std::span<const VarId> solve_full();

  bool alive(VarId v) const { return v < alive_.size() && alive_[v] != 0; }
  double rate(VarId v) const { return rate_[v]; }
  double weight(VarId v) const { return weight_[v]; }
  // Constraint id, kBoundBottleneck, or kNoId (not yet solved).
  std::uint32_t bottleneck(VarId v) const { return bottleneck_[v]; }
  std::span<const ConstraintId> constraints_of(VarId v) const {
    return {cons_.data() + static_cast<std::size_t>(v) * max_degree_, degree_[v]};
  }
  double capacity(ConstraintId c) const { return capacity_[c]; }
  double load(ConstraintId c) const { return load_[c]; }
  std::span<const VarId> vars_of(ConstraintId c) const { return members_[c]; }
  std::size_t live_variables() const { return live_count_; }
  const SolveStats& stats() const { return stats_; }

 private:
  struct HeapEntry {
    double level;
    std::uint32_t id;       // constraint id, or variable id for a bound
    std::uint32_t version;  // constraint entries: must equal version_[id]; bounds: kNoId
    bool operator>(const HeapEntry& o) const {
      if (level != o.level) return level > o.level;
      if ((version == kNoId) != (o.version == kNoId)) return version == kNoId;  // constraints first
      return id > o.id;
    }
  };

  std::span<const VarId> run(bool full);
  void gather();                 // F, B from D
  void fill();                   // progressive filling of F on D ∪ B
  bool check_boundary();         // adds violators to D; true if D grew
  void commit();
  void mark_dirty(ConstraintId c);
  void fix(VarId v, double level, std::uint32_t bottleneck, ConstraintId skip);
  static bool less_than(double a, double b) {  // a < b beyond tolerance
    return a < b - kRelTol * (a > b ? a : b);
  }

  std::uint32_t max_degree_;
  // Constraints.
  std::vector<double> capacity_, load_;
  std::vector<std::vector<VarId>> members_;
  // Variables (stride max_degree_ for incidence arrays).
  std::vector<double> weight_, bound_, rate_;
  std::vector<std::uint32_t> bottleneck_, degree_;
  std::vector<ConstraintId> cons_;
  std::vector<std::uint32_t> slot_;  // position of the variable in members_[cons_[i]]
  std::vector<std::uint8_t> alive_;
  std::vector<VarId> free_ids_;
  std::size_t live_count_ = 0;

  // Per-solve scratch (sized with the problem, reused: no allocation per event once warm).
  std::vector<ConstraintId> pending_;       // constraints touched since the last solve
  std::vector<std::uint8_t> pending_mark_;
  std::vector<ConstraintId> dirty_;         // D of the current solve
  std::vector<std::uint32_t> d_mark_;       // d_mark_[c] == solve_epoch_: c in D
  std::vector<std::uint32_t> b_mark_;       // b_mark_[c] == round_: c in B
  std::vector<std::uint32_t> need_mark_;    // need_mark_[c] == round_: c in B must be checked
  std::vector<std::uint32_t> v_mark_;       // v_mark_[v] == round_: v in F
  std::uint32_t solve_epoch_ = 0;
  std::uint32_t round_ = 0;
  std::vector<VarId> f_;                    // F (sorted ascending before commit)
  std::vector<ConstraintId> b_;             // B
  std::vector<double> residual_, wsum_, old_sum_, new_sum_;
  std::vector<std::uint32_t> unfixed_, version_;
  std::vector<double> new_rate_;  // by variable id
  std::vector<std::uint32_t> new_bn_;
  std::vector<std::uint8_t> fixed_;
  std::vector<HeapEntry> heap_;
  std::vector<VarId> changed_;
  SolveStats stats_;
};

}  // namespace rocesim::flow
