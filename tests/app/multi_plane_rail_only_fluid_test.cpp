// Multi-plane rail-only fabrics (multi_plane with a rail_only plane) on the fluid tier, end to end
// through `rocesim run`: K planes give a pair K times one plane's scale-out bandwidth.
//
// Fabric: G = 2 rails, U = 2 units of N = 8 servers, one rail spine per rail, each rail leaf with
// one 3,200 Gb/s uplink (1:1 for 8 NICs of R = 400 Gb/s, so the fabric never limits a pair);
// scale-up domain = one server (3.6 Tb/s). Op set: Q = 24 sends of S = 4 MiB from endpoint 0 to
// endpoint 16 (unit 1, same rail: NIC, leaf, spine, leaf, NIC; α = 4 × 500 ns = 2 µs), QPs
// 0..23, all at t = 0. Each QP hashes onto one plane's NIC port (the source's first hop is its
// ECMP choice on every tier) and stays in that plane (multi_plane), so the k_q flows of plane q
// share plane q's two NIC ports and nothing else: each runs at R / k_q and lasts
//     d = α + k_q · W / R,   W = S + ⌈S / 4000⌉ · 82 B = 4,280,322 B (wire bytes).
// A flow's rate W / (d − α) = R / k_q, so the sum over the Q flows is Σ_q k_q · R / k_q = (planes
// used) · R: 3R on three planes, R on one, whatever the hash's split (k_0, k_1, k_2), as long as
// each plane gets a flow (the test checks that it does). The same with a cross-rail destination
// (endpoint 17): the scale-up switch relays to endpoint 1, whose NIC ports spread the QPs the
// same way (α = 2 × 250 ns + 2 µs = 2.5 µs; the 3.6 Tb/s scale-up links carry 3R at most).
// Makespan: T_K = α + max_q k_q · W / R, so T_1 / T_3 = Q / max_q k_q ≤ 3 (3 only for an even split).
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

constexpr int kQ = 24;
constexpr double kRateBps = 400e9;
constexpr double kBytes = 4.0 * 1024 * 1024;

json sends(int dst) {
  json ops = json::array();
  for (int q = 0; q < kQ; ++q) {
    ops.push_back(json{{"id", "s" + std::to_string(q)}, {"type", "send"}, {"src", 0}, {"dst", dst}, {"bytes", "4MiB"}, {"qp", q}});
  }
  return json{{"name", "qps"}, {"jobs", json::array({json{{"name", "j"}, {"world_size", 32}, {"ops", ops}}})}};
}

struct Outcome {
  double rate_sum_bps = 0;        // Σ over flows of W / (d − α)
  std::map<long, int> flows_by_k;  // k (flows sharing a plane) → flows seen with it
  double makespan_us = 0;
};

Outcome run(const std::string& dir, int planes, int dst, double alpha_us) {
  const std::string tag = std::to_string(planes) + "_" + std::to_string(dst);
  json topo = json::parse(R"({"name": "mp_rail_only", "generator": "multi_plane", "server": {"accelerators": 2},
    "scale_up": {"size": 2, "rate": "3600Gbps", "latency": "250ns"},
    "multi_plane": {"plane": {"generator": "rail_only", "rail_only": {
      "units": 2, "servers_per_unit": 8, "spines_per_rail": 1,
      "nic_link": {"rate": "400Gbps", "latency": "500ns"},
      "rail_leaf": {"uplinks": 1, "uplink": {"rate": "3200Gbps", "latency": "500ns"}}}}}})");
  topo["multi_plane"]["planes"] = planes;
  write_file(dir + "/topo" + tag + ".json", topo.dump());
  write_file(dir + "/w" + tag + ".json", sends(dst).dump());
  const auto r = run_cli("run --quiet --attribution off --backend fluid --topology " + dir + "/topo" + tag +
                         ".json --workload " + dir + "/w" + tag + ".json --out " + dir + "/out" + tag);
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_file(dir + "/out" + tag + "/summary.json"));
  REQUIRE(s["ops"].size() == static_cast<std::size_t>(kQ));
  const double wire = kBytes + std::ceil(kBytes / 4000.0) * 82.0;  // 4,280,322 B
  const double per_flow_us = wire * 8.0 / kRateBps * 1e6;          // W / R = 85.606 µs
  Outcome o;
  for (const json& op : s["ops"]) {
    REQUIRE(op["completed"] == true);
    const double d = op["duration_us"].get<double>();
    o.makespan_us = std::max(o.makespan_us, d);
    o.rate_sum_bps += wire * 8.0 / ((d - alpha_us) * 1e-6);
    // d = α + k · W / R with a whole k.
    const double k = (d - alpha_us) / per_flow_us;
    CHECK(std::abs(k - std::round(k)) < 0.01);
    ++o.flows_by_k[std::lround(k)];
  }
  return o;
}

// Planes used = Σ_k (flows with that k) / k; every flow of a plane has the same k.
double planes_used(const Outcome& o) {
  double n = 0;
  for (const auto& [k, flows] : o.flows_by_k) n += static_cast<double>(flows) / static_cast<double>(k);
  return n;
}

}  // namespace

TEST_CASE("multi-plane rail-only, fluid: Q QPs of one pair get K·R on K planes (same rail and relayed cross rail)") {
  const std::string dir = scratch_dir("multi_plane_rail_only_fluid");
  for (const auto& [dst, alpha_us] : {std::pair{16, 2.0}, std::pair{17, 2.5}}) {
    CAPTURE(dst);
    const Outcome one = run(dir, 1, dst, alpha_us);
    const Outcome three = run(dir, 3, dst, alpha_us);
    // One plane: all 24 flows share one NIC port: d = α + 24 · W / R = 2,056.5 µs, Σ rates = R.
    CHECK(one.flows_by_k.size() == 1);
    CHECK(one.flows_by_k.count(kQ) == 1);
    CHECK(one.rate_sum_bps == doctest::Approx(kRateBps).epsilon(0.002));
    // Three planes: every plane carries flows, and the pair's flows together run at 3R.
    CHECK(planes_used(three) == doctest::Approx(3.0));
    CHECK(three.rate_sum_bps == doctest::Approx(3.0 * kRateBps).epsilon(0.002));
    // The makespan shrinks by Q / max_q k_q (≤ 3, the hash's split).
    const long k_max = three.flows_by_k.rbegin()->first;
    CHECK(one.makespan_us / three.makespan_us ==
          doctest::Approx((alpha_us + kQ * 85.606) / (alpha_us + static_cast<double>(k_max) * 85.606)).epsilon(0.002));
    CHECK(k_max < kQ);
  }
}
