// The packet tier's PFC headroom end to end: by default a lossless incast over 400 Gb/s links with
// 1 us cables drops nothing; a configured headroom below the requirement (net/pfc_headroom.hpp)
// is warned about on stderr, by --check too, and in summary.json's notes.
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

// leaf_spine_128 (400 Gb/s everywhere) with 1 us cables: each switch ingress needs
// 2·50,000 + 4·4,082 + 84 = 116,412 B of headroom (tests/net/pfc_headroom_test.cpp).
const std::string kFabric = std::string("--topology '") + ROCESIM_SOURCE_DIR +
                            "/topologies/leaf_spine_128.json' --set topology.leaf_spine.host_link.latency=1us"
                            " --set topology.leaf_spine.fabric_link.latency=1us --backend packet";

// 64 senders (hosts 1, 3, ..., 127, on all 8 leaves) each send 4 MB to host 0 at once.
std::string incast(const std::string& dir) {
  std::string csv = "id,src,dst,bytes,start_us,after\n";
  for (int i = 1; i <= 64; ++i) csv += std::to_string(i) + "," + std::to_string(2 * i - 1) + ",0,4000000,0,\n";
  write_file(dir + "/incast.csv", csv);
  return dir + "/incast.csv";
}

}  // namespace

TEST_CASE("a 64-to-1 incast at 400 Gb/s over 1 us cables is lossless with the default PFC headroom") {
  const std::string dir = scratch_dir("headroom-incast");
  REQUIRE(run_cli_in(dir, "run --quiet " + kFabric + " --workload '" + incast(dir) + "' --out report") == 0);
  const json s = json::parse(read_file(dir + "/report/summary.json"));
  CHECK(s["effective_config"]["backend"]["params"]["mmu"]["headroom"] == "auto");
  CHECK(s["pfc"]["pause_frames"].get<long>() > 0);  // PFC held the senders back ...
  CHECK(s["drops"]["total"] == 0);                  // ... without losing a frame
  CHECK(read_file(dir + "/stderr.txt").find("warning") == std::string::npos);
}

TEST_CASE("a configured PFC headroom below the requirement is warned about by --check, the run and summary.json") {
  const std::string dir = scratch_dir("headroom-warning");
  const std::string args = "run --quiet " + kFabric + " --workload '" + ROCESIM_SOURCE_DIR +
                           "/workloads/regression/ring_a2a_8.json' --set mmu.headroom=64KiB";
  CHECK(run_cli_in(dir, args + " --check") == 0);
  const std::string check_err = read_file(dir + "/stderr.txt");
  CAPTURE(check_err);
  CHECK(check_err.find("warning: mmu.headroom 64KiB is below the PFC headroom a lossless port needs on 384 of 384 "
                       "switch ingress ports (up to 116412 B") != std::string::npos);
  REQUIRE(run_cli_in(dir, args + " --out report") == 0);
  CHECK(read_file(dir + "/stderr.txt").find("warning: mmu.headroom 64KiB") != std::string::npos);
  const json s = json::parse(read_file(dir + "/report/summary.json"));
  REQUIRE(s.contains("notes"));
  CHECK(s["notes"].dump().find("mmu.headroom 64KiB is below the PFC headroom") != std::string::npos);
  // Exactly the requirement: no warning.
  CHECK(run_cli_in(dir, "run --quiet " + kFabric + " --set mmu.headroom=116412B --check") == 0);
  CHECK(read_file(dir + "/stderr.txt").find("warning") == std::string::npos);
}
