// summary.json above report::kSummaryOpLimit ops: aggregated ops[], every row in collectives.csv,
// the workload named by file and digest, and `rocesim compare` on the aggregated form.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// n flows on 128 hosts: flow i goes from host i mod 128 to the next host, 4 KiB, the first 128 at
// time 0 and each later one after the flow 128 before it (chains of about n / 128 flows).
std::string chain_csv(int n) {
  std::ostringstream out;
  out << "id,src,dst,bytes,start_us,after\n";
  for (int i = 0; i < n; ++i) {
    out << i << ',' << i % 128 << ',' << (i + 1) % 128 << ",4096,";
    if (i < 128) out << "0,\n";
    else out << ',' << i - 128 << '\n';
  }
  return out.str();
}

// FNV-1a 64, written out here independently of the project's helper.
std::string fnv_hex(const std::string& s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string run_args(const std::string& csv, const std::string& out) {
  return "run --quiet --topology '" + std::string(ROCESIM_SOURCE_DIR) + "/topologies/fat_tree_k8.json' --workload " +
         csv + " --backend fluid --out " + out;
}

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("1,200 ops: summary.json aggregates them, collectives.csv keeps all 1,200, compare works on it") {
  const std::string dir = scratch_dir("summary-aggregate");
  const std::string csv = chain_csv(1200);
  write_file(dir + "/flows.csv", csv);
  REQUIRE(run_cli_in(dir, run_args("flows.csv", "a")) == 0);
  const json s = json::parse(read_file(dir + "/a/summary.json"));
  REQUIRE(s.contains("ops_aggregated"));
  CHECK(s["ops_aggregated"]["ops"] == 1200);
  CHECK(s["ops_aggregated"]["limit"] == 1000);
  // One job, one iteration, one type ("send"): one group holding every flow.
  REQUIRE(s["ops"].size() == 1);
  const json& g = s["ops"][0];
  CHECK(g["id"] == "send");
  CHECK(g["count"] == 1200);
  CHECK(g["completed"] == 1200);
  CHECK(g["bytes"] == 1200 * 4096);
  CHECK(g["duration_us"]["count"] == 1200);
  CHECK(g["duration_us"]["min"].get<double>() <= g["duration_us"]["p50"].get<double>());
  CHECK(g["duration_us"]["p50"].get<double>() <= g["duration_us"]["max"].get<double>());
  REQUIRE(g["slowest"].size() == 3);
  CHECK(g["slowest"][0]["duration_us"] == g["duration_us"]["max"]);
  CHECK(g["slowest"][0]["duration_us"].get<double>() >= g["slowest"][2]["duration_us"].get<double>());
  // Attribution runs (1,200 transfers are under the auto limit); only the slowest carry critical links.
  CHECK(g["slowest"][0]["attribution"].contains("critical_links"));
  CHECK(g.contains("efficiency"));
  // Every op in collectives.csv: the header and 1,200 rows.
  CHECK(lines(read_file(dir + "/a/collectives.csv")) == 1201);
  // The workload is named, not repeated: file and digests (this test's own FNV-1a of the file).
  const json& w = s["effective_config"]["workload"];
  CHECK(w["jobs"] == 1);  // a count, not the jobs themselves
  CHECK(w["file"] == "flows.csv");
  CHECK(w["ops"] == 1200);
  CHECK(w["file_fnv1a64"] == fnv_hex(csv));
  CHECK(w["overrides"].empty());
  CHECK(w["effective_fnv1a64"] == w["file_fnv1a64"]);  // no --set workload.* overrides
  // Small: well under 100 kB for 1,200 flows.
  CHECK(std::filesystem::file_size(dir + "/a/summary.json") < 100'000);

  // compare: a second run matches; a 1 % slower slowest instance is a regression.
  REQUIRE(run_cli_in(dir, run_args("flows.csv", "b")) == 0);
  CHECK(run_cli_in(dir, "compare a b") == 0);
  json slow = s;
  slow["ops"][0]["slowest"][0]["duration_us"] = g["slowest"][0]["duration_us"].get<double>() * 1.01;
  write_file(dir + "/slow.json", slow.dump(2));
  CHECK(run_cli_in(dir, "compare a slow.json") == 1);
  const std::string out = read_file(dir + "/stdout.txt");
  CAPTURE(out);
  CHECK(out.find("/ops/send/slowest/") != std::string::npos);
  // A different flow list is a different config, even with the same name and op count.
  std::string other = csv;
  other.replace(other.find(",4096,"), 6, ",8192,");
  write_file(dir + "/flows.csv", other);
  REQUIRE(run_cli_in(dir, run_args("flows.csv", "c")) == 0);
  CHECK(run_cli_in(dir, "compare a c") == 2);
}

TEST_CASE("1,000 ops (the limit) keep one summary entry per op and the whole workload") {
  const std::string dir = scratch_dir("summary-at-limit");
  write_file(dir + "/flows.csv", chain_csv(1000));
  REQUIRE(run_cli_in(dir, run_args("flows.csv", "a") + " --attribution off") == 0);
  const json s = json::parse(read_file(dir + "/a/summary.json"));
  CHECK_FALSE(s.contains("ops_aggregated"));
  CHECK(s["ops"].size() == 1000);
  CHECK(s["effective_config"]["workload"]["jobs"].is_array());
  // --attribution off: no critical links (nor any other attribution field) on any op.
  for (const json& op : s["ops"]) CHECK_FALSE(op.contains("attribution"));
}
