#include "flow/max_min_solver.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace rocesim::flow {

MaxMinSolver::MaxMinSolver(std::uint32_t max_degree) : max_degree_(max_degree) {
  if (max_degree == 0) throw std::logic_error("MaxMinSolver: max_degree must be positive");
}

ConstraintId MaxMinSolver::add_constraint(double capacity) {
  if (!(capacity >= 0.0)) throw std::logic_error("MaxMinSolver: negative constraint capacity");
  const auto c = static_cast<ConstraintId>(capacity_.size());
  capacity_.push_back(capacity);
  load_.push_back(0.0);
  members_.emplace_back();
  pending_mark_.push_back(0);
  d_mark_.push_back(0);
  b_mark_.push_back(0);
  need_mark_.push_back(0);
  residual_.push_back(0.0);
  wsum_.push_back(0.0);
  old_sum_.push_back(0.0);
  new_sum_.push_back(0.0);
  unfixed_.push_back(0);
  version_.push_back(0);
  return c;
}

void MaxMinSolver::mark_dirty(ConstraintId c) {
  if (!pending_mark_[c]) {
    pending_mark_[c] = 1;
    pending_.push_back(c);
  }
}

VarId MaxMinSolver::add_variable(std::span<const ConstraintId> constraints, double weight, double bound) {
  if (constraints.empty() || constraints.size() > max_degree_)
    throw std::logic_error("MaxMinSolver: a variable needs 1..max_degree constraints");
  if (!(weight > 0.0) || !(bound > 0.0)) throw std::logic_error("MaxMinSolver: weight and bound must be positive");
  VarId v;
  if (!free_ids_.empty()) {
    v = free_ids_.back();
    free_ids_.pop_back();
  } else {
    v = static_cast<VarId>(weight_.size());
    weight_.push_back(0.0);
    bound_.push_back(0.0);
    rate_.push_back(0.0);
    bottleneck_.push_back(kNoId);
    degree_.push_back(0);
    alive_.push_back(0);
    v_mark_.push_back(0);
    new_rate_.push_back(0.0);
    new_bn_.push_back(kNoId);
    fixed_.push_back(0);
    cons_.resize(cons_.size() + max_degree_, kNoId);
    slot_.resize(slot_.size() + max_degree_, 0);
  }
  weight_[v] = weight;
  bound_[v] = bound;
  rate_[v] = 0.0;
  bottleneck_[v] = kNoId;
  degree_[v] = static_cast<std::uint32_t>(constraints.size());
  alive_[v] = 1;
  const std::size_t base = static_cast<std::size_t>(v) * max_degree_;
  for (std::size_t i = 0; i < constraints.size(); ++i) {
    const ConstraintId c = constraints[i];
    if (c >= capacity_.size()) throw std::logic_error("MaxMinSolver: unknown constraint");
    cons_[base + i] = c;
    slot_[base + i] = static_cast<std::uint32_t>(members_[c].size());
    members_[c].push_back(v);
    mark_dirty(c);
  }
  ++live_count_;
  return v;
}

void MaxMinSolver::remove_variable(VarId v) {
  if (!alive(v)) throw std::logic_error("MaxMinSolver: removing a dead variable");
  const std::size_t base = static_cast<std::size_t>(v) * max_degree_;
  for (std::uint32_t i = 0; i < degree_[v]; ++i) {
    const ConstraintId c = cons_[base + i];
    load_[c] = std::max(0.0, load_[c] - rate_[v]);
    // Swap-remove from the member list, fixing the moved variable's back-pointer.
    auto& m = members_[c];
    const std::uint32_t pos = slot_[base + i];
    const VarId moved = m.back();
    m[pos] = moved;
    m.pop_back();
    if (moved != v) {
      const std::size_t mb = static_cast<std::size_t>(moved) * max_degree_;
      for (std::uint32_t k = 0; k < degree_[moved]; ++k) {
        if (cons_[mb + k] == c) {
          slot_[mb + k] = pos;
          break;
        }
      }
    }
    mark_dirty(c);
  }
  alive_[v] = 0;
  degree_[v] = 0;
  rate_[v] = 0.0;
  bottleneck_[v] = kNoId;
  free_ids_.push_back(v);
  --live_count_;
}

std::span<const VarId> MaxMinSolver::solve() { return run(false); }

std::span<const VarId> MaxMinSolver::solve_full() { return run(true); }

std::span<const VarId> MaxMinSolver::run(bool full) {
  changed_.clear();
  if (full) {
    for (ConstraintId c = 0; c < capacity_.size(); ++c)
      if (!members_[c].empty()) mark_dirty(c);
  }
  if (pending_.empty()) return changed_;
  ++stats_.solves;
  ++solve_epoch_;
  dirty_.clear();
  for (ConstraintId c : pending_) {
    pending_mark_[c] = 0;
    d_mark_[c] = solve_epoch_;
    dirty_.push_back(c);
  }
  pending_.clear();
  for (;;) {
    ++round_;
    ++stats_.rounds;
    gather();
    fill();
    if (full || !check_boundary()) break;
  }
  commit();
  return changed_;
}

void MaxMinSolver::gather() {
  f_.clear();
  b_.clear();
  for (ConstraintId c : dirty_) {
    stats_.incidences += members_[c].size();
    for (VarId v : members_[c]) {
      if (v_mark_[v] != round_) {
        v_mark_[v] = round_;
        f_.push_back(v);
      }
    }
  }
  for (VarId v : f_) {
    for (ConstraintId c : constraints_of(v)) {
      if (d_mark_[c] != solve_epoch_ && b_mark_[c] != round_) {
        b_mark_[c] = round_;
        b_.push_back(c);
      }
    }
  }
  stats_.filled_vars += f_.size();
}

void MaxMinSolver::fix(VarId v, double level, std::uint32_t bottleneck, ConstraintId skip) {
  fixed_[v] = 1;
  const double w = weight_[v];
  const double x = std::min(w * level, bound_[v]);
  new_rate_[v] = x;
  new_bn_[v] = bottleneck;
  for (ConstraintId c : constraints_of(v)) {
    residual_[c] -= x;
    wsum_[c] -= w;
    --unfixed_[c];
    if (unfixed_[c] > 0 && c != skip) {
      // Saturation levels only grow as variables fix below them; the max() absorbs rounding.
      const double t = wsum_[c] > 0.0 ? std::max(level, std::max(0.0, residual_[c]) / wsum_[c]) : level;
      heap_.push_back(HeapEntry{t, c, ++version_[c]});
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
    }
  }
}

void MaxMinSolver::fill() {
  const auto prepare = [&](ConstraintId c) {
    wsum_[c] = 0.0;
    unfixed_[c] = 0;
    old_sum_[c] = 0.0;
  };
  for (ConstraintId c : dirty_) prepare(c);
  for (ConstraintId c : b_) prepare(c);
  for (VarId v : f_) {
    fixed_[v] = 0;
    for (ConstraintId c : constraints_of(v)) {
      wsum_[c] += weight_[v];
      ++unfixed_[c];
      old_sum_[c] += rate_[v];
    }
    stats_.incidences += degree_[v];
  }
  heap_.clear();
  const auto seed = [&](ConstraintId c) {
    // Capacity left to F once the frozen variables keep their rates.
    residual_[c] = std::max(0.0, capacity_[c] - std::max(0.0, load_[c] - old_sum_[c]));
    if (unfixed_[c] > 0) heap_.push_back(HeapEntry{residual_[c] / wsum_[c], c, ++version_[c]});
  };
  for (ConstraintId c : dirty_) seed(c);
  for (ConstraintId c : b_) seed(c);
  for (VarId v : f_)
    if (bound_[v] != kUnbounded) heap_.push_back(HeapEntry{bound_[v] / weight_[v], v, kNoId});
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>{});

  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
    const HeapEntry e = heap_.back();
    heap_.pop_back();
    if (e.version == kNoId) {
      if (!fixed_[e.id]) fix(e.id, e.level, kBoundBottleneck, kNoId);
      continue;
    }
    const ConstraintId c = e.id;
    if (version_[c] != e.version || unfixed_[c] == 0) continue;
    for (VarId v : members_[c])
      if (v_mark_[v] == round_ && !fixed_[v]) fix(v, e.level, c, c);
  }

  for (ConstraintId c : dirty_) new_sum_[c] = 0.0;
  for (ConstraintId c : b_) new_sum_[c] = 0.0;
  for (VarId v : f_)
    for (ConstraintId c : constraints_of(v)) new_sum_[c] += new_rate_[v];
}

bool MaxMinSolver::check_boundary() {
  for (VarId v : f_) {
    const std::uint32_t bn = new_bn_[v];
    if (bn < kBoundBottleneck && b_mark_[bn] == round_) need_mark_[bn] = round_;
    if (new_rate_[v] != rate_[v]) {
      for (ConstraintId c : constraints_of(v))
        if (b_mark_[c] == round_) need_mark_[c] = round_;
    }
  }
  bool grew = false;
  for (ConstraintId c : b_) {
    if (need_mark_[c] != round_) continue;
    const double new_load = load_[c] - old_sum_[c] + new_sum_[c];
    const bool saturated = !less_than(new_load, capacity_[c]);
    double max_f = -1.0, min_f_bn = kUnbounded, max_frozen = -1.0, min_frozen_bn = kUnbounded;
    for (VarId v : members_[c]) {
      if (v_mark_[v] == round_) {
        const double l = new_rate_[v] / weight_[v];
        max_f = std::max(max_f, l);
        if (new_bn_[v] == c) min_f_bn = std::min(min_f_bn, l);
      } else {
        const double l = rate_[v] / weight_[v];
        max_frozen = std::max(max_frozen, l);
        if (bottleneck_[v] == c) min_frozen_bn = std::min(min_frozen_bn, l);
      }
    }
    stats_.incidences += members_[c].size();
    // (a) an F variable bottlenecked here must not sit below a frozen one;
    // (b) a frozen variable bottlenecked here needs the link saturated and itself on top.
    const bool bad_a = min_f_bn != kUnbounded && less_than(min_f_bn, max_frozen);
    const bool bad_b = min_frozen_bn != kUnbounded && (!saturated || less_than(min_frozen_bn, max_f));
    if (bad_a || bad_b) {
      d_mark_[c] = solve_epoch_;
      dirty_.push_back(c);
      ++stats_.expansions;
      grew = true;
    }
  }
  return grew;
}

void MaxMinSolver::commit() {
  for (ConstraintId c : dirty_) load_[c] = new_sum_[c];  // every variable on c was re-filled
  for (ConstraintId c : b_) load_[c] = std::max(0.0, load_[c] - old_sum_[c] + new_sum_[c]);
  std::sort(f_.begin(), f_.end());
  for (VarId v : f_) {
    if (new_rate_[v] != rate_[v]) changed_.push_back(v);
    rate_[v] = new_rate_[v];
    bottleneck_[v] = new_bn_[v];
  }
}

}  // namespace rocesim::flow
