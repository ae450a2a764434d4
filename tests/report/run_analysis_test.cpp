// Measured report sections (report/run_analysis.hpp) on synthetic records over a small leaf-spine:
// every expected number is derived here from the bytes put into the record.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "report/run_analysis.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using nlohmann::json;

namespace {

// 2 leaves × 2 hosts, 1 spine, 400 Gb/s everywhere: 4 NIC links and 2 leaf-spine links, 12 ports.
topology::Fabric small_leaf_spine() {
  const json doc = {{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 2}, {"hosts_per_leaf", 2}, {"spines", 1}}}};
  return topology::build_fabric(topology::parse_topology(doc, "test"));
}

topology::PortId port_between(const topology::Fabric& f, topology::NodeId from, topology::NodeId to) {
  const topology::Node& n = f.node(from);
  for (topology::PortId p = n.first_port; p < n.first_port + n.port_count; ++p) {
    if (f.port(p).peer == to) return p;
  }
  FAIL("no port between the nodes");
  return topology::kNone;
}

constexpr Time kWindow = Time::from_ms(1);
constexpr double kFullBytes = 400e9 / 8 * 1e-3;  // a 400 Gb/s port fully busy for 1 ms: 5e7 B

}  // namespace

TEST_CASE("tiers and hot links: utilization = 8·bytes / (rate · window), grouped bottom-up by tier and direction") {
  const topology::Fabric f = small_leaf_spine();
  REQUIRE(f.port_count() == 12);
  const topology::NodeId leaf0 = f.endpoints(), spine = f.endpoints() + 2;
  observe::RunRecord r;
  r.ports.resize(f.port_count());
  const topology::PortId nic0 = port_between(f, 0, leaf0), nic1 = port_between(f, 1, leaf0);
  const topology::PortId up0 = port_between(f, leaf0, spine);
  r.ports[nic0].tx_bytes = kFullBytes;         // 1.0
  r.ports[nic1].tx_bytes = kFullBytes / 2;     // 0.5
  r.ports[up0].tx_bytes = kFullBytes * 0.75;   // 0.75
  const json tiers = report::tier_utilization_json(f, r, kWindow);
  REQUIRE(tiers.size() == 4);  // nic up, nic down, leaf-spine up, leaf-spine down
  CHECK(tiers[0]["tier"] == "nic");
  CHECK(tiers[0]["direction"] == "up");
  CHECK(tiers[1]["direction"] == "down");
  CHECK(tiers[2]["tier"] == "leaf-spine");
  CHECK(tiers[2]["direction"] == "up");
  // nic up: utilizations {1, 0.5, 0, 0}: mean 0.375; nearest rank p50 = 2nd smallest = 0,
  // p99 = 4th = 1; bytes 1.5 · 5e7.
  CHECK(tiers[0]["ports"] == 4);
  CHECK(tiers[0]["bytes"].get<double>() == doctest::Approx(1.5 * kFullBytes));
  CHECK(tiers[0]["util_mean"].get<double>() == doctest::Approx(0.375));
  CHECK(tiers[0]["util_p50"].get<double>() == 0.0);
  CHECK(tiers[0]["util_p99"].get<double>() == doctest::Approx(1.0));
  CHECK(tiers[0]["util_max"].get<double>() == doctest::Approx(1.0));
  // leaf-spine up: {0.75, 0}: mean 0.375, max 0.75.
  CHECK(tiers[2]["ports"] == 2);
  CHECK(tiers[2]["util_mean"].get<double>() == doctest::Approx(0.375));
  CHECK(tiers[2]["util_max"].get<double>() == doctest::Approx(0.75));
  // The record has no PFC/ECN/drop counters: null, never 0.
  CHECK(tiers[0]["paused_us"].is_null());
  CHECK(tiers[0]["pause_frames"].is_null());
  CHECK(tiers[0]["ecn_marks"].is_null());
  CHECK(tiers[0]["drops"].is_null());

  const json hot = report::hot_links_json(f, r, kWindow);
  REQUIRE(hot.size() == 10);  // top 10 of 12 ports
  CHECK(hot[0]["port"] == nic0);
  CHECK(hot[0]["from"] == "acc0");
  CHECK(hot[0]["to"] == "t1.0");
  CHECK(hot[0]["tier"] == "nic");
  CHECK(hot[0]["direction"] == "up");
  CHECK(hot[0]["utilization"].get<double>() == doctest::Approx(1.0));
  CHECK(hot[1]["port"] == up0);
  CHECK(hot[1]["tier"] == "leaf-spine");
  CHECK(hot[2]["port"] == nic1);
  CHECK(hot[2]["bytes"].get<double>() == doctest::Approx(kFullBytes / 2));
  CHECK(hot[2]["max_queue_bytes"].is_null());
  // Idle ports follow in ascending port id.
  for (std::size_t i = 4; i < hot.size(); ++i) CHECK(hot[i]["port"].get<unsigned>() > hot[i - 1]["port"].get<unsigned>());
}

TEST_CASE("pfc: totals and per tier sum the ports' pause frames and paused time when measured") {
  const topology::Fabric f = small_leaf_spine();
  const topology::NodeId leaf0 = f.endpoints(), spine = f.endpoints() + 2;
  observe::RunRecord r;
  r.ports.resize(f.port_count());
  CHECK(report::pfc_json(f, r)["measured"] == false);
  CHECK(report::pfc_json(f, r)["pause_frames"].is_null());
  CHECK(report::pfc_json(f, r)["longest_pause_us"].is_null());
  r.has_pfc = true;
  r.ports[port_between(f, 0, leaf0)].paused = Time::from_us(10);
  r.ports[port_between(f, 0, leaf0)].pauses_received = 3;
  r.ports[port_between(f, 0, leaf0)].longest_pause = Time::from_us(4);
  r.ports[port_between(f, spine, leaf0)].paused = Time::from_us(5);
  r.ports[port_between(f, spine, leaf0)].pauses_received = 2;
  r.ports[port_between(f, spine, leaf0)].longest_pause = Time::from_us(5);
  const json p = report::pfc_json(f, r);
  CHECK(p["measured"] == true);
  CHECK(p["pause_frames"] == 5);  // 3 + 2
  CHECK(p["paused_us"].get<double>() == doctest::Approx(15));
  CHECK(p["longest_pause_us"].get<double>() == doctest::Approx(5));  // max over ports, not a sum
  CHECK(p["per_tier"]["nic"]["pause_frames"] == 3);
  CHECK(p["per_tier"]["nic"]["paused_us"].get<double>() == doctest::Approx(10));
  CHECK(p["per_tier"]["leaf-spine"]["pause_frames"] == 2);
  CHECK(p["per_tier"]["leaf-spine"]["paused_us"].get<double>() == doctest::Approx(5));
}

TEST_CASE("fct over completed transfers only: durations 1..4 us give mean 2.5, p50 2, p90 4, max 4") {
  observe::RunRecord r;
  for (int i = 1; i <= 4; ++i) {
    observe::TransferRecord t;
    t.start = Time::from_us(100);
    t.end = Time::from_us(100 + i);
    r.transfers.push_back(t);
  }
  r.transfers.push_back(observe::TransferRecord{});  // never completed: end = Time::max()
  const json fct = report::fct_json(r);
  CHECK(fct["count"] == 4);
  CHECK(fct["mean_us"].get<double>() == doctest::Approx(2.5));
  CHECK(fct["p50_us"].get<double>() == doctest::Approx(2));  // k = ceil(0.5 · 4) = 2
  CHECK(fct["p90_us"].get<double>() == doctest::Approx(4));  // k = ceil(3.6) = 4
  CHECK(fct["p99_us"].get<double>() == doctest::Approx(4));
  CHECK(fct["max_us"].get<double>() == doctest::Approx(4));
}

TEST_CASE("conservation is ok only when started == delivered == expected") {
  observe::RunRecord r;
  r.bytes_started = 1000;
  r.bytes_delivered = 1000;
  CHECK(report::conservation_json(r, 1000)["ok"] == true);
  r.bytes_delivered = 900;  // the backend lost 100 B
  const json lost = report::conservation_json(r, 1000);
  CHECK(lost["ok"] == false);
  CHECK(lost["bytes_delivered"] == 900);
  r.bytes_delivered = 1000;
  CHECK(report::conservation_json(r, 1200)["ok"] == false);  // 200 B of the workload never started
}

TEST_CASE("run_analysis_sections omits what the record cannot support") {
  const topology::Fabric f = small_leaf_spine();
  observe::RunRecord r;  // no ports, no transfers
  const json s = report::run_analysis_sections(f, r, kWindow, 0);
  CHECK_FALSE(s.contains("tiers"));
  CHECK_FALSE(s.contains("hot_links"));
  CHECK_FALSE(s.contains("pfc"));
  CHECK_FALSE(s.contains("drops"));
  CHECK_FALSE(s.contains("fct"));
  CHECK(s.contains("conservation"));
  r.ports.resize(f.port_count());
  const json with_ports = report::run_analysis_sections(f, r, kWindow, 0);
  CHECK(with_ports.contains("tiers"));
  CHECK(with_ports["drops"]["measured"] == false);
  CHECK(with_ports["drops"]["total"].is_null());
}
