// nic.rx_buffer from the command line: a host NIC draining slower than its link pauses its ToR
// port, which links.csv reports (paused[us], pause_frames, longest_pause[us]); the effective config
// shows the buffer; a buffer too small for the link's headroom is exit 2 naming the key.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::csv_cells;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::run_cli_pty;
using rocesim::test::scratch_dir;
using rocesim::test::source_path;
using rocesim::test::write_file;

namespace {

std::string run_args(const std::string& dir, const std::string& size) {
  return "run --topology '" + source_path("topologies/fat_tree_k8.json") + "' --workload '" + dir +
         "/flows.csv' --backend packet --set nic.rx_buffer.size=" + size +
         " --set nic.rx_buffer.drain_rate=50Gbps --quiet --out '" + dir + "/out'";
}

}  // namespace

TEST_CASE("nic.rx_buffer on the CLI: the ToR port into a half-rate host is paused about half the run") {
  // k=8 fat tree, 100 Gb/s NIC links of 1 us. Hosts 0 and 1 send 10 MB + 5 MB to host 5, whose
  // NIC drains 50 Gb/s into 512 KiB. 3,750 frames of 4,082 B = 15,307,500 wire bytes cross the
  // ToR port into host 5: 1,224.6 us of sending at 100 Gb/s; the drain needs 2,449.2 us, so the
  // run ends there (+ the first frame's way, < 10 us). The port has a backlog throughout (its
  // ingresses pause the senders), so it is paused for the rest, up to the last frame it sends,
  // which is at most 512 KiB / 50 Gb/s = 83.9 us before the end:
  // paused ∈ [2,449.2 − 1,224.6 − 83.9 − 10, 2,449.2 − 1,224.6] = [1,130, 1,225] us. No drop.
  const std::string dir = scratch_dir("nic-rx-cli");
  write_file(dir + "/flows.csv", "id,src,dst,bytes,start_us,after\n1,0,5,10000000,0,\n2,1,5,5000000,0,\n");
  REQUIRE(run_cli_in(dir, run_args(dir, "512KiB")) == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  const json& rx = s["effective_config"]["backend"]["params"]["nic"]["rx_buffer"];
  CHECK(rx["size"] == "512KiB");
  CHECK(rx["drain_rate"] == "50Gbps");
  CHECK(rx["xoff"] == "auto");
  CHECK(s["drops"]["total"] == 0);
  const double end_us = s["run"]["sim_end_us"].get<double>();
  CHECK(end_us >= 2449.2);
  CHECK(end_us <= 2449.2 + 10);
  const auto rows = csv_cells(read_file(dir + "/out/links.csv"));
  REQUIRE(rows.size() > 1);
  const auto col = [&](const std::string& name) {
    const auto it = std::find(rows[0].begin(), rows[0].end(), name);
    REQUIRE(it != rows[0].end());
    return static_cast<std::size_t>(it - rows[0].begin());
  };
  const std::size_t to = col("to"), bytes = col("bytes[B]"), paused = col("paused[us]"), frames = col("pause_frames"),
                    longest = col("longest_pause[us]");
  bool found = false;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][to] != "acc5") continue;
    found = true;
    CHECK(rows[i][bytes] == "15307500");
    const double p = std::stod(rows[i][paused]);
    CHECK(p >= 1130);
    CHECK(p <= 1225);
    CHECK(std::stoi(rows[i][frames]) > 0);
    CHECK(std::stod(rows[i][longest]) > 0);
    CHECK(std::stod(rows[i][longest]) <= p);
  }
  CHECK(found);

  // The same run in a terminal finishes; a buffer below the 41,412 B headroom of the host link
  // is refused with the key's path.
  const auto pty = run_cli_pty(run_args(dir, "512KiB"), 120.0);
  CAPTURE(pty.output);
  CHECK_FALSE(pty.timed_out);
  CHECK(pty.exit_code == 0);
  CHECK(run_cli_in(dir, run_args(dir, "20KiB")) == 2);
  CHECK(read_file(dir + "/stderr.txt").find("error: --set: /backend/nic/rx_buffer/size: receive buffer 20KiB") !=
        std::string::npos);
}
