// The default (nccl) all-to-all against the bounds a fabric imposes, on the fluid and packet tiers,
// end to end through `rocesim run`.
//
// S = bytes a rank sends in all, n ranks, B = 50 GB/s (400 Gb/s NICs), s = S/n per peer.
//  - Non-blocking rail-optimized 2-tier fabric, D servers of L GPUs with PXN: a NIC carries the
//    pieces of its node's L sources for every remote GPU on its rail, (D−1)·L·s bytes, so the op
//    cannot beat T_nic = (D−1)·L·s/B; NCCL should get close (maintainers: ~one NIC's line rate).
//  - 1:k top tier, P pods: (P−1)/P of every rank's bytes leave its pod through uplinks with 1/k of
//    the pod's NIC capacity: T_cut = (P−1)/P · S · k / B.
//  - Inside one pod: T = (n−1)/n · S / B (the NIC bound; the pod is non-blocking).
// The fluid tier has no headers, so it may exceed a bound only by latency (a few µs); the packet
// tier carries 4000 B payloads in 4082 B of wire time (+2.05 %) plus queueing and store-and-forward.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

constexpr double kNicBytesPerS = 50e9;
// Both tiers put 82 B of headers, FCS, preamble and gap on every packet of at most 4000 B of
// payload (the wire defaults): a bandwidth bound on payload S becomes one on S · 4082/4000 wire
// bytes (partial last packets add at most 82 B per transfer: < 0.3 % at the sizes below).
constexpr double kWire = 4082.0 / 4000.0;

std::string a2a_workload(int ranks, const char* bytes) {
  return R"({"name": "a2a", "jobs": [{"name": "j", "world_size": )" + std::to_string(ranks) +
         R"(, "ops": [{"id": "a2a", "type": "all_to_all", "group": "world", "bytes": ")" + bytes + R"("}]}]})";
}

// Runs the scenario on `backend`; returns the all-to-all op of summary.json.
json run_a2a(const std::string& dir, const std::string& topo, const std::string& workload, const std::string& backend) {
  write_file(dir + "/topo.json", topo);
  write_file(dir + "/w.json", workload);
  const auto r = run_cli("run --quiet --attribution off --topology " + dir + "/topo.json --workload " + dir +
                         "/w.json --backend " + backend + " --out " + dir + "/" + backend);
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_file(dir + "/" + backend + "/summary.json"));
  REQUIRE(s["ops"].size() == 1);
  CHECK(s["ops"][0]["algorithm"] == "nccl");
  return s["ops"][0];
}

// 2 units × 4 servers × 8 GPUs = 64 ranks on 16 rail leaves and 4 spines, 1:1.
const char* kRail64 = R"({"name": "rail_2su_4x8", "generator": "rail_optimized", "server": {"accelerators": 8},
  "scale_up": {"size": 8, "rate": "3600Gbps", "latency": "250ns"},
  "rail_optimized": {"units": 2, "servers_per_unit": 4, "spines": 4,
    "rail_leaf": {"radix": 8, "oversubscription": "1:1"}, "spine": {"radix": 32}}})";

// 4 pods × 16 ranks (2 ToRs of one 8-GPU server each), ToRs 1:1, aggregation 1:4.
const char* kClos64 = R"({"name": "clos3_4x16_1to4", "generator": "clos3", "server": {"accelerators": 8},
  "scale_up": {"size": 0},
  "clos3": {"pods": 4, "tors_per_pod": 2, "hosts_per_tor": 8, "aggs_per_pod": 4, "cores_per_plane": 1,
    "tor": {"oversubscription": "1:1"}, "agg": {"oversubscription": "1:4"}}})";


// The same pods with an ECMP choice at the top tier: 4 aggregation switches per pod with 4
// uplinks of 100 Gb/s each (one per core of their plane), fed by 2 ToRs × 2 links of 400 Gb/s:
// 1:4 again, but every cross-pod flow is hashed at its ToR and at its aggregation switch.
const char* kClos64Ecmp = R"({"name": "clos3_4x16x4up_1to4", "generator": "clos3", "server": {"accelerators": 8},
  "scale_up": {"size": 0},
  "clos3": {"pods": 4, "tors_per_pod": 2, "hosts_per_tor": 8, "aggs_per_pod": 4, "cores_per_plane": 4,
    "tor": {"oversubscription": "1:1"}, "agg": {"uplinks": 4, "uplink": {"rate": "100Gbps", "latency": "1us"}}}})";

}  // namespace

TEST_CASE("nccl all-to-all on a non-blocking 2-tier fabric runs at >= 0.90 of NIC line rate, fluid and packet") {
  // D = 8 servers, L = 8, S = 8 MiB, s = 128 KiB: T_nic = 7·8·128 KiB / 50 GB/s = 146.8 µs.
  const double S = 8.0 * 1024 * 1024, s = S / 64, t_nic_us = 7 * 8 * s / kNicBytesPerS * 1e6;
  const std::string dir = scratch_dir("a2a-bound-rail64");
  for (const char* backend : {"fluid", "packet"}) {
    CAPTURE(backend);
    const json op = run_a2a(dir, kRail64, a2a_workload(64, "8MiB"), backend);
    const double t = op["duration_us"].get<double>();
    CAPTURE(t);
    CHECK(t >= t_nic_us);                // no tier beats the NIC
    CHECK(t_nic_us / t >= 0.90);         // NIC busy >= 90 % of the op
    CHECK(op["busbw_GBps"].get<double>() >= 0.90 * kNicBytesPerS * 1e-9);
  }
}

TEST_CASE("nccl all-to-all across pods of a 1:4 top tier takes the cut bound; inside a pod, S/B") {
  const double S = 8.0 * 1024 * 1024;
  const std::string dir = scratch_dir("a2a-bound-clos64");
  // Across 4 pods: T_cut = 3/4 · S · 4 / B = 503.3 µs of payload, 513.6 µs of wire bytes.
  const double t_cut_us = 3.0 / 4.0 * S * 4.0 / kNicBytesPerS * 1e6 * kWire;
  // Pod 0 alone (16 ranks): T = 15/16 · S / B = 157.3 µs, 160.5 µs of wire bytes.
  const double t_pod_us = 15.0 / 16.0 * S / kNicBytesPerS * 1e6 * kWire;
  for (const char* backend : {"fluid", "packet"}) {
    CAPTURE(backend);
    const double slack = std::string(backend) == "fluid" ? 1.02 : 1.10;
    const double t = run_a2a(dir, kClos64, a2a_workload(64, "8MiB"), backend)["duration_us"].get<double>();
    CAPTURE(t);
    CHECK(t >= t_cut_us);
    CHECK(t <= slack * t_cut_us);
    const double t_in = run_a2a(dir, kClos64, a2a_workload(16, "8MiB"), backend)["duration_us"].get<double>();
    CAPTURE(t_in);
    CHECK(t_in >= t_pod_us);
    CHECK(t_in <= slack * t_pod_us);
  }
}

TEST_CASE("nccl all-to-all over a hashed 1:4 top tier: the cut bound unless the hash polarizes") {
  // T_cut = 3/4 · S · 4 / B · 4082/4000 = 513.6 µs as above, if ECMP loads the 16 uplinks of a pod evenly.
  // Polarized (every switch reads the same CRC bits, routing.per_switch_seed=false): the ToR's
  // choice among its 8 uplinks (2 per aggregation switch) fixes the aggregation switch's, so each
  // uses 2 of its 4 uplinks: 2·T_cut. The default reads other bits per tier; a linear hash can
  // still correlate the tiers on the few tuple bits that vary here (one seed of seven: 1.51×), and
  // an ideal random hash leaves Binomial imbalance (1.34–1.45× measured): the check is that most
  // seeds sit on the bound and none is polarized.
  const double S = 8.0 * 1024 * 1024, t_cut_us = 3.0 / 4.0 * S * 4.0 / kNicBytesPerS * 1e6 * kWire;
  const std::string dir = scratch_dir("a2a-bound-clos64-ecmp");
  write_file(dir + "/topo.json", kClos64Ecmp);
  write_file(dir + "/w.json", a2a_workload(64, "8MiB"));
  const auto duration = [&](const std::string& extra) {
    const auto r = run_cli("run --quiet --attribution off --topology " + dir + "/topo.json --workload " + dir +
                           "/w.json --backend fluid --out " + dir + "/o " + extra);
    REQUIRE(r.exit_code == 0);
    return json::parse(read_file(dir + "/o/summary.json"))["ops"][0]["duration_us"].get<double>();
  };
  const double polarized = duration("--set routing.per_switch_seed=false");
  CHECK(polarized >= 1.98 * t_cut_us);
  CHECK(polarized <= 2.04 * t_cut_us);
  int on_bound = 0;
  for (int seed = 1; seed <= 7; ++seed) {
    const double t = duration("--seed " + std::to_string(seed));
    CAPTURE(seed);
    CAPTURE(t);
    CHECK(t >= t_cut_us);
    CHECK(t <= 1.6 * t_cut_us);
    if (t <= 1.02 * t_cut_us) ++on_bound;
  }
  CHECK(on_bound >= 6);
}

TEST_CASE("packet cross-check of the nccl all-to-all, 128 ranks: the fluid tier within 5 % below the packet tier") {
  // The fabrics of scripts/bench_a2a.sh xcheck (8 MiB per rank here instead of 64 MiB, to fit
  // the test budget): a 1:1 rail-optimized fabric (4 units × 4 servers × 8, PXN) and a Clos of
  // 4 pods × 32 ranks whose aggregation tier is 1:4. Both tiers count the same wire bytes; what
  // the fluid tier leaves out (ACK turnaround, store-and-forward, queueing, PFC head-of-line
  // blocking behind paused uplinks) only slows the packet tier, so packet / fluid lies in
  // [1, 1.05] (issue 14's cross-validation target). Measured: 1.021 (1:1), 1.037 (1:4); at 64 MiB
  // 1.022 and 1.043.
  for (const char* fabric : {"rail_4su_4x8.json", "clos3_4x32_1to4.json"}) {
    CAPTURE(fabric);
    const std::string dir = scratch_dir(std::string("a2a-xcheck-") + fabric);
    const std::string topo = read_file(std::string(ROCESIM_SOURCE_DIR) + "/bench/a2a/" + fabric);
    const double fluid = run_a2a(dir, topo, a2a_workload(128, "8MiB"), "fluid")["duration_us"].get<double>();
    const double packet = run_a2a(dir, topo, a2a_workload(128, "8MiB"), "packet")["duration_us"].get<double>();
    CAPTURE(fluid);
    CAPTURE(packet);
    CHECK(packet >= fluid);
    CHECK(packet <= 1.05 * fluid);
  }
}
