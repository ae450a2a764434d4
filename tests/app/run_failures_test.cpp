// `rocesim run` with timed failures ("at"/"until" in the topology's failures): the run applies the
// schedule at its times on every backend, reports it, and refuses bad schedules with exit 2.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// 2 leaves × 2 hosts, 2 spines, 400 Gb/s and 500 ns everywhere; acc0's NIC link drops to
// 100 Gb/s from 50 us to 150 us.
json degraded_nic_topology() {
  json t = {{"name", "degraded_nic"},
            {"generator", "leaf_spine"},
            {"leaf_spine",
             {{"leaves", 2},
              {"hosts_per_leaf", 2},
              {"spines", 2},
              {"host_link", {{"rate", "400Gbps"}, {"latency", "500ns"}}},
              {"fabric_link", {{"rate", "400Gbps"}, {"latency", "500ns"}}}}}};
  t["failures"] = json::array({{{"link", {"acc0", "t1.0"}}, {"rate", "100Gbps"}, {"at", "50us"}, {"until", "150us"}}});
  return t;
}

// Three 1 MiB sends from rank 0 (acc0) to rank 2 (acc2, the other leaf): before, during and after
// the degradation.
json three_sends() {
  return {{"name", "three_sends"},
          {"jobs",
           {{{"name", "j"},
             {"world_size", 4},
             {"ops",
              {{{"id", "before"}, {"type", "send"}, {"src", 0}, {"dst", 2}, {"bytes", "1MiB"}},
               {{"id", "during"}, {"type", "send"}, {"src", 0}, {"dst", 2}, {"bytes", "1MiB"}, {"start", "60us"}},
               {{"id", "after"}, {"type", "send"}, {"src", 0}, {"dst", 2}, {"bytes", "1MiB"}, {"start", "200us"}}}}}}}};
}

double duration_us(const json& summary, const std::string& id) {
  for (const json& op : summary["ops"]) {
    if (op["id"] == id) return op["duration_us"].get<double>();
  }
  FAIL("no op " << id);
  return 0.0;
}

}  // namespace

TEST_CASE("analytic: a NIC link degraded from 50 us to 150 us slows only the transfer that starts inside") {
  const std::string dir = scratch_dir("run-failures-analytic");
  write_file(dir + "/topo.json", degraded_nic_topology().dump(2));
  write_file(dir + "/work.json", three_sends().dump(2));
  REQUIRE(run_cli_in(dir, "run --topology topo.json --workload work.json --backend analytic --attribution off --out out") == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  // Analytic: t = 4 hops · 500 ns + ⌈8·B·1e12 / R_min⌉ ps with B = 1,048,576 B:
  //   at 400 Gb/s 20.97152 us, at 100 Gb/s 83.88608 us.
  CHECK(duration_us(s, "before") == doctest::Approx(2.0 + 20.97152).epsilon(1e-6));
  CHECK(duration_us(s, "during") == doctest::Approx(2.0 + 83.88608).epsilon(1e-6));
  CHECK(duration_us(s, "after") == doctest::Approx(2.0 + 20.97152).epsilon(1e-6));
  // The report lists the two link changes (the degradation and its end), both reached.
  const json& f = s["failures"];
  CHECK(f["link_changes"] == 2);
  CHECK(f["applied"] == 2);
  CHECK(f["schedule"][0]["at_us"] == 50.0);
  CHECK(f["schedule"][0]["state"] == "up");
  CHECK(f["schedule"][0]["rate_gbps"] == 100.0);
  CHECK(f["schedule"][0]["link"] == json::array({"acc0", "t1.0"}));
  CHECK(f["schedule"][1]["at_us"] == 150.0);
  CHECK(f["schedule"][1]["restore"] == true);
  CHECK(f["schedule"][1]["rate_gbps"] == 400.0);
}

TEST_CASE("fluid and packet: the rate of a transfer under way changes at the instant of the degradation") {
  const std::string dir = scratch_dir("run-failures-fluid");
  write_file(dir + "/topo.json", degraded_nic_topology().dump(2));
  json w = three_sends();
  w["jobs"][0]["ops"] = json::array({{{"id", "mid"}, {"type", "send"}, {"src", 0}, {"dst", 2}, {"bytes", "1MiB"}, {"start", "40us"}}});
  write_file(dir + "/work.json", w.dump(2));
  REQUIRE(run_cli_in(dir, "run --topology topo.json --workload work.json --backend fluid --out out") == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  // 1 MiB is 263 packets, W = 1,048,576 + 263 · 82 = 1,070,142 wire bytes. They flow from 40 + 2 us
  // (path propagation) at 400 Gb/s; at 50 us, 8 us · 50 GB/s = 400,000 B are through and
  // 670,142 B remain, at 100 Gb/s: 53.61136 us. Duration 2 + 8 + 53.61136 us.
  CHECK(duration_us(s, "mid") == doctest::Approx(63.61136).epsilon(1e-6));
  CHECK(s["failures"]["applied"] == 1);  // the end at 150 us comes after the transfer (101.9 us)
  // The attribution re-runs apply the same schedule (they would differ from the run otherwise).
  CHECK(s["ops"][0]["nonblocking_us"].get<double>() == doctest::Approx(63.61136).epsilon(1e-6));
  // The lower bound (payload at line rate, no headers) counts every link at its peak rate over the run (the NIC's healthy 400 Gb/s,
  // which it has again from 150 us) and the least latency any route has (acc0, leaf, spine, leaf,
  // acc2: 4 links): 2 + 20.97152 us.
  CHECK(s["ops"][0]["ideal_us"].get<double>() == doctest::Approx(2.0 + 20.97152).epsilon(1e-6));

  // The packet tier sends from 40 us on (propagation comes after the bytes, not before as in the
  // fluid's start latency): by 50 us the NIC has sent 10 us · 50 GB/s = 500,000 wire bytes, i.e.
  // 489,956 payload bytes of 4,000-byte frames with 82 bytes of headers each (MTU and overhead
  // defaults); the remaining 558,620 B (570,071 wire bytes) take 45.606 us at 100 Gb/s, and the last
  // frame then crosses the path: 2 us. Duration ≈ 10 + 45.606 + 2 = 57.61 us (within 1 %: frame
  // granularity at the instant of the change and store-and-forward of the last frame).
  REQUIRE(run_cli_in(dir, "run --topology topo.json --workload work.json --backend packet --out packet") == 0);
  const json p = json::parse(read_file(dir + "/packet/summary.json"));
  CHECK(duration_us(p, "mid") == doctest::Approx(57.61).epsilon(0.01));
  CHECK(p["drops"]["total"] == 0);  // a slower link keeps its frames
}

TEST_CASE("packet and fluid agree on a ring all-reduce through a spine failure and recovery") {
  // topologies/leaf_spine_128_spine_flap.json: spine t2.0 down from 100 to 600 us, one t1.1–t2.1
  // link at 100 Gb/s from 300 us; 16 ranks one per 8 hosts, so every ring step crosses the spines.
  // Both tiers route the same ECMP paths around the failure; the packet tier also loses the frames
  // on the dead links and resends them (go-back-N), a few round trips against a ~1.2 ms op. So the
  // bandwidth-bound all-reduce agrees within the 5 % of the fluid/packet cross-validation, and
  // only the packet tier reports drops.
  const std::string dir = scratch_dir("run-failures-cross");
  const std::string root = std::string(ROCESIM_SOURCE_DIR) + "/";
  const std::string args = "run --topology " + root + "topologies/leaf_spine_128_spine_flap.json --workload " + root +
                           "workloads/regression/ring_a2a_16_spread.json --attribution off --flows off";
  REQUIRE(run_cli_in(dir, args + " --backend packet --out packet") == 0);
  REQUIRE(run_cli_in(dir, args + " --backend fluid --out fluid") == 0);
  const json p = json::parse(read_file(dir + "/packet/summary.json"));
  const json f = json::parse(read_file(dir + "/fluid/summary.json"));
  const double packet_us = duration_us(p, "ar"), fluid_us = duration_us(f, "ar");
  CAPTURE(packet_us);
  CAPTURE(fluid_us);
  CHECK(packet_us == doctest::Approx(fluid_us).epsilon(0.05));
  // The failure must show: without it the fluid all-reduce is far faster.
  REQUIRE(run_cli_in(dir, args + " --backend fluid --set 'topology.failures=[]' --out healthy") == 0);
  const double healthy_us = duration_us(json::parse(read_file(dir + "/healthy/summary.json")), "ar");
  CAPTURE(healthy_us);
  CHECK(fluid_us > 1.3 * healthy_us);
  CHECK(p["drops"]["total"].get<double>() > 0);
  CHECK(p["failures"]["applied"] == 65);
  CHECK(p["conservation"]["ok"] == true);
}

TEST_CASE("the non-blocking re-run keeps a scheduled degradation's ratio, not its absolute rate") {
  // Both uplinks of leaf t1.0 drop to 100 Gb/s at 10 us, so acc0 → acc2 (1 MiB from 0) runs at
  // 400 Gb/s for 8 us (from 2 us, after propagation), then at 100 Gb/s: of its W = 1,070,142 wire
  // bytes, 400,000 B then 670,142 B, 2 + 8 + 53.61136 = 63.61136 us. The non-blocking re-run makes
  // switch links 1000× faster; the degradation there is to 1000 × 100 Gb/s, still far above the
  // 400 Gb/s NIC, so nonblocking_us is the lone NIC-bound time 2 + 21.40284 us (an absolute
  // 100 Gb/s would give 63.61136 again).
  const std::string dir = scratch_dir("run-failures-ideal");
  json t = degraded_nic_topology();
  t["failures"] = json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "100Gbps"}, {"at", "10us"}},
                               {{"link", {"t1.0", "t2.1"}}, {"rate", "100Gbps"}, {"at", "10us"}}});
  write_file(dir + "/topo.json", t.dump(2));
  json w = three_sends();
  w["jobs"][0]["ops"] = json::array({w["jobs"][0]["ops"][0]});
  write_file(dir + "/work.json", w.dump(2));
  REQUIRE(run_cli_in(dir, "run --topology topo.json --workload work.json --backend fluid --out out") == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  CHECK(duration_us(s, "before") == doctest::Approx(63.61136).epsilon(1e-6));
  CHECK(s["ops"][0]["nonblocking_us"].get<double>() == doctest::Approx(2.0 + 21.40284).epsilon(1e-5));
}

TEST_CASE("a failure after the workload's end is listed as not applied and does not stretch the run") {
  const std::string dir = scratch_dir("run-failures-late");
  json t = degraded_nic_topology();
  t["failures"] = json::array({{{"switch", "t2.0"}, {"at", "10ms"}}});
  write_file(dir + "/topo.json", t.dump(2));
  json w = three_sends();
  w["jobs"][0]["ops"] = json::array({w["jobs"][0]["ops"][0]});
  write_file(dir + "/work.json", w.dump(2));
  REQUIRE(run_cli_in(dir, "run --topology topo.json --workload work.json --backend analytic --attribution off --out out") == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  CHECK(s["failures"]["link_changes"] == 2);  // the spine's two leaf links
  CHECK(s["failures"]["applied"] == 0);
  CHECK(s["run"]["sim_end_us"].get<double>() < 100.0);
}

TEST_CASE("bad timed failures exit 2 naming the entry") {
  const std::string dir = scratch_dir("run-failures-bad");
  write_file(dir + "/work.json", three_sends().dump(2));
  json t = degraded_nic_topology();
  t["failures"].push_back({{"link", {"acc0", "t1.0"}}, {"at", "100us"}});  // inside entry 0's 50–150 us
  write_file(dir + "/overlap.json", t.dump(2));
  CHECK(run_cli_in(dir, "run --topology overlap.json --workload work.json --out out") == 2);
  const std::string err = read_file(dir + "/stderr.txt");
  CHECK(err.find("overlap.json") != std::string::npos);
  CHECK(err.find("/failures/1") != std::string::npos);
  CHECK(err.find("overlaps /failures/0") != std::string::npos);

  t = degraded_nic_topology();
  t["failures"][0]["until"] = "40us";  // before "at"
  write_file(dir + "/backwards.json", t.dump(2));
  CHECK(run_cli_in(dir, "run --topology backwards.json --workload work.json --out out") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("/failures/0/until") != std::string::npos);
}

TEST_CASE("a timed failure that cuts a job's endpoints off is an error naming them, before the run") {
  const std::string dir = scratch_dir("run-failures-cut");
  json t = degraded_nic_topology();
  t["failures"] = json::array({{{"link", {"acc2", "t1.1"}}, {"at", "30us"}}});  // rank 2's only NIC link
  write_file(dir + "/topo.json", t.dump(2));
  write_file(dir + "/work.json", three_sends().dump(2));
  CHECK(run_cli_in(dir, "run --topology topo.json --workload work.json --out out") == 2);
  const std::string err = read_file(dir + "/stderr.txt");
  CHECK(err.find("after the timed failures at 30us") != std::string::npos);
  CHECK(err.find("endpoint 2") != std::string::npos);
}
