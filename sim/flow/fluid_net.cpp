#include "flow/fluid_net.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/config_error.hpp"
#include "core/memory_budget.hpp"

namespace rocesim::flow {
namespace {

constexpr double kPsPerSecond = 1e12;

}  // namespace

FluidNet::FluidNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, FluidParams params)
    : sim_(sim), fabric_(fabric), router_(router), params_(params), spreader_(fabric, router) {
  classes_.resize(256);
  timer_ = sim_.make_timer(this, kComplete);
  solve_timer_ = sim_.make_timer(this, kSolve);
}

FluidNet::~FluidNet() = default;

FluidNet::Class& FluidNet::class_for(std::uint8_t priority) {
  auto& slot = classes_[priority];
  if (slot) return *slot;
  slot = std::make_unique<Class>();
  slot->solver.set_fair_tolerance(params_.fair_tolerance);
  // Constraint id == port id; the capacity is what the higher classes leave (header comment).
  for (topology::PortId p = 0; p < fabric_.port_count(); ++p) {
    double cap = live_capacity(p);
    for (std::uint8_t k : class_order_)
      if (k < priority) cap -= classes_[k]->solver.load(p);
    slot->solver.add_constraint(std::max(0.0, cap));
  }
  class_order_.insert(std::upper_bound(class_order_.begin(), class_order_.end(), priority), priority);
  return *slot;
}

std::uint32_t FluidNet::allocate_flow() {
  if (!free_flows_.empty()) {
    const std::uint32_t f = free_flows_.back();
    free_flows_.pop_back();
    return f;
  }
  const auto f = static_cast<std::uint32_t>(flows_.size());
  if (flows_.size() == flows_.capacity() && flows_.size() >= kGuardFlows) guard_growth();
  flows_.emplace_back();
  shares_len_.push_back(0);
  shares_.emplace_back();
  if (params_.bundle_parallel) {
    bundle_lanes_.push_back(0);
    bundle_block_.emplace_back();
  }
  return f;
}

void FluidNet::merge_lane(std::vector<ConstraintId>& ports, std::vector<double>& coefs, double w_old,
                          std::span<const ConstraintId> lane_ports, std::span<const double> lane_coefs, double w) {
  // (a_old·w_old + a_lane·w)/w_new in one expression per port, so a port every lane crosses with
  // coefficient 1 (the NIC) stays exactly 1 and a bundle on one path stays pinned.
  const double w_new = w_old + w;
  const std::size_t n_old = ports.size();
  for (std::size_t i = 0; i < n_old; ++i) {
    double a_lane = 0.0;
    for (std::size_t k = 0; k < lane_ports.size(); ++k)
      if (lane_ports[k] == ports[i]) a_lane = lane_coefs[k];
    coefs[i] = (coefs[i] * w_old + a_lane * w) / w_new;
  }
  for (std::size_t k = 0; k < lane_ports.size(); ++k) {
    if (std::find(ports.begin(), ports.begin() + static_cast<std::ptrdiff_t>(n_old), lane_ports[k]) !=
        ports.begin() + static_cast<std::ptrdiff_t>(n_old))
      continue;
    ports.push_back(lane_ports[k]);
    coefs.push_back(lane_coefs[k] * w / w_new);
  }
}

bool FluidNet::join_bundle(const TransferRequest& request, const routing::FlowKey& key, Time latency) {
  const std::int64_t now = sim_.now().ps;
  const std::uint32_t f = open_;
  const std::int64_t b = request.bytes.n;
  if (f == UINT32_MAX || open_at_ != now || flows_[f].var != kNoId || latency != open_latency_ ||
      flows_[f].src != request.src || flows_[f].dst != request.dst || flows_[f].prio != request.priority)
    return false;
  const std::int64_t lo = std::min(open_min_, b), hi = std::max(open_max_, b);
  const std::uint32_t lanes = flows_[f].bundled ? bundle_lanes_[f] : 1;
  if (static_cast<double>(hi) > kBundleSizeRatio * static_cast<double>(lo) || lanes == kMaxBundle) return false;
  open_min_ = lo;
  open_max_ = hi;
  const double w = static_cast<double>(wire_bytes(params_, request.bytes).n);
  // Lanes: lane 0 is the opener, recorded when the first lane joins it.
  if (!flows_[f].bundled) {
    bundle_block_[f] = lane_pool_.allocate(2);
    lanes_of(f)[0] = BundleLane{flows_[f].tag, flows_[f].total, flows_[f].sport, 0};
    flows_[f].bundled = 1;
  } else if (std::has_single_bit(lanes)) {
    const BlockPool<BundleLane>::Block grown = lane_pool_.allocate(2 * lanes);
    std::copy_n(lanes_of(f), lanes, lane_pool_.data(grown));
    lane_pool_.release(bundle_block_[f]);
    bundle_block_[f] = grown;
  }
  lanes_of(f)[lanes] = BundleLane{request.tag, w, key.sport, 0};
  bundle_lanes_[f] = static_cast<std::uint16_t>(lanes + 1);
  // The opener's shares, absorbing this lane's.
  lane_ports_.swap(scratch_ports_);
  lane_coefs_.swap(scratch_coefs_);
  const std::uint32_t before = share_count(f);
  take_shares(f);
  merge_lane(scratch_ports_, scratch_coefs_, flows_[f].total, lane_ports_, lane_coefs_, w);
  store_shares(f, false);
  stats_.incidences += share_count(f) - before;
  flows_[f].total += w;
  flows_[f].remaining += w;
  ++stats_.bundled;
  ++stats_.started;
  return true;
}

double FluidNet::bound_of(std::uint32_t f) const {
  if (!params_.flow_rate_cap.bps) return kUnbounded;
  const double cap = static_cast<double>(params_.flow_rate_cap.bps);
  if (!flows_[f].bundled) return cap;
  // Lane i runs at x·w_i/W: the largest lane meets the per-QP cap first.
  double sum = 0.0, largest = 0.0;
  for (std::uint32_t i = 0; i < bundle_lanes_[f]; ++i) {
    sum += lanes_of(f)[i].wire;
    largest = std::max(largest, lanes_of(f)[i].wire);
  }
  return cap * sum / largest;
}

VarId FluidNet::add_var(Class& cls, std::uint32_t f, bool pinned) {
  const double weight = flows_[f].bundled ? static_cast<double>(bundle_lanes_[f]) : 1.0;
  const double bound = bound_of(f);
  return pinned ? cls.solver.add_variable(scratch_ports_, weight, bound)
                : cls.solver.add_variable(scratch_ports_, scratch_coefs_, weight, bound);
}

double FluidNet::share_coef(std::uint32_t f, std::uint32_t k) const {
  if (!(shares_len_[f] & kSharesCoefs)) return 1.0;
  double a;
  std::memcpy(&a, share_ports(f) + share_count(f) + 2 * k, sizeof a);
  return a;
}

void FluidNet::store_shares(std::uint32_t f, bool release_old) {
  if (release_old) share_pool_.release(shares_[f]);
  const auto n = static_cast<std::uint32_t>(scratch_ports_.size());
  const bool coefs = std::any_of(scratch_coefs_.begin(), scratch_coefs_.end(), [](double a) { return a != 1.0; });
  shares_[f] = share_pool_.allocate(coefs ? 3 * n : n);
  shares_len_[f] = n | (coefs ? kSharesCoefs : 0);
  std::uint32_t* out = share_pool_.data(shares_[f]);
  std::copy_n(scratch_ports_.begin(), n, out);
  if (coefs) std::memcpy(out + n, scratch_coefs_.data(), n * sizeof(double));
}

bool FluidNet::take_shares(std::uint32_t f) {
  const std::uint32_t n = share_count(f);
  const bool coefs = (shares_len_[f] & kSharesCoefs) != 0;
  const std::uint32_t* in = share_ports(f);
  scratch_ports_.assign(in, in + n);
  scratch_coefs_.resize(n);
  if (coefs) {
    std::memcpy(scratch_coefs_.data(), in + n, n * sizeof(double));
  } else {
    std::fill(scratch_coefs_.begin(), scratch_coefs_.end(), 1.0);
  }
  share_pool_.release(shares_[f]);
  return !coefs;
}

void FluidNet::guard_growth() {
  // The slot arrays are about to double. A slot costs more than its own records (64 B flow line,
  // 128 B solver variable, 16 B of handles) once its flow is active: member lists, pools, the
  // completion queue and the containers' doubling. Measured on a 1,024-rank NCCL all-to-all
  // (262,144 transfers at once, session 11): ~850 B of resident set per concurrent transfer; the
  // projection uses 640 B (3/4 of that), or the resident growth per slot seen since the previous
  // check if larger. A mega-scale all-to-all that starts tens of millions of transfers at once
  // stops here with exit 3 instead of being killed by the kernel's OOM killer mid-run.
  const std::uint64_t slots = flows_.capacity();
  const std::uint64_t resident = resident_bytes();
  std::uint64_t per_slot = kGuardBytesPerSlot;
  std::string basis = std::to_string(per_slot) + " B per slot (3/4 of the ~850 B measured per concurrent transfer)";
  if (guard_slots_ > 0 && slots > guard_slots_ && resident > guard_resident_) {
    const std::uint64_t observed = (resident - guard_resident_) / (slots - guard_slots_);
    if (observed > per_slot) {
      per_slot = observed;
      basis = std::to_string(per_slot) + " B per slot, as the process grew since " + std::to_string(guard_slots_) + " slots";
    }
  }
  guard_slots_ = slots;
  guard_resident_ = resident;
  // Many transfers between the same pairs at once (an all-to-all's channels and QPs) fit in a
  // fraction of the slots as bundles: say so when they are off.
  const std::string hint = params_.bundle_parallel ? ""
                                                   : "; with --set bundle_parallel=true the parallel transfers of one "
                                                     "pair started together share one slot (fluid_params.hpp)";
  require_memory(resident + slots * per_slot, "growing the fluid tier to " + std::to_string(2 * slots) + " transfer slots",
                 std::to_string(flows_.size()) + " transfers started and not yet finished; " + basis + " beyond the " +
                     gib_string(resident) + " already resident" + hint);
}

Time FluidNet::ecmp_path(const TransferRequest& request, std::span<const topology::PortId>& path) {
  if (path_cache_.empty()) path_cache_.resize(fabric_.endpoints());
  CachedPath& cached = path_cache_[request.src];
  if (cached.dst == request.dst && cached.label == request.flow_label) {
    ++stats_.path_cache_hits;
    path = std::span<const topology::PortId>(cached.ports, cached.len);
    return cached.latency;
  }
  scratch_path_.clear();
  if (!router_.path(routing::FlowKey::for_qp(request.src, request.dst, request.flow_label), scratch_path_) ||
      scratch_path_.empty() || scratch_path_.size() > kMaxPath) {
    throw ConfigError("", "", "no path from endpoint " + std::to_string(request.src) + " to endpoint " +
                                  std::to_string(request.dst) + " (flow label " +
                                  std::to_string(request.flow_label) + ") in fabric '" + fabric_.name() + "'");
  }
  Time latency = Time::zero();
  for (topology::PortId p : scratch_path_) latency += fabric_.port_latency(p);
  if (scratch_path_.size() <= kCachedPath) {
    cached.dst = request.dst;
    cached.label = request.flow_label;
    cached.len = static_cast<std::uint32_t>(scratch_path_.size());
    cached.latency = latency;
    std::copy(scratch_path_.begin(), scratch_path_.end(), cached.ports);
  }
  path = scratch_path_;
  return latency;
}

void FluidNet::start(const TransferRequest& request) {
  if (request.src >= fabric_.endpoints() || request.dst >= fabric_.endpoints() || request.src == request.dst ||
      request.bytes.n <= 0)
    throw std::logic_error("FluidNet::start: invalid request (see TransferBackend::start)");
  std::span<const topology::PortId> path;
  const Time latency = params_.overhead + ecmp_path(request, path);
  const routing::FlowKey key = routing::FlowKey::for_qp(request.src, request.dst, request.flow_label);
  scratch_ports_.clear();
  scratch_coefs_.clear();
  spreader_.spread(key, path, scratch_ports_, scratch_coefs_);
  if (params_.bundle_parallel && join_bundle(request, key, latency)) return;
  class_for(request.priority);  // the class exists before its first flow activates
  const std::uint32_t f = allocate_flow();
  if (params_.bundle_parallel && latency > Time::zero()) {
    open_ = f;
    open_at_ = sim_.now().ps;
    open_latency_ = latency;
    open_min_ = open_max_ = request.bytes.n;
  }
  flows_[f].tag = request.tag;
  flows_[f].src = key.src;
  flows_[f].dst = key.dst;
  flows_[f].sport = key.sport;
  flows_[f].total = static_cast<double>(wire_bytes(params_, request.bytes).n);
  flows_[f].remaining = flows_[f].total;
  flows_[f].rate = 0.0;
  flows_[f].prio = request.priority;
  const auto n = static_cast<std::uint32_t>(scratch_ports_.size());
  store_shares(f, false);
  stats_.incidences += n;
  ++stats_.started;
  if (latency == Time::zero()) {
    activate(f);
  } else {
    schedule_activation(f, latency);
  }
}

void FluidNet::schedule_activation(std::uint32_t f, Time latency) {
  std::size_t lane = 0;
  while (lane < lanes_.size() && lanes_[lane].latency != latency) ++lane;
  if (lane == lanes_.size()) {
    if (lanes_.size() == kMaxLanes) {
      sim_.schedule_in(latency, this, kActivate, f);
      return;
    }
    lanes_.push_back(Lane{latency, {}, 0, sim_.make_timer(this, kLane, lane)});
  }
  Lane& l = lanes_[lane];
  const std::int64_t at = (sim_.now() + latency).ps;
  if (l.head == l.fifo.size()) sim_.arm(l.timer, Time{at});
  l.fifo.emplace_back(at, f);
}

void FluidNet::drain_lane(std::uint32_t lane) {
  Lane& l = lanes_[lane];
  const std::int64_t now = sim_.now().ps;
  while (l.head < l.fifo.size() && l.fifo[l.head].first <= now) activate(l.fifo[l.head++].second);
  if (l.head == l.fifo.size()) {
    l.fifo.clear();
    l.head = 0;
    return;
  }
  // Drop the consumed prefix once it dominates, so the FIFO's memory tracks what is pending.
  if (l.head > 4096 && 2 * l.head > l.fifo.size()) {
    l.fifo.erase(l.fifo.begin(), l.fifo.begin() + static_cast<std::ptrdiff_t>(l.head));
    l.head = 0;
  }
  sim_.arm(l.timer, Time{l.fifo[l.head].first});
}

void FluidNet::activate(std::uint32_t f) {
  to_add_.push_back(f);
  std::int64_t lag = 0;
  if (params_.resolve_slack > 0.0 && share_count(f) > 0) {
    // Deferred start (header: "resolve slack"): at most ε·8·S/r̂, r̂ the equal share of the most
    // crowded port it crosses (in its class), counting itself.
    // A flow that puts a_p of its rate on p (spraying, bundles) gets C_p/((n_p + 1)·a_p) there.
    const MaxMinSolver& solver = classes_[flows_[f].prio]->solver;
    const topology::PortId* ports = share_ports(f);
    double r = kUnbounded;
    for (std::uint32_t k = 0, n = share_count(f); k < n; ++k)
      r = std::min(r, solver.capacity(ports[k]) /
                          (static_cast<double>(solver.vars_of(ports[k]).size() + 1) * share_coef(f, k)));
    r = std::min(r, bound_of(f));
    if (r > 0.0) lag = static_cast<std::int64_t>(slack_ps(flows_[f].total, r));
  }
  request_solve_at(Time{sim_.now().ps + lag});
}

void FluidNet::add_activated() {
  const std::int64_t now = sim_.now().ps;
  // Each add is a chain of dependent misses (flow slot -> its shares -> the ports' records -> the
  // ports' member lists); prefetching the links of the chain at staggered distances overlaps them.
  const std::size_t n_add = to_add_.size();
  const auto ports_of = [&](std::size_t i, auto&& fn) {
    const std::uint32_t g = to_add_[i];
    const topology::PortId* in = share_ports(g);
    MaxMinSolver& solver = classes_[flows_[g].prio]->solver;
    for (std::uint32_t k = 0, n = share_count(g); k < n; ++k) fn(solver, in[k]);
  };
  for (std::size_t i = 0; i < n_add; ++i) {
    if (i + 12 < n_add) {
      const std::uint32_t g = to_add_[i + 12];
      __builtin_prefetch(&shares_[g]);
      __builtin_prefetch(&shares_len_[g]);
      __builtin_prefetch(&flows_[g]);
    }
    if (i + 8 < n_add) __builtin_prefetch(share_pool_.data(shares_[to_add_[i + 8]]));
    if (i + 4 < n_add) ports_of(i + 4, [](const MaxMinSolver& solver, ConstraintId c) { solver.prefetch_constraint(c); });
    if (i + 2 < n_add) ports_of(i + 2, [](const MaxMinSolver& solver, ConstraintId c) { solver.prefetch_member_tail(c); });
    const std::uint32_t f = to_add_[i];
    const bool pinned = take_shares(f);
    Class& cls = *classes_[flows_[f].prio];
    const VarId v = add_var(cls, f, pinned);
    if (v >= cls.flow_of_var.size()) cls.flow_of_var.resize(v + 1, kNoFlow);
    note_loaded(scratch_ports_);
    cls.flow_of_var[v] = f;
    flows_[f].var = v;
    flows_[f].last = now;
  }
  to_add_.clear();
  stats_.peak_active = std::max(stats_.peak_active, active_flows());
}

void FluidNet::request_solve() { request_solve_at(sim_.now()); }

void FluidNet::request_solve_at(Time at) {
  if (solve_pending_ && solve_at_ <= at) return;
  solve_at_ = at;
  solve_pending_ = true;
  if (params_.resolve_slack == 0.0) {
    sim_.schedule_at(at, this, kSolve);  // exact: one same-instant event after this instant's changes
  } else {
    sim_.arm(solve_timer_, at);  // re-arming moves a deferred solve earlier
  }
}

void FluidNet::on_event(Simulator&, std::uint32_t kind, std::uint64_t arg) {
  switch (kind) {
    case kActivate:
      activate(static_cast<std::uint32_t>(arg));
      break;
    case kSolve:
      solve();
      break;
    case kComplete:
      complete_due();
      break;
    case kLane:
      drain_lane(static_cast<std::uint32_t>(arg));
      break;
    default:
      throw std::logic_error("FluidNet: unknown event kind");
  }
}

void FluidNet::push_completion(std::uint32_t f) {
  const double x = flows_[f].rate;
  if (!(x > 0.0)) return;  // a flow at rate 0 finishes only after a later rate change
  const double dt = std::ceil(std::max(0.0, flows_[f].remaining) * 8.0 * kPsPerSecond / x);
  const double at = static_cast<double>(flows_[f].last) + dt;
  const std::int64_t at_ps = at >= 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(at);
  flows_[f].pending_bucket = completions_.push(at_ps, f, flows_[f].version);
}

void FluidNet::supersede(std::uint32_t f) {
  if (flows_[f].pending_bucket != CompletionQueue::kNoBucket) {
    completions_.release(flows_[f].pending_bucket);
    flows_[f].pending_bucket = CompletionQueue::kNoBucket;
  }
  ++flows_[f].version;
}

std::int64_t FluidNet::resolve_lag_ps() const {
  // Deferred re-allocation (header: "resolve slack"): the capacity a finished flow frees is
  // re-allocated within ε·8·size/rate of it. Nothing to re-allocate once no flow is left.
  if (params_.resolve_slack == 0.0 || (active_flows() == 0 && to_add_.empty())) return 0;
  double lag = kPsPerSecond;
  for (std::uint32_t f : done_flows_) lag = std::min(lag, slack_ps(flows_[f].total, flows_[f].rate));
  return static_cast<std::int64_t>(lag);
}

double FluidNet::slack_ps(double bytes, double bps) const {
  return std::min(kPsPerSecond, params_.resolve_slack * bytes * 8.0 * kPsPerSecond / bps);  // capped at 1 s
}

void FluidNet::solve() {
  solve_pending_ = false;
  add_activated();
  const std::int64_t now = sim_.now().ps;
  for (std::size_t i = 0; i < class_order_.size(); ++i) {
    Class& cls = *classes_[class_order_[i]];
    cls.solver.set_clock(now);
    const std::span<const VarId> changed = params_.incremental ? cls.solver.solve() : cls.solver.solve_full();
    stats_.rate_updates += changed.size();
    constexpr std::size_t kAhead = 8;
    for (std::size_t j = 0; j < changed.size(); ++j) {
      if (j + kAhead < changed.size()) __builtin_prefetch(&flows_[cls.flow_of_var[changed[j + kAhead]]]);
      const VarId v = changed[j];
      const std::uint32_t f = cls.flow_of_var[v];
      // Drain at the old rate up to now, then continue at the new one.
      flows_[f].remaining = flows_[f].remaining_at(now);
      flows_[f].last = now;
      flows_[f].rate = cls.solver.rate(v);
      supersede(f);
      push_completion(f);
    }
    if (i + 1 == class_order_.size()) break;
    // Strict priority: the next class gets what this one leaves. Leftovers below the solver's
    // tolerance are rounding, not capacity (they would give a lower flow a rate of ~0). The ports
    // to pass on are those whose load changed here (touched) and those whose capacity the class
    // above changed: a class with no flow on a port does not touch it, yet must pass it on.
    MaxMinSolver& lower = classes_[class_order_[i + 1]]->solver;
    cap_next_.assign(cls.solver.touched().begin(), cls.solver.touched().end());
    cap_next_.insert(cap_next_.end(), cap_carry_.begin(), cap_carry_.end());
    for (ConstraintId c : cap_next_) {
      const double cap = cls.solver.capacity(c);
      double left = cap - cls.solver.load(c);
      if (left <= MaxMinSolver::kRelTol * cap) left = 0.0;
      lower.set_capacity(c, left);
    }
    cap_carry_.swap(cap_next_);
  }
  cap_carry_.clear();
  ++stats_.batches;
  // Stale entries are dropped lazily; compact when they dominate.
  if (completions_.entries() > 4 * active_flows() + 1024) {
    completions_.compact(
        [&](const CompletionQueue::Entry& e) { return flows_[e.item].var == kNoId || e.version != flows_[e.item].version; });
  }
  arm_next();
}

void FluidNet::arm_next() {
  completions_.drop_dead();
  if (completions_.empty()) {
    sim_.cancel(timer_);
  } else {
    sim_.arm(timer_, Time{completions_.top_time()});
  }
}

void FluidNet::complete_due() {
  const std::int64_t now = sim_.now().ps;
  done_tags_.clear();
  done_flows_.clear();
  popped_.clear();
  for (;;) {
    completions_.drop_dead();
    if (completions_.empty() || completions_.top_time() > now) break;
    completions_.pop_top(popped_);
  }
  for (const CompletionQueue::Entry& e : popped_) {
    const std::uint32_t f = e.item;
    if (flows_[f].var == kNoId || e.version != flows_[f].version) continue;
    ++flows_[f].version;  // later entries of f are stale from here on
    flows_[f].pending_bucket = CompletionQueue::kNoBucket;  // its bucket was popped
    done_flows_.push_back(f);
  }
  // Removal per class, in completion order; the solver credits total_ bytes to every port crossed.
  for (std::uint8_t k : class_order_) {
    done_vars_.clear();
    done_credits_.clear();
    for (std::uint32_t f : done_flows_) {
      if (flows_[f].prio != k) continue;
      done_vars_.push_back(flows_[f].var);
      done_credits_.push_back(flows_[f].total);
    }
    if (done_vars_.empty()) continue;
    Class& cls = *classes_[k];
    cls.solver.set_clock(now);
    cls.solver.remove_variables(done_vars_, done_credits_);
    for (VarId v : done_vars_) cls.flow_of_var[v] = kNoFlow;
  }
  for (std::uint32_t f : done_flows_) {
    flows_[f].var = kNoId;
    if (flows_[f].bundled) {  // its lanes finish together, reported in start order
      for (std::uint32_t i = 0; i < bundle_lanes_[f]; ++i) done_tags_.push_back(lanes_of(f)[i].tag);
      lane_pool_.release(bundle_block_[f]);
      flows_[f].bundled = 0;
    } else {
      done_tags_.push_back(flows_[f].tag);
    }
    free_flows_.push_back(f);
  }
  stats_.completed += done_tags_.size();
  if (!done_tags_.empty()) request_solve_at(Time{now + resolve_lag_ps()});
  arm_next();
  // Callbacks last: a sink may start new transfers, which join this instant's batch.
  if (sink_ != nullptr) {
    // A sink usually starts the next transfer of the finished flow's source or destination (a
    // ring's next step): fetch their path lines early.
    constexpr std::size_t kAhead = 4;
    const bool cached = !path_cache_.empty();
    for (std::size_t i = 0; i < done_tags_.size(); ++i) {
      if (cached && i + kAhead < done_flows_.size()) {
        const Flow& ahead = flows_[done_flows_[i + kAhead]];
        __builtin_prefetch(&path_cache_[ahead.src]);
        __builtin_prefetch(&path_cache_[ahead.dst]);
      }
      sink_->on_transfer_done(done_tags_[i], sim_.now());
    }
  }
}

SolveStats FluidNet::solver_stats() const {
  SolveStats sum;
  for (std::uint8_t k : class_order_) {
    const SolveStats& s = classes_[k]->solver.stats();
    sum.solves += s.solves;
    sum.rounds += s.rounds;
    sum.filled_vars += s.filled_vars;
    sum.repeat_filled_vars += s.repeat_filled_vars;
    sum.incidences += s.incidences;
    sum.expansions += s.expansions;
    sum.fill_joins += s.fill_joins;
    sum.saturation_joins += s.saturation_joins;
    sum.soft_filled += s.soft_filled;
  }
  return sum;
}

std::size_t FluidNet::active_flows() const {
  std::size_t n = 0;
  for (std::uint8_t k : class_order_) n += classes_[k]->solver.live_variables();
  return n;
}

double FluidNet::aggregate_rate() const {
  double sum = 0.0;
  for (std::uint32_t f = 0; f < flows_.size(); ++f)
    if (flows_[f].var != kNoId) sum += flows_[f].rate;
  return sum;
}

double FluidNet::rate_of(std::uint64_t tag) const {
  for (std::uint32_t f = 0; f < flows_.size(); ++f) {
    if (flows_[f].var == kNoId) continue;
    if (!flows_[f].bundled) {
      if (flows_[f].tag == tag) return flows_[f].rate;
      continue;
    }
    double sum = 0.0;
    for (std::uint32_t i = 0; i < bundle_lanes_[f]; ++i) sum += lanes_of(f)[i].wire;
    for (std::uint32_t i = 0; i < bundle_lanes_[f]; ++i)
      if (lanes_of(f)[i].tag == tag) return flows_[f].rate * lanes_of(f)[i].wire / sum;
  }
  return -1.0;
}

double FluidNet::port_load(topology::PortId p) const {
  double sum = 0.0;
  for (std::uint8_t k : class_order_) sum += classes_[k]->solver.load(p);
  return sum;
}

std::vector<double> FluidNet::port_bytes() const {
  std::vector<double> bytes(fabric_.port_count(), 0.0);
  for (std::uint8_t k : class_order_)
    for (topology::PortId p = 0; p < bytes.size(); ++p) bytes[p] += classes_[k]->solver.accumulated(p);
  const std::int64_t now = sim_.now().ps;
  for (std::uint32_t f = 0; f < flows_.size(); ++f) {
    if (flows_[f].var == kNoId) continue;
    const double left = flows_[f].remaining_at(now);
    const double sent = std::clamp(flows_[f].total - left, 0.0, flows_[f].total);
    for (const Incidence& inc : classes_[flows_[f].prio]->solver.incidences_of(flows_[f].var)) bytes[inc.c] += inc.coef * sent;
  }
  return bytes;
}

void FluidNet::sampled_port_bytes(std::span<double> out) const {
  const std::int64_t now = sim_.now().ps;
  std::fill(out.begin(), out.end(), 0.0);
  for (std::uint8_t k : class_order_) {
    const MaxMinSolver& solver = classes_[k]->solver;
    for (topology::PortId p = 0; p < out.size(); ++p) out[p] += solver.load_integral(p, now) / (8.0 * kPsPerSecond);
  }
}

std::vector<double> FluidNet::port_utilization(Time window) const {
  std::vector<double> u = port_bytes();
  for (topology::PortId p = 0; p < u.size(); ++p)
    u[p] = 8.0 * u[p] * kPsPerSecond / (static_cast<double>(fabric_.port_rate(p).bps) * static_cast<double>(window.ps));
  return u;
}

}  // namespace rocesim::flow
