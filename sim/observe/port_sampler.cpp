#include "observe/port_sampler.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <stdexcept>

namespace rocesim::observe {

PortSampler::PortSampler(const topology::Fabric& fabric, PortProbe& probe, SamplerConfig config,
                         std::vector<std::uint32_t> group_of_port, std::vector<std::string> group_names)
    : fabric_(fabric),
      probe_(probe),
      config_(config),
      group_of_port_(std::move(group_of_port)),
      group_names_(std::move(group_names)) {
  const std::size_t ports = fabric.port_count();
  if (group_of_port_.size() != ports) throw std::logic_error("PortSampler: one group per port");
  queues_ = probe.has_queues();
  selective_ = probe.track_activity();
  if (selective_) listed_.assign((ports + 63) / 64, 0);
  const std::size_t per_port_cap = ports > 0 ? config_.budget_cells / ports : config_.max_samples;
  per_port_ = per_port_cap >= config_.min_samples;
  width_ = per_port_ ? ports : group_names_.size();
  capacity_ = per_port_ ? std::min(config_.max_samples, per_port_cap) : config_.max_samples;
  capacity_ = std::max<std::size_t>(2, capacity_ & ~std::size_t{1});  // merging needs pairs
  interval_ = config_.interval.ps > 0 ? config_.interval : kAutoFirstInterval;
  at_.reserve(capacity_);
  delta_.reserve(capacity_ * width_);
  if (queues_) queue_.reserve(capacity_ * width_);
  last_.assign(ports, 0.0);
  cum_.assign(ports, 0.0);
  if (queues_) qnow_.assign(ports, 0);
  pauses_ = probe.has_pauses();
  if (pauses_) {
    last_paused_.assign(ports, 0.0);
    paused_now_.assign(ports, 0.0);
  }
  const std::size_t groups = group_names_.size();
  port_bps_.resize(ports);
  group_bps_.assign(groups, 0.0);
  group_ports_.assign(groups, 0);
  for (std::size_t p = 0; p < ports; ++p) {
    if (group_of_port_[p] >= groups) throw std::logic_error("PortSampler: group id out of range");
    port_bps_[p] = static_cast<double>(fabric.port_rate(static_cast<topology::PortId>(p)).bps);
    group_bps_[group_of_port_[p]] += port_bps_[p];
    ++group_ports_[group_of_port_[p]];
  }
}

void PortSampler::sample(Time now) {
  take(now);
  if (at_.size() == capacity_) merge_pairs();
}

// active_ = the probe's listed ports in ascending order: a bitmap pass instead of a sort, so a
// sample costs O(listed + ports/64) and a port listed twice is read once.
void PortSampler::list_active() {
  for (const topology::PortId p : probe_.active_ports()) listed_[p >> 6] |= std::uint64_t{1} << (p & 63);
  active_.clear();
  for (std::size_t w = 0; w < listed_.size(); ++w) {
    std::uint64_t bits = listed_[w];
    if (bits == 0) continue;
    listed_[w] = 0;
    while (bits != 0) {
      active_.push_back(static_cast<topology::PortId>(64 * w + static_cast<std::size_t>(std::countr_zero(bits))));
      bits &= bits - 1;
    }
  }
}

void PortSampler::take(Time now) {
  if (selective_) {
    list_active();
    probe_.tx_bytes_of(active_, cum_);
    if (queues_) probe_.queue_bytes_of(active_, qnow_);
    if (pauses_) probe_.paused_ps_of(active_, paused_now_);
  } else {
    probe_.tx_bytes(cum_);
    if (queues_) probe_.queue_bytes(qnow_);
    if (pauses_) probe_.paused_ps(paused_now_);
  }
  const std::size_t row = delta_.size();
  delta_.resize(row + width_, 0.0f);
  if (queues_) queue_.resize(row + width_, 0.0f);
  const std::size_t groups = group_names_.size(), trow = t_bytes_.size();
  t_bytes_.resize(trow + groups, 0.0);
  t_max_.resize(trow + groups, 0.0);
  t_queue_.resize(trow + groups, 0.0);
  t_paused_.resize(trow + groups, 0.0);
  const double dt_s = (now - last_at_).seconds();
  const auto add_port = [&](std::size_t p) {
    const std::size_t col = per_port_ ? p : group_of_port_[p];
    const double bytes = cum_[p] - last_[p];
    delta_[row + col] += static_cast<float>(bytes);
    if (queues_) queue_[row + col] = std::max(queue_[row + col], static_cast<float>(qnow_[p]));
    const std::size_t g = trow + group_of_port_[p];
    t_bytes_[g] += bytes;
    if (dt_s > 0.0 && port_bps_[p] > 0.0) t_max_[g] = std::max(t_max_[g], 8.0 * bytes / (port_bps_[p] * dt_s));
    if (queues_) t_queue_[g] += static_cast<double>(qnow_[p]);
    if (pauses_) t_paused_[g] += paused_now_[p] - last_paused_[p];
  };
  if (selective_) {
    for (const topology::PortId p : active_) add_port(p);
    // Only the active entries were written; copying them (not swapping the arrays) keeps last_
    // right for ports that become active later (0 until then).
    for (const topology::PortId p : active_) last_[p] = cum_[p];
    if (pauses_) {
      for (const topology::PortId p : active_) last_paused_[p] = paused_now_[p];
    }
  } else {
    for (std::size_t p = 0; p < cum_.size(); ++p) add_port(p);
    last_.swap(cum_);
    if (pauses_) last_paused_.swap(paused_now_);
  }
  at_.push_back(now);
  last_at_ = now;
  if (selective_) probe_.sampled();
}

void PortSampler::merge_pairs() {
  const std::size_t half = at_.size() / 2;
  for (std::size_t i = 0; i < half; ++i) {
    const std::size_t a = 2 * i * width_, b = a + width_, out = i * width_;
    for (std::size_t c = 0; c < width_; ++c) {
      delta_[out + c] = delta_[a + c] + delta_[b + c];
      if (queues_) queue_[out + c] = std::max(queue_[a + c], queue_[b + c]);
    }
    at_[i] = at_[2 * i + 1];
  }
  const std::size_t groups = group_names_.size();
  for (std::size_t i = 0; i < half; ++i) {
    const std::size_t a = 2 * i * groups, b = a + groups, out = i * groups;
    for (std::size_t g = 0; g < groups; ++g) {
      t_bytes_[out + g] = t_bytes_[a + g] + t_bytes_[b + g];
      t_max_[out + g] = std::max(t_max_[a + g], t_max_[b + g]);
      t_queue_[out + g] = std::max(t_queue_[a + g], t_queue_[b + g]);
      t_paused_[out + g] = t_paused_[a + g] + t_paused_[b + g];
    }
  }
  for (auto* v : {&t_bytes_, &t_max_, &t_queue_, &t_paused_}) v->resize(half * groups);
  at_.resize(half);
  delta_.resize(half * width_);
  if (queues_) queue_.resize(half * width_);
  interval_ = interval_.saturating_add(interval_);
}

TimeSeries PortSampler::finish(Time end) {
  if (end > last_at_) take(end);
  TimeSeries ts;
  ts.interval = interval_;
  ts.at = at_;
  const std::size_t ports = fabric_.port_count();
  // Columns to keep and their capacity (bit/s) for the utilization.
  std::vector<std::size_t> columns;
  std::vector<double> capacity(width_, 0.0);
  for (std::size_t p = 0; p < ports; ++p) {
    capacity[per_port_ ? p : group_of_port_[p]] += static_cast<double>(fabric_.port_rate(static_cast<topology::PortId>(p)).bps);
  }
  if (per_port_) {
    std::vector<std::size_t> carried;
    for (std::size_t p = 0; p < ports; ++p) {
      if (last_[p] > 0.0) carried.push_back(p);
    }
    // Whole-run utilization ∝ bytes / rate; ties by port id so the choice is deterministic.
    const auto hotter = [&](std::size_t a, std::size_t b) {
      const double ua = last_[a] / capacity[a], ub = last_[b] / capacity[b];
      return ua != ub ? ua > ub : a < b;
    };
    const std::size_t keep = std::min(config_.top_ports, carried.size());
    std::partial_sort(carried.begin(), carried.begin() + static_cast<std::ptrdiff_t>(keep), carried.end(), hotter);
    carried.resize(keep);
    std::sort(carried.begin(), carried.end());
    columns = carried;
    for (std::size_t p : columns) ts.ports.push_back(static_cast<topology::PortId>(p));
  } else {
    std::vector<double> total(width_, 0.0);
    for (std::size_t p = 0; p < ports; ++p) total[group_of_port_[p]] += last_[p];
    for (std::size_t g = 0; g < width_; ++g) {
      if (total[g] > 0.0) {
        columns.push_back(g);
        ts.tiers.push_back(group_names_[g]);
      }
    }
  }
  ts.utilization.reserve(at_.size() * columns.size());
  if (queues_) ts.queue_bytes.reserve(at_.size() * columns.size());
  Time prev{};
  for (std::size_t k = 0; k < at_.size(); ++k) {
    const double dt_s = (at_[k] - prev).seconds();
    prev = at_[k];
    for (std::size_t c : columns) {
      const double bytes = delta_[k * width_ + c];
      ts.utilization.push_back(dt_s > 0.0 ? 8.0 * bytes / (capacity[c] * dt_s) : 0.0);
      if (queues_) ts.queue_bytes.push_back(static_cast<std::int64_t>(queue_[k * width_ + c]));
    }
  }
  fill_tiers(ts);
  return ts;
}

void PortSampler::fill_tiers(TimeSeries& ts) const {
  const std::size_t groups = group_names_.size();
  std::vector<std::size_t> kept;
  for (std::size_t g = 0; g < groups; ++g) {
    double total = 0.0;
    for (std::size_t k = 0; k < at_.size(); ++k) total += t_bytes_[k * groups + g];
    if (total > 0.0) kept.push_back(g);
  }
  for (std::size_t g : kept) {
    ts.tier_names.push_back(group_names_[g]);
    ts.tier_ports.push_back(group_ports_[g]);
  }
  Time prev{};
  for (std::size_t k = 0; k < at_.size(); ++k) {
    const double dt_s = (at_[k] - prev).seconds();
    prev = at_[k];
    for (std::size_t g : kept) {
      const std::size_t i = k * groups + g;
      ts.tier_mean_utilization.push_back(dt_s > 0.0 ? 8.0 * t_bytes_[i] / (group_bps_[g] * dt_s) : 0.0);
      // Rounding of the byte counters must not print a utilization above 1.
      ts.tier_max_utilization.push_back(std::min(1.0, t_max_[i]));
      if (queues_) ts.tier_queue_bytes.push_back(static_cast<std::int64_t>(t_queue_[i]));
      if (pauses_) ts.tier_paused_us.push_back(t_paused_[i] * 1e-6);
    }
  }
}

}  // namespace rocesim::observe
