// The packet tier takes each switch's buffer from the topology when it gives one (scale_up.buffer,
// a tier's buffer), else mmu.buffer: for the shared pool and for the check that refuses a switch
// whose PFC headroom and reserve do not fit, which then names the topology key to raise.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/config_error.hpp"
#include "net_fixtures.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

// A 72-GPU rack of the rack72_* designs, small: 18 servers of 4 accelerators in one switched
// 72-accelerator scale-up domain (14.4 Tb/s per accelerator, 250 ns), one unit of 4 rail leaves
// (18 NICs at 400 Gb/s, 500 ns, and 18 uplinks: 9 to each of 2 spines).
nlohmann::json rack72(const std::string& scale_up_buffer) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "generator": "rail_optimized", "server": {"accelerators": 4},
    "scale_up": {"size": 72, "rate": "14400Gbps", "latency": "250ns"},
    "rail_optimized": {"units": 1, "servers_per_unit": 18, "spines": 2}})");
  if (!scale_up_buffer.empty()) j["scale_up"]["buffer"] = scale_up_buffer;
  return j;
}

topology::Fabric build(const nlohmann::json& j) { return topology::build_fabric(topology::parse_topology(j, "t.json")); }

constexpr topology::NodeId kFirstLeaf = 72;    // node ids: 72 accelerators, 4 rail leaves, 2 spines,
constexpr topology::NodeId kFirstSpine = 76;   // then the scale-up switch
constexpr topology::NodeId kScaleUpSwitch = 78;

}  // namespace

TEST_CASE("rack72-like fabric with scale_up.buffer = 96MiB: runs on the packet tier with the default mmu.buffer") {
  // Scale-up switch, per port (one lossless class; F = 4082 B, pause 84 B):
  //   H = 2*ceil(14.4e12 * 250e-9 / 8) + 4*4082 + 84 = 900,000 + 16,412 = 916,412 B;
  //   set aside 72 × (8,192 + 916,412) = 66,571,488 B; pool = 96 MiB − that = 100,663,296 − 66,571,488
  //   = 34,091,808 B.
  // A rail leaf (36 ports at 400 Gb/s, 500 ns) keeps the default 32 MiB: H = 2*25,000 + 16,412 =
  //   66,412 B; set aside 36 × 74,604 = 2,685,744 B; pool 33,554,432 − 2,685,744 = 30,868,688 B.
  //   A spine (36 such ports) the same.
  NetParams p;
  REQUIRE(p.mmu.buffer == Bytes{32LL << 20});
  const topology::Fabric f = build(rack72("96MiB"));
  REQUIRE(f.node(kScaleUpSwitch).role == topology::NodeRole::scale_up_switch);
  REQUIRE(f.node(kScaleUpSwitch).port_count == 72);
  REQUIRE(f.node(kFirstLeaf).port_count == 36);
  REQUIRE(f.node(kFirstSpine).port_count == 36);
  Harness h(f, p);
  CHECK(h.net.shared_pool(kScaleUpSwitch) == 34'091'808);
  for (topology::NodeId n = kFirstLeaf; n < kScaleUpSwitch; ++n) CHECK(h.net.shared_pool(n) == 30'868'688);

  // Every accelerator sends 16 frames of 4000 B to each of the 71 others over the scale-up switch
  // (5,112 QPs): each downlink carries 71 × 16 × 4,082 = 4,637,152 wire bytes at 14.4 Tb/s, 2.576 us,
  // plus the last frame's path (2 × 250 ns + 2 × 2.3 ns): T = 3.081 us, a lower bound; lossless, so
  // the run must end within 10 % of it with nothing dropped.
  std::uint64_t tag = 0;
  for (std::uint32_t s = 0; s < 72; ++s) {
    for (std::uint32_t d = 0; d < 72; ++d) {
      if (d != s) h.send(s, d, 16 * 4000, tag++, s);
    }
  }
  h.sim.run();
  REQUIRE(h.rec.done.size() == 72 * 71);
  check_conservation(h.net, true);
  CHECK(h.net.counters().drops == 0);
  CHECK(h.net.counters().control_drops == 0);
  CHECK(h.net.counters().timeouts == 0);
  const double bound_us = (71.0 * 16 * 4082 * 8 / 14.4e12 + 2 * 250e-9 + 2 * 4082 * 8 / 14.4e12) * 1e6;
  CHECK(h.rec.makespan().us() >= bound_us * 0.999);
  CHECK(h.rec.makespan().us() <= bound_us * 1.10);
}

TEST_CASE("a topology buffer too small is refused at its own key, in the topology file, whatever mmu.buffer is") {
  // 63 MiB = 66,060,288 B < the 66,571,488 B set aside (+ the least pool ceil(4082 / 0.125) =
  // 32,656 B: 66,604,144 B needed, i.e. 64 MiB rounded up). A larger mmu.buffer does not help: the
  // switch's own buffer wins.
  NetParams p;
  p.mmu.buffer = Bytes{128LL << 20};
  try {
    Harness h(build(rack72("63MiB")), p);
    FAIL("a scale-up switch whose headroom exceeds its topology buffer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "t.json");
    CHECK(e.path() == "/scale_up/buffer");
    const std::string m = e.message();
    CHECK(m.find("72 ports") != std::string::npos);
    CHECK(m.find("sets aside 66571488 B") != std::string::npos);
    CHECK(m.find("of its buffer 63MiB (scale_up.buffer, from the topology)") != std::string::npos);
    CHECK(m.find("shared pool of -511200 B") != std::string::npos);
    CHECK(m.find("Expected scale_up.buffer >= 66604144 B") != std::string::npos);
    CHECK(m.find("--set topology.scale_up.buffer=64MiB") != std::string::npos);
  }
  // Exactly the least buffer is accepted; without a topology buffer the 32 MiB default is refused
  // at /mmu/buffer as before, and the message points at scale_up.buffer as the other remedy.
  CHECK_NOTHROW(Harness(build(rack72("66604144")), NetParams{}));
  try {
    Harness h(build(rack72("")), NetParams{});
    FAIL("a 32 MiB scale-up switch was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/mmu/buffer");
    CHECK(e.message().find("Expected mmu.buffer >= 66604144 B (e.g. --set mmu.buffer=64MiB") != std::string::npos);
    CHECK(e.message().find("scale_up.buffer") != std::string::npos);
  }
}

TEST_CASE("a tier's buffer too small names that tier's key") {
  // Rail leaves at 1 MiB: 1,048,576 − 2,685,744 set aside (above) = −1,637,168 B of pool.
  nlohmann::json j = rack72("96MiB");
  j["rail_optimized"]["rail_leaf"] = {{"buffer", "1MiB"}};
  try {
    Harness h(build(j), NetParams{});
    FAIL("a rail leaf whose headroom exceeds its topology buffer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/rail_optimized/rail_leaf/buffer");
    CHECK(e.message().find("shared pool of -1637168 B") != std::string::npos);
    CHECK(e.message().find("4 switch(es) short") != std::string::npos);
    CHECK(e.message().find("--set topology.rail_optimized.rail_leaf.buffer=3MiB") != std::string::npos);
  }
}
