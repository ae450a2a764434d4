// UET end to end (issue 18): `rocesim run --set nic.transport=uet` on a shipped topology, with
// NSCC, in a pipe and under a pseudo-terminal; the report shows trims (links.csv `trims`,
// summary drops.trimmed) for UET runs only; bad UET parameters exit 2 naming the key.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::run_cli_pty;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

const std::string kFabric =
    std::string("--topology '") + ROCESIM_SOURCE_DIR + "/topologies/leaf_spine_128.json' --backend packet";

// 16 senders on all 8 leaves each send 1 MB to host 0 at once.
std::string incast(const std::string& dir) {
  std::string csv = "id,src,dst,bytes,start_us,after\n";
  for (int i = 1; i <= 16; ++i) csv += std::to_string(i) + "," + std::to_string(8 * i - 1) + ",0,1000000,0,\n";
  write_file(dir + "/incast.csv", csv);
  return dir + "/incast.csv";
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("rocesim run --set nic.transport=uet: lossy, trimmed not dropped, trims reported; RoCE reports unchanged") {
  const std::string dir = scratch_dir("uet-incast");
  const std::string work = " --workload '" + incast(dir) + "'";
  REQUIRE(run_cli_in(dir, "run --quiet " + kFabric + work +
                              " --set nic.transport=uet --set cc.algorithm=nscc --out uet") == 0);
  const json s = json::parse(read_file(dir + "/uet/summary.json"));
  const json& params = s["effective_config"]["backend"]["params"];
  CHECK(params["nic"]["transport"] == "uet");
  CHECK(params["uet"]["trimming"] == true);
  CHECK(params["cc"]["algorithm"] == "nscc");
  CHECK(s["conservation"]["ok"] == true);
  CHECK(s["pfc"]["pause_frames"] == 0);  // no PFC on the UET class
  CHECK(s["drops"]["total"] == 0);       // trimmed, never dropped
  CHECK(s["drops"]["trimmed"].get<long>() >= 0);
  CHECK(first_line(read_file(dir + "/uet/links.csv")).ends_with(",max_queue[B],trims"));
  // The same incast over RoCE: no transport key, no uet block, no trims column or key.
  REQUIRE(run_cli_in(dir, "run --quiet " + kFabric + work + " --out roce") == 0);
  const json r = json::parse(read_file(dir + "/roce/summary.json"));
  CHECK_FALSE(r["effective_config"]["backend"]["params"]["nic"].contains("transport"));
  CHECK_FALSE(r["effective_config"]["backend"]["params"].contains("uet"));
  CHECK_FALSE(r["drops"].contains("trimmed"));
  CHECK(first_line(read_file(dir + "/roce/links.csv")).ends_with(",max_queue[B]"));
}

TEST_CASE("rocesim run with UET under a pseudo-terminal, and bad UET parameters exit 2") {
  const std::string dir = scratch_dir("uet-pty");
  const rocesim::test::PtyResult p =
      run_cli_pty("run " + kFabric + " --workload '" + incast(dir) + "' --set nic.transport=uet --out '" + dir + "/out'", 60);
  CHECK_FALSE(p.timed_out);
  CHECK(p.exit_code == 0);
  CHECK(p.output.find("report:") != std::string::npos);
  CHECK(run_cli_in(dir, "run --quiet --backend packet --set nic.transport=uet --set uet.trim_threshold=1B") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("error: --set: /backend/uet/trim_threshold: ") == 0);
  CHECK(run_cli_in(dir, "run --quiet --backend packet --set uet.trimming=false") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("nic.transport") != std::string::npos);
  CHECK(run_cli_in(dir, "run --quiet --backend packet --set cc.algorithm=nscc") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("/backend/cc/algorithm") != std::string::npos);
}

TEST_CASE("rocesim run --backend fluid --set nic.transport=uet: each flow spread over its ECMP candidates") {
  // The study's 1:1 fabric (8 leaves x 16 hosts, 16 x 400 Gb/s uplinks per leaf, 0.5 us links)
  // and its permutation (host i sends 8 MB to host i + 16, on the next leaf). UET's fluid limit
  // splits every flow evenly over the 16 uplinks of its leaf and the spine's links down: each
  // uplink carries 16 flows x 1/16 = one flow's worth, so every flow runs at 400 Gb/s of wire
  // bytes: 8e6 B is 2000 packets, W = 8e6 + 2000 x 82 = 8,164,000 B, 8 W / 400e9 = 163.28 us plus
  // 4 links x 0.5 us = 165.28 us. With RoCE each flow keeps its one hashed ECMP path and
  // collisions share uplinks: longer.
  const std::string dir = scratch_dir("uet-fluid");
  const std::string study = std::string(ROCESIM_SOURCE_DIR) + "/workloads/studies/roce_vs_uet/";
  const std::string run = "run --quiet --backend fluid --topology '" + study + "fabric_1to1.json' --workload '" + study +
                          "permutation.json' --set routing.hash=uniform";
  REQUIRE(run_cli_in(dir, run + " --set nic.transport=uet --out uet") == 0);
  const json u = json::parse(read_file(dir + "/uet/summary.json"));
  CHECK(u["run"]["sim_end_us"].get<double>() == doctest::Approx(165.28).epsilon(1e-9));
  CHECK(u["effective_config"]["routing"]["load_balancing"] == "spray");
  CHECK(u["effective_config"]["backend"]["params"]["nic"]["transport"] == "uet");
  REQUIRE(run_cli_in(dir, run + " --out roce") == 0);
  const json r = json::parse(read_file(dir + "/roce/summary.json"));
  CHECK(r["run"]["sim_end_us"].get<double>() > 1.5 * 165.28);
  CHECK(r["effective_config"]["routing"]["load_balancing"] == "ecmp");
  CHECK_FALSE(r["effective_config"]["backend"]["params"].contains("nic"));
  // Only nic.transport reaches the fluid backend; a packet run with UET says how its fluid
  // re-runs model it.
  CHECK(run_cli_in(dir, "run --quiet --backend fluid --set nic.window=1KB --out bad") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("error: --set: /backend/nic/window: ") == 0);
  CHECK(run_cli_in(dir, "run --quiet --backend fluid --set nic.transport=tcp --out bad") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("/backend/nic/transport") != std::string::npos);
  REQUIRE(run_cli_in(dir, "run --quiet " + kFabric + " --workload '" + incast(dir) + "' --set nic.transport=uet --out pkt") == 0);
  CHECK(read_file(dir + "/pkt/summary.json").find("model UET's entropy spraying as routing.load_balancing=spray") !=
        std::string::npos);
}

TEST_CASE("rocesim run: a RoCE job and a UET job on one fabric, each in its own class (nic.transport per class)") {
  // Job 0 (8 ranks, class 0) runs a ring all-reduce over RoCE with DCQCN; job 1 (8 ranks, class 1)
  // an all-to-all over UET with NSCC; DWRR 1:1 between the classes. Both complete; nothing is
  // dropped (RoCE's class is lossless, UET's trims instead of dropping); the effective config
  // names each class's transport and each transport's CC.
  const std::string dir = scratch_dir("uet-mixed");
  write_file(dir + "/jobs.json", R"({"jobs": [
    {"name": "roce", "world_size": 8, "placement": {"kind": "strided", "stride": 16},
     "ops": [{"id": "ar", "type": "all_reduce", "bytes": "4MiB"}]},
    {"name": "uet", "world_size": 8, "traffic_class": 1, "placement": {"kind": "strided", "stride": 16},
     "ops": [{"id": "a2a", "type": "all_to_all", "bytes": "4MiB"}]}]})");
  const std::string mixed =
      " --set queues.data_classes=2 --set 'queues.lossless=[true,true]' --set queues.scheduler=dwrr"
      " --set 'queues.dwrr_weights=[1,1]' --set 'nic.transport=[\"roce\",\"uet\"]'";
  REQUIRE(run_cli_in(dir, "run --quiet " + kFabric + " --workload jobs.json" + mixed +
                              " --set cc.algorithm=dcqcn --set cc.uet_algorithm=nscc --out out") == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  const json& params = s["effective_config"]["backend"]["params"];
  CHECK(params["nic"]["transport"] == json::array({"roce", "uet"}));
  CHECK(params["cc"]["algorithm"] == "dcqcn");
  CHECK(params["cc"]["uet_algorithm"] == "nscc");
  CHECK(s["effective_config"]["workload"]["jobs"][1]["traffic_class"] == 1);
  CHECK(s["run"]["completed"] == true);
  CHECK(s["drops"]["total"] == 0);
  CHECK(s["conservation"]["ok"] == true);
  // A class the queues do not have, and per-class transports on the fluid tier, are errors.
  CHECK(run_cli_in(dir, "run --quiet " + kFabric + " --workload jobs.json --out bad") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("priority") != std::string::npos);
  CHECK(run_cli_in(dir, "run --quiet --backend fluid --set 'nic.transport=[\"roce\",\"uet\"]' --out bad") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("packet backend only") != std::string::npos);
}
