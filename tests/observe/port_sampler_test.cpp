#include <doctest/doctest.h>

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
