#include "flow/fluid_net.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/config_error.hpp"

namespace rocesim::flow {
namespace {

constexpr double kPsPerSecond = 1e12;

}  // namespace

FluidNet::FluidNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, FluidParams params)
    : sim_(sim), fabric_(fabric), router_(router), params_(params), solver_(kMaxPath) {
  // One constraint per port: constraint id == port id.
  for (topology::PortId p = 0; p < fabric_.port_count(); ++p)
    solver_.add_constraint(static_cast<double>(fabric_.port_rate(p).bps));
  carried_.assign(fabric_.port_count(), 0.0);
  timer_ = sim_.make_timer(this, kComplete);
}

std::uint32_t FluidNet::allocate_flow() {
  if (!free_flows_.empty()) {
    const std::uint32_t f = free_flows_.back();
    free_flows_.pop_back();
    return f;
  }
  const auto f = static_cast<std::uint32_t>(tag_.size());
  tag_.push_back(0);
  total_.push_back(0.0);
  remaining_.push_back(0.0);
  rate_.push_back(0.0);
  last_.push_back(0);
  version_.push_back(0);
  var_.push_back(kNoId);
  path_len_.push_back(0);
  path_.resize(path_.size() + kMaxPath, topology::kNone);
  return f;
}

void FluidNet::start(const TransferRequest& request) {
  if (request.src >= fabric_.endpoints() || request.dst >= fabric_.endpoints() || request.src == request.dst ||
      request.bytes.n <= 0)
    throw std::logic_error("FluidNet::start: invalid request (see TransferBackend::start)");
  scratch_path_.clear();
  if (!router_.path(routing::FlowKey::for_qp(request.src, request.dst, request.flow_label), scratch_path_) ||
      scratch_path_.empty() || scratch_path_.size() > kMaxPath) {
    throw ConfigError("", "", "no path from endpoint " + std::to_string(request.src) + " to endpoint " +
                                  std::to_string(request.dst) + " (flow label " +
                                  std::to_string(request.flow_label) + ") in fabric '" + fabric_.name() + "'");
  }
  const std::uint32_t f = allocate_flow();
  tag_[f] = request.tag;
  total_[f] = static_cast<double>(request.bytes.n);
  remaining_[f] = total_[f];
  rate_[f] = 0.0;
  path_len_[f] = static_cast<std::uint32_t>(scratch_path_.size());
  Time latency = params_.overhead;
  for (std::size_t i = 0; i < scratch_path_.size(); ++i) {
    path_[static_cast<std::size_t>(f) * kMaxPath + i] = scratch_path_[i];
    latency += fabric_.port_latency(scratch_path_[i]);
  }
  ++stats_.started;
  if (latency == Time::zero()) {
    activate(f);
  } else {
    sim_.schedule_in(latency, this, kActivate, f);
  }
}

void FluidNet::activate(std::uint32_t f) {
  const double cap = params_.flow_rate_cap.bps ? static_cast<double>(params_.flow_rate_cap.bps) : kUnbounded;
  const VarId v = solver_.add_variable(path_of(f), 1.0, cap);
  if (v >= flow_of_var_.size()) flow_of_var_.resize(v + 1, kNoId);
  flow_of_var_[v] = f;
  var_[f] = v;
  last_[f] = sim_.now().ps;
  stats_.peak_active = std::max(stats_.peak_active, solver_.live_variables());
  request_solve();
}

void FluidNet::request_solve() {
  if (solve_pending_) return;
  solve_pending_ = true;
  sim_.schedule_at(sim_.now(), this, kSolve);
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
    default:
      throw std::logic_error("FluidNet: unknown event kind");
  }
}

void FluidNet::push_completion(std::uint32_t f) {
  const double x = rate_[f];
  if (!(x > 0.0)) return;  // a flow at rate 0 finishes only after a later rate change
  const double dt = std::ceil(std::max(0.0, remaining_[f]) * 8.0 * kPsPerSecond / x);
  const double at = static_cast<double>(last_[f]) + dt;
  const std::int64_t at_ps = at >= 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(at);
  heap_.push_back(Completion{at_ps, f, version_[f]});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
}

void FluidNet::solve() {
  solve_pending_ = false;
  const std::int64_t now = sim_.now().ps;
  const std::span<const VarId> changed = params_.incremental ? solver_.solve() : solver_.solve_full();
  ++stats_.batches;
  stats_.rate_updates += changed.size();
  for (VarId v : changed) {
    const std::uint32_t f = flow_of_var_[v];
    // Drain at the old rate up to now, then continue at the new one.
    remaining_[f] -= rate_[f] * static_cast<double>(now - last_[f]) / (8.0 * kPsPerSecond);
    last_[f] = now;
    rate_[f] = solver_.rate(v);
    ++version_[f];
    push_completion(f);
  }
  // Stale heap entries are dropped lazily; compact when they dominate.
  if (heap_.size() > 4 * solver_.live_variables() + 1024) {
    std::erase_if(heap_, [&](const Completion& c) { return var_[c.flow] == kNoId || c.version != version_[c.flow]; });
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>{});
  }
  arm_next();
}

void FluidNet::arm_next() {
  while (!heap_.empty()) {
    const Completion& top = heap_.front();
    if (var_[top.flow] != kNoId && top.version == version_[top.flow]) {
      sim_.arm(timer_, Time{top.at});
      return;
    }
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
    heap_.pop_back();
  }
  sim_.cancel(timer_);
}

void FluidNet::complete_due() {
  const std::int64_t now = sim_.now().ps;
  done_tags_.clear();
  while (!heap_.empty() && heap_.front().at <= now) {
    const Completion c = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
    heap_.pop_back();
    const std::uint32_t f = c.flow;
    if (var_[f] == kNoId || c.version != version_[f]) continue;
    for (topology::PortId p : path_of(f)) carried_[p] += total_[f];
    solver_.remove_variable(var_[f]);
    flow_of_var_[var_[f]] = kNoId;
    var_[f] = kNoId;
    ++version_[f];
    done_tags_.push_back(tag_[f]);
    free_flows_.push_back(f);
  }
  stats_.completed += done_tags_.size();
  if (!done_tags_.empty()) request_solve();
  arm_next();
  // Callbacks last: a sink may start new transfers, which join this instant's batch.
  if (sink_ != nullptr) {
    for (std::size_t i = 0; i < done_tags_.size(); ++i) sink_->on_transfer_done(done_tags_[i], sim_.now());
  }
}

double FluidNet::aggregate_rate() const {
  double sum = 0.0;
  for (std::uint32_t f = 0; f < var_.size(); ++f)
    if (var_[f] != kNoId) sum += solver_.rate(var_[f]);
  return sum;
}

std::vector<double> FluidNet::port_bytes() const {
  std::vector<double> bytes = carried_;
  const std::int64_t now = sim_.now().ps;
  for (std::uint32_t f = 0; f < var_.size(); ++f) {
    if (var_[f] == kNoId) continue;
    const double left = remaining_[f] - rate_[f] * static_cast<double>(now - last_[f]) / (8.0 * kPsPerSecond);
    const double sent = std::clamp(total_[f] - left, 0.0, total_[f]);
    for (topology::PortId p : path_of(f)) bytes[p] += sent;
  }
  return bytes;
}

std::vector<double> FluidNet::port_utilization(Time window) const {
  std::vector<double> u = port_bytes();
  for (topology::PortId p = 0; p < u.size(); ++p)
    u[p] = 8.0 * u[p] * kPsPerSecond / (static_cast<double>(fabric_.port_rate(p).bps) * static_cast<double>(window.ps));
  return u;
}

}  // namespace rocesim::flow
