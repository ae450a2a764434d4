// The packet tier sizes each switch of an explicit graph from that switch's own `buffer` (else the
// role default `switch.buffer`, else mmu.buffer): the shared pool, whether an incast pauses, and
// the refusal of a buffer that cannot hold the set-aside, which points into the node list.
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

// Two switches listed before their accelerators, at 400 Gb/s with 1 us cables:
//   nodes[0] "hot":  gpu0..gpu7 (the incast switch), its own `buffer` when `hot` is not empty;
//   nodes[1] "cold": gpu8, gpu9, linked to "hot"; no buffer of its own (the `switch` default).
// Fabric ids: gpu0..9 = 0..9, hot = 10, cold = 11.
nlohmann::json two_switches(const std::string& hot, const std::string& fallback) {
  nlohmann::json nodes = nlohmann::json::array({{{"name", "hot"}, {"role", "switch"}}, {{"name", "cold"}, {"role", "switch"}}});
  if (!hot.empty()) nodes[0]["buffer"] = hot;
  nlohmann::json links = nlohmann::json::array({{{"a", "hot"}, {"b", "cold"}}});
  for (int i = 0; i < 10; ++i) {
    const std::string name = "gpu" + std::to_string(i);
    nodes.push_back({{"name", name}, {"role", "accelerator"}});
    links.push_back({{"a", name}, {"b", i < 8 ? "hot" : "cold"}});
  }
  nlohmann::json j{{"generator", "explicit"},
                   {"server", {{"accelerators", 1}}},
                   {"explicit", {{"link", {{"rate", "400Gbps"}, {"latency", "1us"}}}, {"nodes", nodes}, {"links", links}}}};
  if (!fallback.empty()) j["explicit"]["switch"] = {{"buffer", fallback}};
  return j;
}

topology::Fabric build(const nlohmann::json& j) { return topology::build_fabric(topology::parse_topology(j, "t.json")); }

constexpr topology::NodeId kHot = 10, kCold = 11;

// Per ingress port (one lossless class, 400 Gb/s, 1 us): reserve 8,192 B + headroom
// 2·50,000 + 4·4,082 + 84 = 116,412 B → 124,604 B. "hot" has 9 ports (8 accelerators, "cold"):
// 1,121,436 B set aside; "cold" has 3: 373,812 B.
constexpr std::int64_t kHotSetAside = 9 * 124'604, kColdSetAside = 3 * 124'604;

}  // namespace

TEST_CASE("explicit graph: each switch's shared pool is its own buffer, else the default, minus its set-aside") {
  Harness h(build(two_switches("64MiB", "3MiB")), NetParams{});
  REQUIRE(h.fabric.node(kHot).port_count == 9);
  REQUIRE(h.fabric.node(kCold).port_count == 3);
  CHECK(h.net.shared_pool(kHot) == (64LL << 20) - kHotSetAside);
  CHECK(h.net.shared_pool(kCold) == (3LL << 20) - kColdSetAside);
  // Neither given: both use mmu.buffer (32 MiB by default).
  Harness plain(build(two_switches("", "")), NetParams{});
  CHECK(plain.net.shared_pool(kHot) == (32LL << 20) - kHotSetAside);
  CHECK(plain.net.shared_pool(kCold) == (32LL << 20) - kColdSetAside);
}

TEST_CASE("explicit graph: a 7-to-1 incast pauses through a 2 MiB switch, not through the same switch at 64 MiB") {
  // Seven accelerators on "hot" send 2 MB each to gpu0 on "hot": the egress to gpu0 drains at one
  // sender's rate, so ~6/7 of each sender's bytes queue at its ingress. With 2 MiB (pool
  // 2,097,152 − 1,121,436 = 975,716 B; XOFF at α = 1/8 of the free pool, < 122 KB per ingress) PFC
  // pauses the senders; with 64 MiB (XOFF above 8 MB per ingress) the ~1.7 MB each ingress holds
  // never reaches it. Lossless either way; only the buffer differs, and only on this one switch
  // (the default for the rest is 2 MiB in both runs).
  const auto run = [](const std::string& hot) {
    Harness h(build(two_switches(hot, "2MiB")), NetParams{});
    for (std::uint32_t s = 1; s < 8; ++s) h.send(s, 0, 2'000'000, s, s);
    h.sim.run();
    CHECK(h.rec.done.size() == 7);
    check_conservation(h.net, true);
    return h.net.counters();
  };
  const NetCounters small = run("2MiB");
  const NetCounters large = run("64MiB");
  CHECK(small.pause_frames > 0);
  CHECK(large.pause_frames == 0);
  CHECK(small.drops == 0);
  CHECK(large.drops == 0);
}

TEST_CASE("explicit graph: a per-node buffer too small is refused, pointing into the node list") {
  // "hot" at 1,100,000 B < 1,121,436 B set aside + 32,656 B least pool = 1,154,092 B (2 MiB rounded up).
  try {
    Harness h(build(two_switches("1100000", "")), NetParams{});
    FAIL("a switch whose set-aside exceeds its own buffer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "t.json");
    CHECK(e.path() == "/explicit/nodes");
    const std::string m = e.message();
    CAPTURE(m);
    CHECK(m.find("9 ports") != std::string::npos);
    CHECK(m.find("(explicit.nodes[].buffer, from the topology)") != std::string::npos);
    CHECK(m.find("Expected explicit.nodes[].buffer >= 1154092 B") != std::string::npos);
    CHECK(m.find("raise that switch's `buffer` in the topology's explicit.nodes (2MiB)") != std::string::npos);
    CHECK(m.find("--set topology.explicit") == std::string::npos);  // --set cannot name an array element
  }
  // A too-small role default names its own key, which --set can raise.
  try {
    Harness h(build(two_switches("", "1100000")), NetParams{});
    FAIL("a switch whose set-aside exceeds the default buffer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/explicit/switch/buffer");
    CHECK(e.message().find("--set topology.explicit.switch.buffer=2MiB") != std::string::npos);
  }
  // Exactly the least buffer is accepted.
  CHECK_NOTHROW(Harness(build(two_switches("1154092", "")), NetParams{}));
}
