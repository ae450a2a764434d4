// Packet backend on rail-only fabrics: cross-rail traffic relayed through the scale-up domain is
// forwarded by the relay accelerator's NIC, not consumed there.
#include <doctest/doctest.h>

#include "net_fixtures.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

TEST_CASE("rail-only relay: the relay accelerator forwards data and ACKs through its NIC") {
  // One unit of 2 servers × 2 accelerators, a 2-port scale-up switch per server (3.6 Tb/s,
  // 250 ns), one rail leaf per rail (400 Gb/s NIC links, 500 ns). Endpoint e: server e / 2, rail
  // e mod 2. 0 → 3 crosses rails: 0 → scale-up → 1 (server 0, rail 1) → rail-1 leaf → 3.
  // 1000 frames of 4082 B: they reach the relay every ser_su = 9.07 ns, faster than its NIC
  // drains them (ser = 81.64 ns), so the relay NIC sends back to back from the first arrival at
  // t1 = 2·(ser_su + 250 ns) and the last frame is delivered at
  //   t1 + 1000·ser + (500 ns) + ser + (500 ns) = 0.51814 + 81.72164 + 1 = 83.23978 us
  // (consumed at the relay instead, the transfer would "finish" after 1001·ser_su + 0.5 us ≈ 9.6 us).
  const nlohmann::json spec{
      {"generator", "rail_only"},
      {"server", {{"accelerators", 2}}},
      {"scale_up", {{"size", 2}, {"rate", "3600Gbps"}, {"latency", "250ns"}}},
      {"rail_only",
       {{"units", 1},
        {"servers_per_unit", 2},
        {"spines_per_rail", 1},
        {"nic_link", {{"rate", "400Gbps"}, {"latency", "500ns"}}},
        {"rail_leaf", {{"radix", 4}, {"oversubscription", "1:1"}, {"uplink", {{"rate", "400Gbps"}, {"latency", "500ns"}}}}},
        {"spine_radix", 4}}}};
  Harness h(topology::build_fabric(topology::parse_topology(spec, "rail_only.json")), NetParams{});
  h.send(0, 3, 1000 * 4000, 1);
  const auto route = h.net.route_of(0);
  REQUIRE(route.size() == 4);
  CHECK(h.fabric.port(route[2]).node == 1);  // the relay's NIC port
  const PortId relay_nic = route[2];
  h.sim.run();
  REQUIRE(h.rec.done.count(1) == 1);
  const Time ser = serialization_time(Bytes{4082}, Rate::gbps(400));
  const Time ser_su = serialization_time(Bytes{4082}, Rate::gbps(3600));
  const Time expected = (ser_su + Time::from_ns(250)) * 2 + ser * 1001 + Time::from_ns(1000);
  CHECK(h.rec.done.at(1) == expected);
  CHECK(h.net.port_counters(relay_nic).tx_packets == 1000);
  check_conservation(h.net, true);
}
