// MaxMinSolver's progressive filling of F, with the frozen variables that rules (a) and (b) would
// unfreeze joining during the fill (max_min_solver.hpp, "Joining during the fill").
#include <algorithm>

#include "flow/max_min_solver.hpp"

namespace rocesim::flow {

void MaxMinSolver::fix(std::uint32_t i, double level, std::uint32_t bottleneck, ConstraintId skip) {
  f_fixed_[i] = 1;
  const VarId v = f_[i];
  Var& var = vars_[v];
  --unfixed_vars_;
  const double w = var.weight;
  const double x = std::min(w * level, var.bound);
  var.new_rate = x;
  var.new_bn = bottleneck;
  const bool lower = less_than(x, var.rate);
  for (const Incidence& inc : incidences_of(v)) {
    Cons& k = cons_[inc.c];
    // Load leaves c: its frozen bottlenecks may find it unsaturated at their level.
    if (lower && k.bn_count > k.f_old_bn && k.b_mark == solve_epoch_) queue_check(inc.c, level);
    k.residual -= inc.coef * x;
    k.wsum -= inc.coef * w;
    --k.unfixed;
    if (k.unfixed > 0 && inc.c != skip) {
      // Saturation levels only grow as variables fix below them; the max() absorbs rounding.
      const double t = k.wsum > 0.0 ? std::max(level, std::max(0.0, k.residual) / k.wsum) : level;
      // Lazy key update: c's entry in the heap stays as a lower bound of t and is refreshed
      // when popped (fill()), unless rounding took t below it.
      k.new_sum = t;
      bump_version(k);
      if (t < k.heap_key) {
        k.heap_key = t;
        heap_.push(HeapEntry{t, inc.c, k.version});
      }
    }
  }
}

void MaxMinSolver::add_boundary(ConstraintId c) {
  // A constraint first reached by a joining variable: no F variable crossed it before, so its
  // fill state starts empty and its frozen load is all of its load.
  Cons& k = cons_[c];
  k.b_mark = solve_epoch_;
  b_.push_back(c);
  k.wsum = 0.0;
  k.unfixed = 0;
  k.old_sum = 0.0;
  k.fm_begin = k.fm_end = 0;
  k.f_old_bn = 0;
  k.residual = std::max(0.0, k.capacity - std::max(0.0, k.load));
}

void MaxMinSolver::queue_check(ConstraintId c, double level) {
  Cons& k = cons_[c];
  if (k.check_mark == round_) return;
  k.check_mark = round_;
  // The frozen bottlenecks of c sit at bn_level_; a check below the water level runs at once.
  quad_heap_push(checks_, HeapEntry{std::max(level, bn_level_[c]), c, kCheckEntry}, HeapEntry::before);
}

void MaxMinSolver::join(VarId v, double level) {
  Var& var = vars_[v];
  var.mark = solve_epoch_;
  var.x_mark = solve_epoch_;
  extra_.push_back(v);
  const auto pos = static_cast<std::uint32_t>(f_.size());
  f_.push_back(v);
  f_fixed_.push_back(0);
  ++unfixed_vars_;
  ++stats_.fill_joins;
  ++stats_.filled_vars;
  stats_.incidences += var.degree;
  for (const Incidence& inc : incidences_of(v)) {
    Cons& k = cons_[inc.c];
    // A frozen variable never crosses D (D's members are all in F).
    if (k.b_mark != solve_epoch_) add_boundary(inc.c);
    // Its frozen load leaves the residual; from here it rises with the water level.
    const double x = inc.coef * var.rate;
    k.old_sum += x;
    k.residual += x;
    k.wsum += inc.coef * var.weight;
    const bool had_entry = k.unfixed++ > 0;
    if (k.bn_count > k.f_old_bn) queue_check(inc.c, level);
    if (join_head_[inc.c] == kNoId) join_cons_.push_back(inc.c);
    joins_.push_back(JoinLink{pos, join_head_[inc.c]});
    join_head_[inc.c] = static_cast<std::uint32_t>(joins_.size() - 1);
    const double t = std::max(level, std::max(0.0, k.residual) / k.wsum);
    k.new_sum = t;
    bump_version(k);
    // Same lazy rule as fix(): while c has unfixed members it has an entry at or below its level
    // (the caller re-pushes the constraint it is popping); a level that rose keeps that entry.
    if (!had_entry || t < k.heap_key) {
      k.heap_key = t;
      heap_.push(HeapEntry{t, inc.c, k.version});
    }
  }
  if (var.bottleneck < kBoundBottleneck && cons_[var.bottleneck].b_mark == solve_epoch_)
    ++cons_[var.bottleneck].f_old_bn;
  if (var.bound != kUnbounded)
    heap_.push(HeapEntry{std::max(level, var.bound / var.weight), pos, kBoundEntry});
}

bool MaxMinSolver::join_above(ConstraintId c, double level) {
  // Rule (a) before c fixes its F members at `level`: every frozen member above it (beyond the
  // fairness tolerance) must come down, so it joins now, at the water level, as if it had been
  // in F from the start.
  const Cons& k = cons_[c];
  const VarId* m = members(k);
  const std::uint32_t size = k.member_count;
  stats_.incidences += size;
  bool joined = false;
  for (std::uint32_t j = 0; j < size; ++j) {
    if (j + 8 < size) __builtin_prefetch(&vars_[m[j + 8]]);
    const Var& var = vars_[m[j]];
    if (var.mark == solve_epoch_ || !below(level, var.rate / var.weight)) continue;
    join(m[j], level);
    ++stats_.saturation_joins;
    joined = true;
  }
  return joined;
}

void MaxMinSolver::check_bottleneck(ConstraintId c, double level) {
  // Rule (b) at the level of c's frozen bottlenecked variables: they stay only if c saturates
  // there (it has popped, or pops at this level), or, with no F member left unfixed, carries at
  // least C/(1 + δ); else c has room and they rise with the water.
  const Cons& k = cons_[c];
  if (k.bn_count == k.f_old_bn) return;  // all of them are in F by now
  // With unfixed F members c's saturation level can still rise after this check (members fixing
  // below it elsewhere), so only a level reached now counts; once none is left c's load is final
  // and the tolerance applies.
  const bool saturated = k.unfixed > 0 ? !less_than(level, k.new_sum) : !below(k.capacity - k.residual, k.capacity);
  if (saturated) return;
  const VarId* m = members(k);
  const std::uint32_t size = k.member_count;
  stats_.incidences += size;
  for (std::uint32_t j = 0; j < size; ++j) {
    if (j + 8 < size) __builtin_prefetch(&vars_[m[j + 8]]);
    const Var& var = vars_[m[j]];
    if (var.mark != solve_epoch_ && var.bottleneck == c) join(m[j], level);
  }
}

void MaxMinSolver::fix_members(ConstraintId c, double level) {
  const Cons& k = cons_[c];
  // Every F member of c that is still unfixed fixes here.
  for (std::uint32_t i = k.fm_begin, end = k.fm_end; i < end; ++i) {
    if (i + 4 < end && !f_fixed_[f_members_[i + 4]]) prefetch_var(f_[f_members_[i + 4]]);
    const std::uint32_t j = f_members_[i];
    if (!f_fixed_[j]) fix(j, level, c, c);
  }
  for (std::uint32_t l = join_head_[c]; l != kNoId; l = joins_[l].next)
    if (!f_fixed_[joins_[l].pos]) fix(joins_[l].pos, level, c, c);
}

void MaxMinSolver::fill() {
  // Passes over F in F's order visit variables scattered in memory: fetch a few ahead.
  constexpr std::size_t kAhead = 8;
  const auto prepare = [&](ConstraintId c) {
    Cons& k = cons_[c];
    k.wsum = 0.0;
    k.unfixed = 0;
    k.old_sum = 0.0;
    k.f_old_bn = 0;
  };
  for (ConstraintId c : dirty_) prepare(c);
  for (ConstraintId c : b_) prepare(c);
  for (std::size_t i = 0; i < f_.size(); ++i) {
    if (i + kAhead < f_.size()) prefetch_var(f_[i + kAhead]);
    const VarId v = f_[i];
    Var& var = vars_[v];
    for (const Incidence& inc : incidences_of(v)) {
      Cons& k = cons_[inc.c];
      k.wsum += inc.coef * var.weight;
      ++k.unfixed;
      k.old_sum += inc.coef * var.rate;
    }
    if (var.bottleneck < kBoundBottleneck && cons_[var.bottleneck].b_mark == solve_epoch_)
      ++cons_[var.bottleneck].f_old_bn;
    stats_.incidences += var.degree;
  }
  // The F members of each constraint, contiguous (CSR), so a saturating constraint visits only
  // them and not its frozen members (a spine port may carry thousands of frozen flows).
  std::uint32_t total = 0;
  const auto place = [&](ConstraintId c) {
    Cons& k = cons_[c];
    k.fm_begin = k.fm_end = total;
    total += k.unfixed;
  };
  for (ConstraintId c : dirty_) place(c);
  for (ConstraintId c : b_) place(c);
  f_members_.resize(total);
  for (std::uint32_t i = 0; i < f_.size(); ++i) {
    if (i + kAhead < f_.size()) prefetch_var(f_[i + kAhead]);
    for (const Incidence& inc : incidences_of(f_[i])) f_members_[cons_[inc.c].fm_end++] = i;
  }
  f_fixed_.assign(f_.size(), 0);

  heap_.clear();
  checks_.clear();
  const auto seed = [&](ConstraintId c) {
    Cons& k = cons_[c];
    // Capacity left to F once the frozen variables keep their rates.
    k.residual = std::max(0.0, k.capacity - std::max(0.0, k.load - k.old_sum));
    if (k.unfixed > 0) {
      bump_version(k);
      k.new_sum = k.heap_key = k.residual / k.wsum;
      heap_.push(HeapEntry{k.new_sum, c, k.version});
    }
  };
  for (ConstraintId c : dirty_) seed(c);
  for (ConstraintId c : b_) seed(c);
  // Rule (b): frozen variables recorded as bottlenecked at c are checked when the water reaches
  // their level, if c can have lost load: a flow left it (c in M), or, found during the fill, an
  // F variable on it fixed below its old rate or a frozen one joined (see queue_check's callers).
  // Otherwise every F member of c is unfixed at or fixed above its old rate at that level, so
  // c carries at least its old, saturating load.
  // With a fairness tolerance c may hold its frozen bottlenecks while up to a factor 1 + δ short
  // of saturation, and their levels differ by as much: F members can then rise on c's spare
  // capacity past them without c losing load, so every boundary constraint with frozen
  // bottlenecks is checked (at bn_level_, the lowest of their levels: see commit()).
  const auto queue_initial = [&](ConstraintId c) {
    const Cons& k = cons_[c];
    if (k.b_mark == solve_epoch_ && k.bn_count > k.f_old_bn && k.check_mark != round_) {
      cons_[c].check_mark = round_;
      checks_.push_back(HeapEntry{bn_level_[c], c, kCheckEntry});
    }
  };
  for (ConstraintId c : fair_tol_ > 0.0 ? b_ : soft_) queue_initial(c);
  quad_heap_make(checks_, HeapEntry::before);
  for (std::uint32_t i = 0; i < f_.size(); ++i) {
    const Var& var = vars_[f_[i]];
    if (var.bound != kUnbounded) heap_.push(HeapEntry{var.bound / var.weight, i, kBoundEntry});
  }

  unfixed_vars_ = f_.size();
  for (;;) {
    // Once every F variable is fixed, every constraint has unfixed == 0: the entries left in
    // heap_ (most of B: unsaturated ports) would only be popped and dropped. Checks may still
    // unfreeze variables, whose constraints then get fresh entries.
    if (unfixed_vars_ == 0) heap_.clear();
    if (heap_.empty() && checks_.empty()) break;
    if (heap_.empty() || (!checks_.empty() && HeapEntry::before(checks_.front(), heap_.top()))) {
      const HeapEntry e = quad_heap_pop(checks_, HeapEntry::before);
      check_bottleneck(e.id, e.level);
      continue;
    }
    const HeapEntry e = heap_.pop();
    if (e.version == kBoundEntry) {
      if (!f_fixed_[e.id]) fix(e.id, e.level, kBoundBottleneck, kNoId);
      continue;
    }
    const ConstraintId c = e.id;
    Cons& k = cons_[c];
    if (k.unfixed == 0) continue;
    if (k.version != e.version) {
      // Fixes touched c since this entry was pushed: its level k.new_sum is now exact.
      k.heap_key = k.new_sum;
      heap_.push(HeapEntry{k.new_sum, c, k.version});
      continue;
    }
    // Rule (a): frozen members above this level join (and re-push c at its higher level).
    if (k.b_mark == solve_epoch_) {
      std::uint32_t in_f = k.fm_end - k.fm_begin;
      for (std::uint32_t l = join_head_[c]; l != kNoId; l = joins_[l].next) ++in_f;
      if (k.member_count > in_f && join_above(c, e.level)) {
        k.heap_key = k.new_sum;
        heap_.push(HeapEntry{k.new_sum, c, k.version});
        continue;
      }
    }
    fix_members(c, e.level);
  }

  for (ConstraintId c : join_cons_) join_head_[c] = kNoId;
  join_cons_.clear();
  joins_.clear();
  for (ConstraintId c : dirty_) cons_[c].new_sum = 0.0;
  for (ConstraintId c : b_) cons_[c].new_sum = 0.0;
  for (std::size_t i = 0; i < f_.size(); ++i) {
    if (i + kAhead < f_.size()) prefetch_var(f_[i + kAhead]);
    const VarId v = f_[i];
    for (const Incidence& inc : incidences_of(v)) cons_[inc.c].new_sum += inc.coef * vars_[v].new_rate;
  }
}

}  // namespace rocesim::flow
