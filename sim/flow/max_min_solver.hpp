// MaxMinSolver: a network-agnostic weighted max-min fair allocation kernel with per-incidence
// coefficients, solved incrementally.
//
// The math. Variables v (flows) with weight w_v > 0 and an optional upper bound u_v (e.g. a NIC or
// QP rate cap); constraints c (links) with capacity C_c >= 0; incidences (v, c) with a coefficient
// a_vc > 0 (the fraction of v's rate that crosses c: 1 for a flow pinned to one path, 1/k for a
// flow sprayed over k links). An allocation x is
//   feasible      iff  Σ_{v∋c} a_vc·x_v <= C_c for every c, and 0 <= x_v <= u_v;
//   max-min fair  iff  feasible and no x_v can grow without shrinking some x_w with x_w/w_w <= x_v/w_v.
// Write λ_v = x_v / w_v (the flow's level). Because every a_vc > 0, raising x_v raises the load of
// every c it crosses, so the max-min fair x exists and is unique, and is characterised by
// bottlenecks: every v has x_v = u_v, or a constraint b ∋ v that is saturated
// (Σ_{w∈b} a_wb·x_w = C_b) on which v's level is the largest (λ_v >= λ_w for all w ∈ b).
//
// Progressive filling (water-filling) computes it: raise a common level t for all unfixed
// variables from 0; constraint c saturates at
//     t_c = (C_c − Σ_{fixed w∈c} a_wc·x_w) / Σ_{unfixed w∈c} a_wc·w_w ,
// and a bound at t = u_v / w_v. Take the smallest; fix its unfixed variables at x = w·t (they have
// found their bottleneck level), update t_c of the constraints they cross, repeat. When a variable
// fixes at t, every t_c it touches can only grow, so a min-heap with lazy invalidation orders the
// bottleneck levels: O(I log I) for I incidences. With all a_vc = 1 this is the textbook case.
// The heap is updated lazily: a fix records a constraint's new level t_c (Cons::new_sum during
// the fill) without pushing; the constraint's older entry, a lower bound, is replaced by t_c when
// it reaches the top (or at once if rounding took t_c below it). Every constraint then always has
// an entry at or below its level, and the exact entries pop in the same order as with one push per
// fix: the same fill, with a fraction of the heap operations.
//
// Incremental re-solve. A capacity change marks its constraint dirty (set D); a start or a finish
// marks the constraints of its variable "soft" (set M). The solver fills the subproblem of the
// variables F = {crossing D} ∪ {new} ∪ {recorded bottleneck in M} on all constraints they touch,
// with every other variable frozen at its current rate (its load subtracted from the capacity).
// Why a start or finish need not re-fill every member of its constraints: a frozen member g of
// m ∈ M keeps its rate, so m's load stays the frozen load plus F's; if g's recorded bottleneck is
// elsewhere and untouched it stays valid, and every constraint F touches (M included, as a
// boundary constraint) is checked by (a)/(b) below. In an all-to-all on a Clos, a finishing flow
// then re-fills the flows bottlenecked where it was (tens), not every flow of its ToR uplink and
// NIC (hundreds). A capacity change can overload frozen members, so D re-fills them all.
// The result is the global max-min allocation iff every variable still has a valid bottleneck, and
// only constraints on the boundary B (touched by F, not in D) whose state changed can break that:
//   (a) f ∈ F bottlenecked at c ∈ B needs λ_f >= λ_g for every frozen g ∈ c;
//   (b) a frozen g whose recorded bottleneck is c ∈ B needs c still saturated and λ_g >= λ_f for
//       every f ∈ F on c (frozen rates on c did not change, so they stay comparable).
// A violation at c is repaired by unfreezing only the frozen variables of c that break (a) or
// (b): for (a) those whose level exceeds the lowest F level bottlenecked at c, for (b) those
// bottlenecked at c (all of them if c is no longer saturated, else those below the highest F level
// on c). They join F (set X, kept for the rest of the solve), c stays in B with its other frozen
// members' load subtracted, and the subproblem is re-filled; otherwise the result is committed.
// Each repeat adds at least one variable to F, so a solve ends. F and B only grow within a
// solve, so a repeat round appends X's new members (and their constraints) instead of scanning
// D and M again: the same F and B in the same order (6,144-rank DP + MoE with slack 0.01: −16 %
// CPU, identical results). (Unfreezing all of c's members
// would also be correct, but c may be a spine port whose other flows are bottlenecked elsewhere
// at lower levels: they would be re-filled to the same rates.) Frozen variables with bottlenecks
// outside D ∪ B are untouched, so they stay valid. The rule uses
// only levels and saturation, so it holds unchanged with coefficients. The recorded-bottleneck
// bookkeeping is what keeps work bounded in the "giant component" (ECMP through a shared spine
// tier connects almost every flow): a change propagates only as far as it changes some link's
// fair share, not as far as links are connected. A count of the variables recorded as
// bottlenecked at each constraint lets the check skip boundary constraints where neither (a) nor
// (b) can apply. Checks use a relative tolerance kRelTol; rates agree with a full re-solve to
// about that precision (tested).
//
// Joining during the fill. Checking (a)/(b) after a fill and re-filling the grown F from zero
// cost up to ~10 rounds per solve on contended all-to-alls (97 % of the re-filled variables at
// 8,192 ranks). Instead the violators join F while the water rises, at the moment they must:
//   (a) when a boundary constraint c saturates at level t, every frozen g ∈ c with λ_g > t joins
//       before c fixes anything: its rate leaves the frozen load and it rises with the water from
//       t (c's level becomes a mediant of t and λ_g, so c saturates later);
//   (b) when the water reaches the level L of c's recorded bottlenecks (all variables bottlenecked
//       at one constraint share its level, kept in bn_level_), c must saturate there: if it has
//       not, they join at L (their rates equal the water level, so no load moves).
// Exact because the fill up to the joining level is the one F ∪ {g} would have had from the
// start: every constraint of g that has not saturated yet has a level >= t with g frozen, and
// λ_g >= t, so with g unfrozen its level (the mediant) is still >= t; a constraint of g that
// saturated below t would have pulled g in by (a) at that moment. The same holds for (b) with
// t = λ_g. A (b) check is queued only where c can have lost load: a flow left it (then its
// bottlenecks are in F already), or during the fill an F variable on it fixed below its old rate
// or a joiner came down; otherwise at level L c carries at least its old, saturating load.
// So a solve is one fill of the final F; the (a)/(b) pass above stays available as a check
// (set_verify_boundary, on in the random tests: it finds nothing). Exactness does not depend on
// F being minimal, only on each join being at its level. Checks wait in a heap of their own, so
// once F is fixed the dead entries of unsaturated boundary constraints are dropped unpopped.
// Measured: 6,144-rank DP + MoE, slack 0.01: 199 M variables filled → 39 M, 77.7 → 33.4 CPU-s,
// same op durations; 4,096 exact: 31.1 M → 10.3 M filled, about as many as rates that change.
//
// Fairness tolerance δ (set_fair_tolerance; 0, the default, is exact). On a contended all-to-all
// a finish re-fills not only the flows bottlenecked where it was: they rise, take capacity on
// their other constraints, which pushes those constraints' flows down by a fraction of it, and so
// on, each hop smaller (a flow among n on a port moves by ~1/n of what arrives there). With δ > 0
// rules (a) and (b) compare "beyond a factor 1 + δ": a frozen g on a constraint c that saturates
// at t joins only if λ_g > (1 + δ)·t, and c's frozen bottlenecks stay if, when the water reaches
// their level, c has saturated or, with no F member left to rise on it, carries C_c/(1 + δ) (a
// saturation level not yet reached cannot count: it may still rise as members fix elsewhere).
// The boundary check uses the same factor. Since c may then hold bottlenecks while short of
// saturation, and their levels may differ by up to 1 + δ, every boundary constraint with frozen
// bottlenecks is checked (not only those that lost load), and bn_level_ keeps the lowest of their
// levels (a check must come no later than that: joining above a variable's own level could push
// a constraint it saturated past capacity). So the cascade stops where the change falls below δ.
// What holds then (tested on random instances, tests/flow/max_min_solver_test.cpp):
// the allocation is feasible (no constraint above its capacity: only frozen rates are kept, and
// the fill never exceeds the residual they leave), and every variable is at its bound or has a
// constraint c with load_c·(1 + δ) >= C_c on which λ_v·(1 + δ) >= λ_w for every w on c: max-min's
// bottleneck condition, each side within a factor 1 + δ. It does not bound how far a rate is from
// the exact one (a small unfairness can move a whole cascade); what that does to op durations is
// measured against δ = 0 (flow/fluid_net.hpp, "fairness tolerance").
//
// Starts, finishes and capacity changes between two solve() calls form one batch with one re-solve.
// Memory layout (the cost at 10^6 constraints is cache misses, not arithmetic): everything the
// solver keeps per constraint sits in one 128-byte record (two adjacent cache lines: the fill's
// sums in the first, marks, counters and the member list's handle in the second), everything per
// variable in another 128-byte one, with up to kInline = 6 incidences inside it (a 3-tier Clos
// path up and down the fabric needs no other line: an out-of-record incidence block was a further,
// dependent miss per variable visit and cost ~1.7x on contended all-to-alls). An incidence in the
// record is its constraint and slot (8 bytes); coefficients other than 1 (spraying) are stored
// out of the record, so pinned ECMP flows, the bulk of a mega-scale run, need none (192 → 128
// bytes per variable: 33 M concurrent flows of an EP-64 all-to-all at 131k). Passes over F fetch
// variables a few ahead, and the fill keeps F's "fixed" flags in a dense array indexed by F
// position, so a saturating constraint's scan of its F members stays in cache. Member lists and longer incidence lists are blocks of pooled arrays (power-of-two size
// classes with free lists, so a warm solver allocates nothing per start or finish).
// Ids of removed variables are reused (ids are stable while alive).
// Thread safety: none.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "flow/block_pool.hpp"
#include "flow/quad_heap.hpp"
#include "flow/radix_heap.hpp"

namespace rocesim::flow {

using VarId = std::uint32_t;
using ConstraintId = std::uint32_t;
inline constexpr std::uint32_t kNoId = UINT32_MAX;
// Recorded bottleneck of a variable held by its own upper bound.
inline constexpr std::uint32_t kBoundBottleneck = UINT32_MAX - 1;
inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// One (variable, constraint) pair: the constraint, the fraction a > 0 of the variable's rate that
// crosses it, and the variable's position in the constraint's member list (for O(1) removal).
struct Incidence {
  ConstraintId c;
  std::uint32_t slot;
  double coef;
};

// What the solver stores per incidence: the constraint and the slot. Coefficients are kept apart
// (MaxMinSolver::Var) and only for variables that have one other than 1.
struct IncidenceLink {
  ConstraintId c;
  std::uint32_t slot;
};

// A variable's incidences as Incidence values (coefficient 1 where none is stored).
class IncidenceRange {
 public:
  IncidenceRange(const IncidenceLink* links, const double* coefs, std::uint32_t n) : links_(links), coefs_(coefs), n_(n) {}
  class Iterator {
   public:
    Iterator(const IncidenceRange* r, std::uint32_t i) : r_(r), i_(i) {}
    Incidence operator*() const { return (*r_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const IncidenceRange* r_;
    std::uint32_t i_;
  };
  Incidence operator[](std::size_t i) const { return Incidence{links_[i].c, links_[i].slot, coefs_ ? coefs_[i] : 1.0}; }
  std::size_t size() const { return n_; }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, n_); }

 private:
  const IncidenceLink* links_;
  const double* coefs_;  // null: every coefficient is 1
  std::uint32_t n_;
};

struct SolveStats {
  std::uint64_t solves = 0;          // solve() calls that had work
  std::uint64_t rounds = 0;          // progressive fillings (> solves when the boundary grew)
  std::uint64_t filled_vars = 0;     // Σ |F| over rounds
  std::uint64_t repeat_filled_vars = 0;  // the part of filled_vars in rounds after a solve's first
  std::uint64_t incidences = 0;      // Σ incidences visited (fill + boundary checks)
  std::uint64_t expansions = 0;      // boundary constraints found violated (each unfreezes variables)
  std::uint64_t fill_joins = 0;      // frozen variables unfrozen during a fill (no extra round)
  std::uint64_t saturation_joins = 0;  // the part of fill_joins by rule (a) (the rest: rule (b))
  std::uint64_t soft_filled = 0;     // variables filled as recorded bottlenecks of soft constraints
};

class MaxMinSolver {
 public:
  static constexpr double kRelTol = 1e-9;

  MaxMinSolver() = default;

  // Constraints are permanent. REQUIRES: capacity >= 0.
  ConstraintId add_constraint(double capacity);
  // Changes a capacity; takes effect at the next solve(). REQUIRES: capacity >= 0.
  void set_capacity(ConstraintId c, double capacity);
  std::size_t constraint_count() const { return cons_.size(); }

  // A new variable at rate 0 until the next solve(). `coefs` (empty: all 1) gives a_vc per
  // constraint. REQUIRES: weight > 0, bound > 0, coefficients > 0, constraints distinct and
  // non-empty (or empty and bound finite).
  VarId add_variable(std::span<const ConstraintId> constraints, std::span<const double> coefs, double weight = 1.0,
                     double bound = kUnbounded);
  VarId add_variable(std::span<const ConstraintId> constraints, double weight = 1.0, double bound = kUnbounded) {
    return add_variable(constraints, {}, weight, bound);
  }
  // Removes a live variable; its capacity is released at the next solve(). `credit` is added,
  // times a_vc, to the accumulator of every constraint v crosses (e.g. the bytes a finished flow
  // carried over each link), in the same memory touch as the load update.
  void remove_variable(VarId v, double credit = 0.0);
  // remove_variable(vs[i], credits[i]) for i = 0, 1, … in order (same result), with the memory
  // each removal touches prefetched a chunk ahead, so the cache misses of a batch overlap.
  void remove_variables(std::span<const VarId> vs, std::span<const double> credits);
  // Prefetches what add_variable(…, c, …) will touch (a caller adding a batch calls this for the
  // next few variables first).
  void prefetch_constraint(ConstraintId c) const { prefetch_cons(c); }
  // Then (once that has arrived) the slot add_variable will write in c's member list.
  void prefetch_member_tail(ConstraintId c) const {
    __builtin_prefetch(members(cons_[c]) + cons_[c].member_count, 1);
  }

  // Re-solves what changed since the last solve (see the header comment). Returns the variables
  // whose rate changed, in ascending id order (valid until the next mutating call).
  std::span<const VarId> solve();
  // Re-solves everything from scratch (reference and fallback); same return convention.
  std::span<const VarId> solve_full();
  // Constraints whose load may have changed in the last solve (D ∪ B), in no particular order.
  std::span<const ConstraintId> touched() const { return touched_; }

  bool alive(VarId v) const { return v < vars_.size() && vars_[v].alive != 0; }
  double rate(VarId v) const { return vars_[v].rate; }
  double weight(VarId v) const { return vars_[v].weight; }
  // Constraint id, kBoundBottleneck, or kNoId (not yet solved).
  std::uint32_t bottleneck(VarId v) const { return vars_[v].bottleneck; }
  IncidenceRange incidences_of(VarId v) const {
    const Var& var = vars_[v];
    return IncidenceRange(links(var), coefs(var), var.degree);
  }
  double capacity(ConstraintId c) const { return cons_[c].capacity; }
  double load(ConstraintId c) const { return cons_[c].load; }
  double accumulated(ConstraintId c) const { return cons_[c].accum; }
  std::span<const VarId> vars_of(ConstraintId c) const { return {members(cons_[c]), cons_[c].member_count}; }
  std::size_t live_variables() const { return live_count_; }
  // ∫ load dt of constraint c up to now_ps (load units · ps), for samplers: O(1) per constraint
  // instead of a pass over every variable. The caller sets the clock before each batch of changes
  // (removals, solve); every load change first integrates the old load up to that clock.
  // REQUIRES: now_ps >= the clock of c's last load change.
  void set_clock(std::int64_t now_ps) { clock_ = now_ps; }
  double load_integral(ConstraintId c, std::int64_t now_ps) const {
    const LoadClock& l = clocks_[c];
    return l.integral + cons_[c].load * static_cast<double>(now_ps - l.since);
  }
  const SolveStats& stats() const { return stats_; }
  // Tests: after every fill, also run the boundary checks (a)/(b) that the fill's joins make
  // redundant, counting (and repairing) what they find in stats().expansions.
  void set_verify_boundary(bool on) { verify_boundary_ = on; }
  // The fairness tolerance δ (header: "Fairness tolerance"); 0, the default, is exact.
  // REQUIRES: 0 <= delta <= 0.25.
  void set_fair_tolerance(double delta) { fair_tol_ = delta; }
  double fair_tolerance() const { return fair_tol_; }

 private:
  // Per-constraint state: what the fill sums in the first cache line, the rest in the second.
  struct alignas(128) Cons {
    double capacity = 0, load = 0, residual = 0, wsum = 0, old_sum = 0, new_sum = 0;
    std::uint32_t unfixed = 0, version = 0;
    std::uint32_t d_mark = 0;  // == solve_epoch_: c in D
    std::uint32_t b_mark = 0;  // == solve_epoch_: c in B (B only grows within a solve)
    // Second line.
    double heap_key = 0;                 // key of c's newest heap entry (fill)
    double accum = 0;                    // remove_variable() credits
    BlockPool<VarId>::Block members;     // live variables crossing c: mem_.data(members)[0, member_count)
    std::uint32_t member_count = 0, member_cap = 0;
    std::uint32_t fm_begin = 0, fm_end = 0;  // c's F members in f_members_ (fill)
    std::uint32_t need_mark = 0;         // == round_: c in B must be checked
    std::uint32_t newbn_mark = 0;        // == round_: some F variable's new bottleneck is c
    std::uint32_t bn_count = 0;          // live variables whose recorded bottleneck is c
    std::uint32_t f_old_bn = 0;          // per round: F variables whose old bottleneck is c
    std::uint32_t check_mark = 0;        // == round_: a rule-(b) check of c is queued this fill
    std::uint8_t pending = 0;            // c in pending_: kSoft (membership changed) | kHard (capacity)
  };
  static constexpr std::uint32_t kInline = 6;
  // Per-variable state in two cache lines: the scalars, then up to kInline incidences (a longer
  // list lives in link_pool_). Coefficients other than 1 (spraying) live in coef_pool_: pinned
  // ECMP flows, the bulk at scale, carry none, which keeps the record at 128 bytes.
  struct alignas(64) Var {
    double weight = 0, bound = 0, rate = 0, new_rate = 0;
    std::uint32_t bottleneck = kNoId, new_bn = kNoId;
    std::uint32_t degree = 0;
    std::uint32_t mark = 0;             // == solve_epoch_: v in F (F only grows within a solve)
    std::uint32_t x_mark = 0;           // == solve_epoch_: v in X (joined F by a violation)
    BlockPool<IncidenceLink>::Block link_block;  // degree > kInline: link_pool_.data(link_block)[0, degree)
    BlockPool<double>::Block coef_block;         // has_coefs: coef_pool_.data(coef_block)[0, degree)
    std::uint8_t alive = 0;
    std::uint8_t has_coefs = 0;
    IncidenceLink inline_link[kInline];
  };
  static_assert(sizeof(Cons) == 128 && sizeof(Var) == 128, "records span exactly two cache lines");
  // Constraint versions stay below kVersionLimit, so the two markers below never collide.
  static constexpr std::uint32_t kVersionLimit = 0x80000000u;
  static constexpr std::uint32_t kBoundEntry = kNoId;      // id: the variable's position in F
  static constexpr std::uint32_t kCheckEntry = kNoId - 1;  // id: a boundary constraint (rule (b))
  static std::uint32_t entry_class(std::uint32_t version) {
    return version == kBoundEntry ? 1u : version == kCheckEntry ? 2u : 0u;
  }
  struct HeapEntry {
    double level;
    std::uint32_t id;       // constraint id, a bound's variable's position in F, or a checked constraint
    std::uint32_t version;  // constraint entries: must equal cons_[id].version; else kBoundEntry / kCheckEntry
    // Order (level, constraints before bounds before checks, id). Levels are >= +0 (never -0 or
    // NaN), so their bit patterns compare as unsigned integers like the doubles: branch-free
    // integer compares.
    bool operator>(const HeapEntry& o) const {
      const auto a = std::bit_cast<std::uint64_t>(level), b = std::bit_cast<std::uint64_t>(o.level);
      const std::uint64_t ta = (std::uint64_t{entry_class(version)} << 32) | id;
      const std::uint64_t tb = (std::uint64_t{entry_class(o.version)} << 32) | o.id;
      return (a > b) | ((a == b) & (ta > tb));
    }
    // The checks' heap (flow/quad_heap.hpp) pops in this order. The fill's saturation levels
    // are in a radix heap (flow/radix_heap.hpp) on the level alone: the water only rises, so a
    // monotone queue serves it without sifting through 10^5 entries per pop (36 % of the CPU at
    // 8,192 ranks as a 4-ary heap). Which of two entries at one level pops first does not
    // change the allocation (tested against a full re-solve and a naive fill).
    static bool before(const HeapEntry& x, const HeapEntry& y) { return y > x; }
  };
  struct LevelKey {
    std::uint64_t operator()(const HeapEntry& e) const { return std::bit_cast<std::uint64_t>(e.level); }
  };

  IncidenceLink* links(Var& v) { return v.degree <= kInline ? v.inline_link : link_pool_.data(v.link_block); }
  const IncidenceLink* links(const Var& v) const {
    return v.degree <= kInline ? v.inline_link : link_pool_.data(v.link_block);
  }
  const double* coefs(const Var& v) const { return v.has_coefs ? coef_pool_.data(v.coef_block) : nullptr; }
  VarId* members(Cons& k) { return mem_.data(k.members); }
  const VarId* members(const Cons& k) const { return mem_.data(k.members); }
  void push_member(Cons& k, VarId v);
  void prefetch_var(VarId v) const {  // its scalars and inline incidences
    const char* p = reinterpret_cast<const char*>(&vars_[v]);
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
  }
  void prefetch_cons(ConstraintId c) const {
    __builtin_prefetch(&cons_[c]);
    __builtin_prefetch(reinterpret_cast<const char*>(&cons_[c]) + 64);
  }
  std::span<const VarId> run(bool full);
  void gather(bool repeat);      // F, B from D
  void fill();                   // progressive filling of F on D ∪ B
  bool check_boundary();         // adds violators to D; true if D grew
  void commit();
  void sort_ids(std::vector<VarId>& ids);
  void heap_push(const HeapEntry& e);
  HeapEntry heap_pop();  // REQUIRES: !heap_.empty()
  void heap_make();
  void heap_sift_down(std::size_t i);  // ascending (radix), scratch in sort_scratch_
  static constexpr std::uint8_t kSoft = 1, kHard = 2;
  void mark_dirty(ConstraintId c, std::uint8_t kind);
  void fix(std::uint32_t i, double level, std::uint32_t bottleneck, ConstraintId skip);  // i: position in F
  static void bump_version(Cons& k) { k.version = (k.version + 1) & (kVersionLimit - 1); }
  // Unfreezing during the fill (header: "Joining during the fill").
  void join(VarId v, double level);
  void add_boundary(ConstraintId c);
  bool join_above(ConstraintId c, double level);       // rule (a) at c's saturation; true if any joined
  void check_bottleneck(ConstraintId c, double level);  // rule (b) when the fill reaches c's old level
  void queue_check(ConstraintId c, double level);       // once per fill, if c has frozen bottlenecks
  void fix_members(ConstraintId c, double level);
  static bool less_than(double a, double b) {  // a < b beyond tolerance
    return a < b - kRelTol * (a > b ? a : b);
  }
  // a·(1 + δ) < b beyond tolerance: the fairness and saturation tests (less_than when δ = 0).
  bool below(double a, double b) const { return less_than(a * (1.0 + fair_tol_), b); }

  struct LoadClock {
    double integral = 0.0;    // ∫ load dt up to `since`
    std::int64_t since = 0;   // ps
  };
  void settle_load(ConstraintId c) {
    LoadClock& l = clocks_[c];
    l.integral += cons_[c].load * static_cast<double>(clock_ - l.since);
    l.since = clock_;
  }

  std::vector<Cons> cons_;
  std::vector<LoadClock> clocks_;  // apart from Cons: only load changes and samplers touch it
  std::int64_t clock_ = 0;
  BlockPool<VarId> mem_;
  std::vector<Var> vars_;
  BlockPool<IncidenceLink> link_pool_;
  BlockPool<double> coef_pool_;
  std::vector<VarId> free_ids_;
  std::size_t live_count_ = 0;

  // Per-solve scratch (sized with the problem, reused: no allocation per event once warm).
  std::vector<ConstraintId> pending_;       // constraints touched since the last solve
  std::vector<ConstraintId> dirty_;         // D of the current solve
  std::vector<ConstraintId> soft_;          // M of the current solve (not in D)
  std::vector<VarId> new_vars_;             // added since the last solve (dead or reused ids are skipped)
  std::uint32_t solve_epoch_ = 0;
  std::uint32_t round_ = 0;
  std::vector<VarId> f_;                    // F (sorted ascending before commit)
  std::vector<VarId> extra_;                // X: frozen variables a boundary violation pulled in
  std::size_t extra_listed_ = 0;            // X's members already in F
  std::vector<ConstraintId> b_;             // B
  std::vector<ConstraintId> touched_;       // D ∪ B of the last solve
  std::vector<std::uint32_t> f_members_;    // positions in F, grouped by constraint (fill)
  std::vector<std::uint8_t> f_fixed_;       // by position in F: fixed yet (fill; dense, so a scan stays in cache)
  RadixHeap<HeapEntry, LevelKey> heap_;     // the fill's saturation levels (monotone: the water only rises)
  std::size_t unfixed_vars_ = 0;            // F variables not yet fixed (fill)
  std::vector<HeapEntry> checks_;           // rule-(b) entries (fill), a heap apart from heap_: once
                                            // F is all fixed, heap_ holds only dead entries
  // Variables that joined F during this fill, per constraint: a singly linked list of positions
  // in F (the CSR f_members_ was laid out before they came).
  struct JoinLink {
    std::uint32_t pos, next;
  };
  std::vector<std::uint32_t> join_head_;    // per constraint: first link in joins_, or kNoId
  std::vector<JoinLink> joins_;
  std::vector<ConstraintId> join_cons_;     // constraints whose join_head_ is set (reset after a fill)
  std::vector<double> bn_level_;            // per constraint: level of the variables recorded bottlenecked there
  std::vector<VarId> changed_;
  std::vector<VarId> sort_scratch_;
  SolveStats stats_;
  bool verify_boundary_ = false;
  double fair_tol_ = 0.0;  // δ
};

}  // namespace rocesim::flow
