#include "flow/max_min_solver.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace rocesim::flow {

ConstraintId MaxMinSolver::add_constraint(double capacity) {
  if (!(capacity >= 0.0)) throw std::logic_error("MaxMinSolver: negative constraint capacity");
  const auto c = static_cast<ConstraintId>(cons_.size());
  cons_.emplace_back();
  cons_.back().capacity = capacity;
  clocks_.push_back(LoadClock{0.0, clock_});
  bn_level_.push_back(0.0);
  join_head_.push_back(kNoId);
  return c;
}

void MaxMinSolver::set_capacity(ConstraintId c, double capacity) {
  if (!(capacity >= 0.0)) throw std::logic_error("MaxMinSolver: negative constraint capacity");
  if (cons_[c].capacity == capacity) return;
  cons_[c].capacity = capacity;
  if (cons_[c].member_count > 0) mark_dirty(c, kHard);
}

void MaxMinSolver::mark_dirty(ConstraintId c, std::uint8_t kind) {
  if (!cons_[c].pending) pending_.push_back(c);
  cons_[c].pending |= kind;
}

void MaxMinSolver::push_member(Cons& k, VarId v) {
  if (k.member_count == k.member_cap) {
    // Grow by doubling into a larger pool block; the pool keeps the old one for reuse.
    const std::uint32_t cap = std::max<std::uint32_t>(2, 2 * k.member_cap);
    const BlockPool<VarId>::Block grown = mem_.allocate(cap);
    if (k.member_cap > 0) {
      std::copy_n(mem_.data(k.members), k.member_count, mem_.data(grown));
      mem_.release(k.members);
    }
    k.members = grown;
    k.member_cap = std::uint32_t{1} << grown.size_class;
  }
  mem_.data(k.members)[k.member_count++] = v;
}

VarId MaxMinSolver::add_variable(std::span<const ConstraintId> constraints, std::span<const double> coefs, double weight,
                                 double bound) {
  if (constraints.empty() && bound == kUnbounded)
    throw std::logic_error("MaxMinSolver: a variable without constraints needs a finite bound");
  if (!coefs.empty() && coefs.size() != constraints.size())
    throw std::logic_error("MaxMinSolver: one coefficient per constraint");
  if (!(weight > 0.0) || !(bound > 0.0)) throw std::logic_error("MaxMinSolver: weight and bound must be positive");
  VarId v;
  if (!free_ids_.empty()) {
    v = free_ids_.back();
    free_ids_.pop_back();
  } else {
    v = static_cast<VarId>(vars_.size());
    vars_.emplace_back();
  }
  Var& var = vars_[v];
  const auto degree = static_cast<std::uint32_t>(constraints.size());
  if (degree > kInline) var.link_block = link_pool_.allocate(degree);
  const bool has_coefs = std::any_of(coefs.begin(), coefs.end(), [](double a) { return a != 1.0; });
  if (has_coefs) var.coef_block = coef_pool_.allocate(degree);
  var.weight = weight;
  var.bound = bound;
  var.rate = 0.0;
  var.new_rate = 0.0;
  var.bottleneck = kNoId;
  var.new_bn = kNoId;
  var.degree = degree;
  var.alive = 1;
  var.has_coefs = has_coefs ? 1 : 0;
  for (std::uint32_t i = 0; i < degree; ++i) {
    const ConstraintId c = constraints[i];
    if (c >= cons_.size()) throw std::logic_error("MaxMinSolver: unknown constraint");
    const double a = coefs.empty() ? 1.0 : coefs[i];
    if (!(a > 0.0)) throw std::logic_error("MaxMinSolver: coefficients must be positive");
    Cons& k = cons_[c];
    links(var)[i] = IncidenceLink{c, k.member_count};
    if (has_coefs) coef_pool_.data(var.coef_block)[i] = a;
    push_member(k, v);
    mark_dirty(c, kSoft);
  }
  new_vars_.push_back(v);
  ++live_count_;
  return v;
}

void MaxMinSolver::remove_variable(VarId v, double credit) {
  if (!alive(v)) throw std::logic_error("MaxMinSolver: removing a dead variable");
  Var& var = vars_[v];
  const IncidenceRange range = incidences_of(v);
  for (std::uint32_t i = 0; i < var.degree; ++i) {
    const Incidence inc = range[i];
    Cons& k = cons_[inc.c];
    settle_load(inc.c);
    k.load = std::max(0.0, k.load - inc.coef * var.rate);
    k.accum += inc.coef * credit;
    // Swap-remove from the member list, fixing the moved variable's back-pointer.
    VarId* m = members(k);
    const VarId moved = m[--k.member_count];
    // An empty constraint carries exactly nothing (subtractions would leave rounding behind).
    if (k.member_count == 0) k.load = 0.0;
    m[inc.slot] = moved;
    if (moved != v) {
      Var& mv = vars_[moved];
      IncidenceLink* mi = links(mv);
      for (std::uint32_t j = 0; j < mv.degree; ++j) {
        if (mi[j].c == inc.c) {
          mi[j].slot = inc.slot;
          break;
        }
      }
    }
    mark_dirty(inc.c, kSoft);
  }
  if (var.bottleneck < kBoundBottleneck) --cons_[var.bottleneck].bn_count;
  if (var.degree > kInline) link_pool_.release(var.link_block);
  if (var.has_coefs) coef_pool_.release(var.coef_block);
  var.has_coefs = 0;
  var.alive = 0;
  var.degree = 0;
  var.rate = 0.0;
  var.bottleneck = kNoId;
  free_ids_.push_back(v);
  --live_count_;
}

void MaxMinSolver::remove_variables(std::span<const VarId> vs, std::span<const double> credits) {
  // Three dependent loads per incidence (variable -> incidence block -> constraint and member
  // list); issuing them for a chunk of variables before using them lets the misses overlap.
  constexpr std::size_t kChunk = 16;
  for (std::size_t i = 0; i < vs.size() && i < kChunk; ++i) __builtin_prefetch(&vars_[vs[i]]);
  for (std::size_t base = 0; base < vs.size(); base += kChunk) {
    const std::size_t end = std::min(vs.size(), base + kChunk);
    for (std::size_t i = end; i < vs.size() && i < end + kChunk; ++i) __builtin_prefetch(&vars_[vs[i]]);
    for (std::size_t i = base; i < end; ++i) __builtin_prefetch(links(vars_[vs[i]]));
    for (std::size_t i = base; i < end; ++i)
      for (const Incidence& inc : incidences_of(vs[i])) prefetch_cons(inc.c);
    for (std::size_t i = base; i < end; ++i)
      for (const Incidence& inc : incidences_of(vs[i])) __builtin_prefetch(members(cons_[inc.c]) + inc.slot);
    for (std::size_t i = base; i < end; ++i) remove_variable(vs[i], credits[i]);
  }
}

std::span<const VarId> MaxMinSolver::solve() { return run(false); }

std::span<const VarId> MaxMinSolver::solve_full() { return run(true); }

std::span<const VarId> MaxMinSolver::run(bool full) {
  changed_.clear();
  touched_.clear();
  if (full) {
    for (ConstraintId c = 0; c < cons_.size(); ++c)
      if (cons_[c].member_count > 0) mark_dirty(c, kHard);
  }
  if (pending_.empty()) return changed_;
  ++stats_.solves;
  ++solve_epoch_;
  dirty_.clear();
  soft_.clear();
  for (ConstraintId c : pending_) {
    Cons& k = cons_[c];
    if (k.pending & kHard) {
      k.d_mark = solve_epoch_;
      dirty_.push_back(c);
    } else {
      soft_.push_back(c);
    }
    k.pending = 0;
  }
  pending_.clear();
  extra_.clear();
  for (bool repeat = false;; repeat = true) {
    ++round_;
    ++stats_.rounds;
    gather(repeat);
    fill();
    if (full || !verify_boundary_ || !check_boundary()) break;
  }
  commit();
  new_vars_.clear();
  return changed_;
}

void MaxMinSolver::gather(bool repeat) {
  // The loops below are chains of dependent misses (member -> variable -> incidences ->
  // constraint); prefetching a few steps ahead overlaps them.
  constexpr std::size_t kAhead = 8;
  std::size_t first = 0;  // the F positions whose constraints are looked at for B below
  if (repeat) {
    // F and B only grow within a solve: marks, recorded bottlenecks and the new variables do not
    // change until commit(), so re-scanning D and M would list the same F in the same order, and
    // X's new members after it. Appending them gives the same F and B at no scan.
    first = f_.size();
    for (std::size_t x = extra_listed_; x < extra_.size(); ++x) {
      Var& var = vars_[extra_[x]];
      if (var.mark != solve_epoch_) {
        var.mark = solve_epoch_;
        f_.push_back(extra_[x]);
      }
    }
  } else {
    f_.clear();
    b_.clear();
    // D: every member re-fills. M: only the members recorded as bottlenecked there, and new
    // variables, can change.
    const auto take_members = [&](ConstraintId c, bool soft) {
      const Cons& k = cons_[c];
      const VarId* m = members(k);
      const std::uint32_t size = k.member_count;
      stats_.incidences += size;
      for (std::uint32_t j = 0; j < size; ++j) {
        if (j + kAhead < size) __builtin_prefetch(&vars_[m[j + kAhead]]);
        const VarId v = m[j];
        Var& var = vars_[v];
        if (var.mark != solve_epoch_ && (!soft || var.bottleneck == c)) {
          var.mark = solve_epoch_;
          f_.push_back(v);
          __builtin_prefetch(links(var));
        }
      }
    };
    for (ConstraintId c : dirty_) take_members(c, false);
    // A soft constraint's members that can change are its recorded bottlenecks (none to look for
    // when bn_count is 0: most ports a finished flow crossed) and the new variables, which are
    // listed since the last solve instead of being searched for in every member list.
    const std::size_t before_soft = f_.size();
    for (ConstraintId c : soft_)
      if (cons_[c].bn_count > 0) take_members(c, true);
    stats_.soft_filled += f_.size() - before_soft;
    for (VarId v : new_vars_) {
      Var& var = vars_[v];
      if (var.alive && var.bottleneck == kNoId && var.mark != solve_epoch_) {
        var.mark = solve_epoch_;
        f_.push_back(v);
      }
    }
  }
  extra_listed_ = extra_.size();
  for (std::size_t i = first; i < f_.size(); ++i) {
    if (i + kAhead < f_.size()) prefetch_var(f_[i + kAhead]);
    if (i + kAhead / 2 < f_.size())
      for (const Incidence& inc : incidences_of(f_[i + kAhead / 2])) prefetch_cons(inc.c);
    for (const Incidence& inc : incidences_of(f_[i])) {
      Cons& k = cons_[inc.c];
      if (k.d_mark != solve_epoch_ && k.b_mark != solve_epoch_) {
        k.b_mark = solve_epoch_;
        b_.push_back(inc.c);
      }
    }
  }
  stats_.filled_vars += f_.size();
  if (repeat) stats_.repeat_filled_vars += f_.size();
}

bool MaxMinSolver::check_boundary() {
  // Frozen variables recorded as bottlenecked at c number bn_count − f_old_bn of c (the fill
  // counted F's old bottlenecks, joiners included); a boundary constraint with none of them and
  // no F variable newly bottlenecked there cannot violate (a) or (b), so its member scan is
  // skipped (most boundary ports are unsaturated NIC ports).
  for (std::size_t i = 0; i < f_.size(); ++i) {
    if (i + 8 < f_.size()) prefetch_var(f_[i + 8]);
    const VarId v = f_[i];
    const Var& var = vars_[v];
    const std::uint32_t bn = var.new_bn;
    if (bn < kBoundBottleneck && cons_[bn].b_mark == solve_epoch_) {
      cons_[bn].need_mark = round_;
      cons_[bn].newbn_mark = round_;
    }
    if (var.new_rate != var.rate) {
      for (const Incidence& inc : incidences_of(v))
        if (cons_[inc.c].b_mark == solve_epoch_) cons_[inc.c].need_mark = round_;
    }
  }
  bool grew = false;
  for (ConstraintId c : b_) {
    Cons& k = cons_[c];
    if (k.need_mark != round_) continue;
    if (k.newbn_mark != round_ && k.bn_count == k.f_old_bn) continue;
    const double new_load = k.load - k.old_sum + k.new_sum;
    const bool saturated = !below(new_load, k.capacity);
    double max_f = -1.0, min_f_bn = kUnbounded, max_frozen = -1.0, min_frozen_bn = kUnbounded;
    const VarId* m = members(k);
    const std::uint32_t size = k.member_count;
    for (std::uint32_t j = 0; j < size; ++j) {
      if (j + 8 < size) __builtin_prefetch(&vars_[m[j + 8]]);
      const Var& var = vars_[m[j]];
      if (var.mark == solve_epoch_) {
        const double l = var.new_rate / var.weight;
        max_f = std::max(max_f, l);
        if (var.new_bn == c) min_f_bn = std::min(min_f_bn, l);
      } else {
        const double l = var.rate / var.weight;
        max_frozen = std::max(max_frozen, l);
        if (var.bottleneck == c) min_frozen_bn = std::min(min_frozen_bn, l);
      }
    }
    stats_.incidences += size;
    // (a) an F variable bottlenecked here must not sit below a frozen one;
    // (b) a frozen variable bottlenecked here needs the link saturated and itself on top.
    const bool bad_a = min_f_bn != kUnbounded && below(min_f_bn, max_frozen);
    const bool bad_b = min_frozen_bn != kUnbounded && (!saturated || below(min_frozen_bn, max_f));
    if (bad_a || bad_b) {
      // Only the frozen variables that break the conditions join F (c stays in B, its other
      // frozen members keep their rates): (a) those above the level of c's F bottleneck,
      // (b) those bottlenecked at c that could grow (c unsaturated) or sit below an F variable.
      for (std::uint32_t j = 0; j < size; ++j) {
        Var& var = vars_[m[j]];
        if (var.mark == solve_epoch_ || var.x_mark == solve_epoch_) continue;
        const double l = var.rate / var.weight;
        const bool join = (bad_a && below(min_f_bn, l)) ||
                          (bad_b && var.bottleneck == c && (!saturated || below(l, max_f)));
        if (join) {
          var.x_mark = solve_epoch_;
          extra_.push_back(m[j]);
        }
      }
      ++stats_.expansions;
      grew = true;
    }
  }
  return grew;
}

void MaxMinSolver::sort_ids(std::vector<VarId>& ids) {
  // LSD radix sort by 11-bit digits, only as many passes as the largest id needs (two below 2^22
  // variables): the same ascending order as std::sort, in O(n) instead of O(n log n), which was
  // ~7 % of a contended all-to-all's CPU at ~10^3 variables per solve.
  const std::size_t n = ids.size();
  if (n < 64) {
    std::sort(ids.begin(), ids.end());
    return;
  }
  constexpr unsigned kBits = 11;
  constexpr std::uint32_t kMask = (1u << kBits) - 1;
  const auto top = static_cast<unsigned>(std::bit_width(static_cast<std::uint32_t>(vars_.size())));
  sort_scratch_.resize(n);
  std::vector<VarId>* from = &ids;
  std::vector<VarId>* to = &sort_scratch_;
  for (unsigned shift = 0; shift < top; shift += kBits) {
    std::uint32_t count[kMask + 2] = {};
    for (VarId v : *from) ++count[((v >> shift) & kMask) + 1];
    for (std::uint32_t d = 0; d <= kMask; ++d) count[d + 1] += count[d];
    for (VarId v : *from) (*to)[count[(v >> shift) & kMask]++] = v;
    std::swap(from, to);
  }
  if (from != &ids) ids.swap(sort_scratch_);
}

void MaxMinSolver::commit() {
  for (ConstraintId c : dirty_) {
    settle_load(c);
    cons_[c].load = cons_[c].new_sum;  // every variable on c was re-filled
  }
  for (ConstraintId c : b_) {
    Cons& k = cons_[c];
    settle_load(c);
    k.load = std::max(0.0, k.load - k.old_sum + k.new_sum);
  }
  touched_.insert(touched_.end(), dirty_.begin(), dirty_.end());
  touched_.insert(touched_.end(), b_.begin(), b_.end());
  // Soft constraints F did not reach still changed load (a finish released its rate).
  for (ConstraintId c : soft_)
    if (cons_[c].b_mark != solve_epoch_) touched_.push_back(c);
  sort_ids(f_);
  if (fair_tol_ > 0.0) {
    // Within the tolerance the variables bottlenecked at one constraint need not share a level:
    // keep the lowest, so that rule (b) is checked no later than the lowest of them (a join at
    // a level above a variable's own would push a constraint it saturated past its capacity).
    // F's variables fixed at c all have one level; frozen ones recorded at c keep theirs.
    for (VarId v : f_) {
      const Var& var = vars_[v];
      if (var.new_bn >= kBoundBottleneck) continue;
      const Cons& k = cons_[var.new_bn];
      const double level = var.new_rate / var.weight;
      const bool frozen_there = k.b_mark == solve_epoch_ && k.bn_count > k.f_old_bn;
      bn_level_[var.new_bn] = frozen_there ? std::min(bn_level_[var.new_bn], level) : level;
    }
  }
  for (VarId v : f_) {
    Var& var = vars_[v];
    if (var.new_rate != var.rate) changed_.push_back(v);
    var.rate = var.new_rate;
    if (var.bottleneck != var.new_bn) {
      if (var.bottleneck < kBoundBottleneck) --cons_[var.bottleneck].bn_count;
      if (var.new_bn < kBoundBottleneck) ++cons_[var.new_bn].bn_count;
    }
    // Every variable bottlenecked at a constraint has the same level (the bottleneck condition
    // both ways), so one write per F variable keeps the constraint's level.
    if (var.new_bn < kBoundBottleneck && fair_tol_ == 0.0) bn_level_[var.new_bn] = var.new_rate / var.weight;
    var.bottleneck = var.new_bn;
  }
}

}  // namespace rocesim::flow
