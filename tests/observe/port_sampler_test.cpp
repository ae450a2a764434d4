#include <doctest/doctest.h>

#include <algorithm>
#include <bit>

#include "../flow/leaf_spine_fixture.hpp"
#include "observe/port_sampler.hpp"

using namespace rocesim;
using observe::PortSampler;
using observe::SamplerConfig;
using flow::testing::leaf_spine;

namespace {

// Port p transmits at a constant fraction load[p] of its 400 Gb/s line rate (50 B/ns at 1.0),
// with queue depth = 10·p bytes.
class LinearProbe final : public observe::PortProbe {
 public:
  LinearProbe(const Time& now, std::vector<double> load) : now_(now), load_(std::move(load)) {}
  void tx_bytes(std::span<double> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = load_[p] * 50.0 * static_cast<double>(now_.ps) / 1000.0;
  }
  bool has_queues() const override { return true; }
  void queue_bytes(std::span<std::int64_t> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = static_cast<std::int64_t>(10 * p);
  }

 private:
  const Time& now_;
  std::vector<double> load_;
};

std::vector<std::uint32_t> zeros(std::size_t n) { return std::vector<std::uint32_t>(n, 0); }

}  // namespace

TEST_CASE("per-port utilization of the hottest ports; the interval doubles and samples merge at capacity") {
  const topology::Fabric f = leaf_spine(2, 2, 2);  // 4 NIC links + 4 leaf-spine links = 16 ports
  std::vector<double> load(f.port_count(), 0.0);
  load[3] = 0.5;
  load[7] = 0.25;
  load[9] = 1.0;
  Time now{};
  LinearProbe probe(now, load);
  SamplerConfig cfg;
  cfg.interval = Time::from_ns(10);
  cfg.max_samples = 8;
  cfg.top_ports = 2;
  PortSampler s(f, probe, cfg, zeros(f.port_count()), {"all"});
  REQUIRE(s.per_port());
  REQUIRE(s.capacity() == 8);
  // 20 samples at a start interval of 10 ns: the table fills at 8 samples (t = 80 ns) and merges
  // to 4 at 20 ns, fills again at t = 160 ns (8 × 20) → 4 at 40 ns; samples at 200, 240 follow.
  for (int i = 0; i < 20 && s.next_at() <= Time::from_ns(240); ++i) {
    now = s.next_at();
    s.sample(now);
  }
  CHECK(s.interval() == Time::from_ns(40));
  now = Time::from_ns(250);  // the run ends 10 ns after the last sample
  const observe::TimeSeries ts = s.finish(now);
  // Hottest two by whole-run utilization: ports 9 (1.0) and 3 (0.5), written in ascending order.
  REQUIRE(ts.ports == std::vector<topology::PortId>{3, 9});
  REQUIRE(ts.at.size() == 7);  // 40, 80, ..., 240, then 250
  CHECK(ts.at.front() == Time::from_ns(40));
  CHECK(ts.at.back() == Time::from_ns(250));
  REQUIRE(ts.utilization.size() == 7 * 2);
  for (std::size_t k = 0; k < ts.at.size(); ++k) {
    // Constant load: every interval, including the short last one, shows the port's load.
    CHECK(ts.utilization[k * 2 + 0] == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(ts.utilization[k * 2 + 1] == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(ts.queue_bytes[k * 2 + 0] == 30);
    CHECK(ts.queue_bytes[k * 2 + 1] == 90);
  }
}

TEST_CASE("a budget below min_samples per port switches to group aggregates (capacity-weighted mean)") {
  const topology::Fabric f = leaf_spine(2, 2, 2);  // 16 ports, all 400 Gb/s
  std::vector<double> load(f.port_count(), 0.0);
  std::vector<std::uint32_t> group(f.port_count(), 1);
  for (topology::PortId p = 0; p < 4; ++p) {
    group[p] = 0;
    load[p] = p < 2 ? 1.0 : 0.0;  // group 0: two ports at 1.0, two idle → mean 0.5
  }
  Time now{};
  LinearProbe probe(now, load);
  SamplerConfig cfg;
  cfg.interval = Time::from_ns(10);
  cfg.budget_cells = 16 * 4;  // 4 samples per port < min_samples
  cfg.min_samples = 8;
  PortSampler s(f, probe, cfg, group, {"g0", "g1"});
  REQUIRE_FALSE(s.per_port());
  for (int i = 0; i < 5; ++i) {
    now = s.next_at();
    s.sample(now);
  }
  const observe::TimeSeries ts = s.finish(now);
  REQUIRE(ts.ports.empty());
  REQUIRE(ts.tiers == std::vector<std::string>{"g0"});  // g1 carried nothing
  REQUIRE(ts.at.size() == 5);
  for (double u : ts.utilization) CHECK(u == doctest::Approx(0.5).epsilon(1e-6));
  CHECK(ts.queue_bytes.back() == 30);  // max queue among ports 0..3 (10·p)
}

TEST_CASE("the table never exceeds its capacity however long the run") {
  const topology::Fabric f = leaf_spine(2, 1, 1);
  Time now{};
  LinearProbe probe(now, std::vector<double>(f.port_count(), 0.1));
  SamplerConfig cfg;
  cfg.max_samples = 16;
  PortSampler s(f, probe, cfg, zeros(f.port_count()), {"all"});
  CHECK(s.interval() == observe::kAutoFirstInterval);
  // 1 ms at a first interval of 100 ns is 10,000 intervals; doubling keeps 8..16 of them.
  int taken = 0;
  while (s.next_at() <= Time::from_us(1000)) {
    now = s.next_at();
    s.sample(now);
    ++taken;
  }
  CHECK(taken < 100);  // each doubling halves the samples still to come
  const observe::TimeSeries ts = s.finish(now);
  CHECK(ts.at.size() <= 16);
  CHECK(ts.at.size() >= 8);
  // Intervals are the first one times a power of two; merged samples keep the constant load.
  CHECK(ts.at.back() == now);
  CHECK(ts.interval.ps % observe::kAutoFirstInterval.ps == 0);
  CHECK(std::has_single_bit(static_cast<std::uint64_t>(ts.interval.ps / observe::kAutoFirstInterval.ps)));
  for (double u : ts.utilization) CHECK(u == doctest::Approx(0.1).epsilon(1e-5));
}

namespace {

// LinearProbe plus PFC: port p has been paused for pause_share[p] of the time so far.
class PausingProbe final : public observe::PortProbe {
 public:
  PausingProbe(const Time& now, std::vector<double> load, std::vector<double> pause_share)
      : linear_(now, std::move(load)), now_(now), pause_share_(std::move(pause_share)) {}
  void tx_bytes(std::span<double> out) const override { linear_.tx_bytes(out); }
  bool has_queues() const override { return true; }
  void queue_bytes(std::span<std::int64_t> out) const override { linear_.queue_bytes(out); }
  bool has_pauses() const override { return true; }
  void paused_ps(std::span<double> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = pause_share_[p] * static_cast<double>(now_.ps);
  }

 private:
  LinearProbe linear_;
  const Time& now_;
  std::vector<double> pause_share_;
};

}  // namespace

TEST_CASE("per-tier aggregates: mean, max, total queue and paused time for every tier, beside the top ports") {
  const topology::Fabric f = leaf_spine(2, 2, 2);  // 16 ports of 400 Gb/s
  std::vector<double> load(f.port_count(), 0.0), pause(f.port_count(), 0.0);
  std::vector<std::uint32_t> group(f.port_count(), 1);
  // Tier "a" = ports 0..3 at loads 0.2, 0.4, 0.6, 0.8; tier "b" = the other 12, only port 9 loaded.
  for (topology::PortId p = 0; p < 4; ++p) {
    group[p] = 0;
    load[p] = 0.2 * (p + 1);
  }
  load[9] = 1.0;
  pause[2] = 0.5;  // paused half the time
  pause[9] = 0.25;
  Time now{};
  PausingProbe probe(now, load, pause);
  SamplerConfig cfg;
  cfg.interval = Time::from_ns(10);
  cfg.max_samples = 4;
  cfg.top_ports = 1;  // only port 9 gets its own series; the tiers still cover every port
  PortSampler s(f, probe, cfg, group, {"a", "b"});
  REQUIRE(s.per_port());
  for (int i = 0; i < 6; ++i) {  // 10..40 fills 4, merges to 2 (20, 40), then 60, 80 → merge at 4
    now = s.next_at();
    s.sample(now);
  }
  now = Time::from_ns(100);
  const observe::TimeSeries ts = s.finish(now);
  REQUIRE(ts.ports == std::vector<topology::PortId>{9});
  REQUIRE(ts.tier_names == std::vector<std::string>{"a", "b"});
  REQUIRE(ts.tier_ports == std::vector<std::size_t>{4, 12});
  const std::size_t n = ts.at.size();
  REQUIRE(n >= 2);
  REQUIRE(ts.tier_mean_utilization.size() == 2 * n);
  REQUIRE(ts.tier_paused_us.size() == 2 * n);
  double paused_a = 0.0, paused_b = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double dt_us = (ts.at[k] - (k == 0 ? Time{} : ts.at[k - 1])).seconds() * 1e6;
    // Tier a: equal rates, so the mean is (0.2+0.4+0.6+0.8)/4 = 0.5 and the max 0.8.
    CHECK(ts.tier_mean_utilization[2 * k] == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(ts.tier_max_utilization[2 * k] == doctest::Approx(0.8).epsilon(1e-6));
    // Tier b: one port of 12 at line rate: mean 1/12, max 1.
    CHECK(ts.tier_mean_utilization[2 * k + 1] == doctest::Approx(1.0 / 12).epsilon(1e-6));
    CHECK(ts.tier_max_utilization[2 * k + 1] == doctest::Approx(1.0).epsilon(1e-6));
    // Queue depth 10·p at every instant: a = 0+10+20+30 = 60 B; b = 10·(4+…+15) = 1140 B.
    CHECK(ts.tier_queue_bytes[2 * k] == 60);
    CHECK(ts.tier_queue_bytes[2 * k + 1] == 1140);
    // Paused time per interval: a = 0.5·Δt (port 2), b = 0.25·Δt (port 9).
    CHECK(ts.tier_paused_us[2 * k] == doctest::Approx(0.5 * dt_us).epsilon(1e-6));
    paused_a += ts.tier_paused_us[2 * k];
    paused_b += ts.tier_paused_us[2 * k + 1];
  }
  // Merging keeps totals: the whole run's paused time is 0.5·100 ns and 0.25·100 ns.
  CHECK(paused_a == doctest::Approx(0.05).epsilon(1e-6));
  CHECK(paused_b == doctest::Approx(0.025).epsilon(1e-6));
}

namespace {

// Ports that start carrying at their own instant: port p sends load[p]·50 B/ns, queues 10·p B and
// is paused pause_share[p] of the time from start[p] on (nothing before; start < 0 = never).
// With `selective` it lists the started ports (first-touch order, not ascending) and counts the
// port reads, as PacketNet's touched-port list does.
class StartingProbe final : public observe::PortProbe {
 public:
  StartingProbe(const Time& now, std::vector<double> load, std::vector<std::int64_t> start_ns, bool selective)
      : now_(now), load_(std::move(load)), start_ns_(std::move(start_ns)), selective_(selective) {}
  double since_ps(std::size_t p) const {
    if (start_ns_[p] < 0) return 0.0;
    return std::max(0.0, static_cast<double>(now_.ps - start_ns_[p] * 1000));
  }
  bool started(std::size_t p) const { return start_ns_[p] >= 0 && now_.ps >= start_ns_[p] * 1000; }
  double tx(std::size_t p) const { return load_[p] * 50.0 * since_ps(p) / 1000.0; }
  std::int64_t queue(std::size_t p) const { return started(p) ? static_cast<std::int64_t>(10 * p) : 0; }
  double paused(std::size_t p) const { return 0.25 * since_ps(p); }

  void tx_bytes(std::span<double> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = tx(p);
  }
  bool has_queues() const override { return true; }
  void queue_bytes(std::span<std::int64_t> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = queue(p);
  }
  bool has_pauses() const override { return true; }
  void paused_ps(std::span<double> out) const override {
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = paused(p);
  }
  bool track_activity() override { return selective_; }
  std::span<const topology::PortId> active_ports() const override {
    for (const topology::PortId p : order_) {
      if (started(p) && std::find(active_.begin(), active_.end(), p) == active_.end()) active_.push_back(p);
    }
    return active_;
  }
  void tx_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    reads_ += ports.size();
    for (const topology::PortId p : ports) out[p] = tx(p);
  }
  void queue_bytes_of(std::span<const topology::PortId> ports, std::span<std::int64_t> out) const override {
    for (const topology::PortId p : ports) out[p] = queue(p);
  }
  void paused_ps_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    for (const topology::PortId p : ports) out[p] = paused(p);
  }
  std::vector<topology::PortId> order_;  // touch order of the ports that ever start
  mutable std::size_t reads_ = 0;

 private:
  const Time& now_;
  std::vector<double> load_;
  std::vector<std::int64_t> start_ns_;
  bool selective_;
  mutable std::vector<topology::PortId> active_;
};

observe::TimeSeries starting_run(const topology::Fabric& f, bool selective, std::size_t budget, std::size_t* reads) {
  std::vector<double> load(f.port_count(), 0.0);
  std::vector<std::int64_t> start(f.port_count(), -1);
  load[9] = 1.0;   // from 0
  start[9] = 0;
  load[3] = 1.0;   // from 35 ns: touched after port 9, so the probe's list is not ascending
  start[3] = 35;
  load[12] = 0.5;  // from 35 ns too
  start[12] = 35;
  std::vector<std::uint32_t> group(f.port_count(), 1);
  for (topology::PortId p = 0; p < 8; ++p) group[p] = 0;
  Time now{};
  StartingProbe probe(now, load, start, selective);
  probe.order_ = {9, 12, 3};
  SamplerConfig cfg;
  cfg.interval = Time::from_ns(10);
  cfg.max_samples = 4;
  cfg.budget_cells = budget;
  PortSampler s(f, probe, cfg, group, {"a", "b"});
  for (int i = 0; i < 6; ++i) {
    now = s.next_at();
    s.sample(now);
  }
  now = Time::from_ns(100);
  observe::TimeSeries ts = s.finish(now);
  *reads = probe.reads_;
  return ts;
}

void same_series(const observe::TimeSeries& a, const observe::TimeSeries& b) {
  CHECK(a.at == b.at);
  CHECK(a.ports == b.ports);
  CHECK(a.tiers == b.tiers);
  CHECK(a.utilization == b.utilization);
  CHECK(a.queue_bytes == b.queue_bytes);
  CHECK(a.tier_names == b.tier_names);
  CHECK(a.tier_mean_utilization == b.tier_mean_utilization);
  CHECK(a.tier_max_utilization == b.tier_max_utilization);
  CHECK(a.tier_queue_bytes == b.tier_queue_bytes);
  CHECK(a.tier_paused_us == b.tier_paused_us);
}

}  // namespace

TEST_CASE("a probe that lists its active ports is read only there, with a series identical to the full pass") {
  const topology::Fabric f = leaf_spine(2, 2, 2);  // 16 ports of 400 Gb/s
  for (const std::size_t budget : {std::size_t{8} << 20, std::size_t{16}}) {  // per-port, then per-group
    CAPTURE(budget);
    std::size_t full_reads = 0, sparse_reads = 0;
    const observe::TimeSeries full = starting_run(f, false, budget, &full_reads);
    const observe::TimeSeries sparse = starting_run(f, true, budget, &sparse_reads);
    same_series(full, sparse);
    // Samples at 10, 20, 30 ns read port 9 only; 40, 60, 80 and the final 100 ns read 3 ports:
    // 3·1 + 4·3 = 15 reads instead of 7·16 = 112.
    CHECK(sparse_reads == 15);
    if (budget > 16) {
      // Port 3 carries 50 B/ns from 35 to 100 ns = 3250 B: Σ_k u_k · 50 B/ns · Δt_k.
      REQUIRE(sparse.ports == std::vector<topology::PortId>{3, 9, 12});
      double bytes = 0.0;
      for (std::size_t k = 0; k < sparse.at.size(); ++k) {
        const double dt_ns = static_cast<double>((sparse.at[k] - (k ? sparse.at[k - 1] : Time{})).ps) / 1000.0;
        bytes += sparse.utilization[k * 3] * 50.0 * dt_ns;
      }
      CHECK(bytes == doctest::Approx(3250.0).epsilon(1e-6));
    } else {
      REQUIRE_FALSE(sparse.tiers.empty());
    }
  }
}
