// The fluid probe's activity tracking: the sampler reads only the ports a flow crossed since the
// previous sample, and the series equals the one from reading every port at every sample.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "../flow/leaf_spine_fixture.hpp"
#include "flow/fluid_net.hpp"
#include "observe/backend_observer.hpp"
#include "observe/port_sampler.hpp"

using namespace rocesim;
using flow::testing::leaf_spine;

namespace {

// Forwards to the fluid probe; counts the ports read per sample. Without `track` it declines
// activity tracking, so every sample reads every port (the reference).
class CountingProbe final : public observe::PortProbe {
 public:
  CountingProbe(observe::PortProbe& inner, bool track) : inner_(inner), track_(track) {}
  bool track_activity() override { return track_ && inner_.track_activity(); }
  std::span<const topology::PortId> active_ports() const override { return inner_.active_ports(); }
  void tx_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    reads_.push_back(ports.size());
    inner_.tx_bytes_of(ports, out);
  }
  void sampled() override { inner_.sampled(); }
  void tx_bytes(std::span<double> out) const override {
    reads_.push_back(out.size());
    inner_.tx_bytes(out);
  }
  mutable std::vector<std::size_t> reads_;

 private:
  observe::PortProbe& inner_;
  bool track_;
};

// Three flows one after the other (each starts when the previous one ends), on disjoint
// leaf pairs, plus a lower-priority flow that overlaps the first one.
struct Chain : TransferSink {
  flow::FluidNet* net = nullptr;
  int next = 0;
  void on_transfer_done(std::uint64_t tag, Time) override {
    if (tag == 3) return;  // the priority-1 flow ends the chain of nothing
    if (++next >= 3) return;
    const std::uint32_t src = next == 1 ? 8 : 12, dst = next == 1 ? 13 : 1;
    net->start(TransferRequest{src, dst, Bytes{1'000'000}, 0, 0, static_cast<std::uint64_t>(next)});
  }
};

struct SampledRun {
  observe::TimeSeries series;
  std::vector<std::size_t> reads;
  std::size_t listed_at_end = 0;
};

SampledRun run(bool track) {
  const topology::Fabric f = leaf_spine(4, 4, 2);  // 16 hosts: 32 + 32 ports
  const routing::Router router(f, routing::RoutingParams{});
  Simulator sim;
  flow::FluidNet net(sim, f, router, flow::FluidParams{});
  Chain chain;
  chain.net = &net;
  net.set_sink(&chain);
  const std::unique_ptr<observe::PortProbe> fluid = observe::make_port_probe(net);
  CountingProbe probe(*fluid, track);
  observe::SamplerConfig cfg;
  cfg.interval = Time::from_us(5);
  cfg.max_samples = 8;  // merges twice over the ~65 us run
  std::vector<std::uint32_t> group(f.port_count(), 0);
  for (topology::PortId p = 0; p < f.port_count(); ++p) group[p] = f.port(p).node < f.endpoints() ? 0 : 1;
  observe::PortSampler sampler(f, probe, cfg, group, {"nic", "fabric"});
  net.start(TransferRequest{0, 5, Bytes{1'000'000}, 0, 0, 0});
  net.start(TransferRequest{0, 6, Bytes{500'000}, 0, 1, 3});
  for (;;) {
    sim.run_until(sampler.next_at());
    if (sim.pending() == 0) break;
    sampler.sample(sim.now());
  }
  SampledRun out;
  out.series = sampler.finish(sim.now());
  out.reads = probe.reads_;
  out.listed_at_end = net.loaded_ports().size();
  return out;
}

}  // namespace

TEST_CASE("fluid time series: reading only the loaded ports gives the full pass's series, bit for bit") {
  const SampledRun full = run(false);
  const SampledRun sparse = run(true);
  REQUIRE(full.series.at.size() >= 4);
  CHECK(full.series.at == sparse.series.at);
  CHECK(full.series.ports == sparse.series.ports);
  CHECK(full.series.utilization == sparse.series.utilization);
  CHECK(full.series.tier_names == sparse.series.tier_names);
  CHECK(full.series.tier_mean_utilization == sparse.series.tier_mean_utilization);
  CHECK(full.series.tier_max_utilization == sparse.series.tier_max_utilization);
  // Timeline (4 hops of 500 ns = 2 us to the first byte; 1 MB at 400 Gb/s = 20 us):
  //   A 0→5 (1 MB, class 0) carries 2–22 us; D 0→6 (0.5 MB, class 1) shares A's NIC port and
  //   gets nothing under strict priority until A ends, then 22–32 us; B 8→13 starts when A ends
  //   and carries 24–44 us; C 12→1 starts when B ends, 46–66 us. A and D cross 4 ports each,
  //   sharing the NIC port: 7.
  // Samples every 5 us up to 40 us (8 samples fill the table, the interval doubles), then 50,
  // 60 and the end at 66 us. A port stays listed until the first sample after its last flow left:
  //   5–20 us: A+D = 7; 25: A (ended at 22) + D + B = 11; 30, 35: D + B = 8; 40: B = 4;
  //   50: B (ended at 44) + C = 8; 60, 66: C = 4.
  // The full pass reads all 48 ports (16 NICs, 4 leaves × 6, 2 spines × 4) every time.
  REQUIRE(full.reads.size() == 11);
  for (std::size_t r : full.reads) CHECK(r == 48);
  CHECK(sparse.reads == std::vector<std::size_t>{7, 7, 7, 7, 11, 8, 8, 4, 8, 4, 4});
  CHECK(sparse.listed_at_end == 0);  // every flow ended, so every port was dropped
  // 15 ports carried something (A 4, D 3 more, B 4, C 4), all of them in the series.
  CHECK(sparse.series.ports.size() == 15);
}
