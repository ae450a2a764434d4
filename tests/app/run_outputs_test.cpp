// rocesim run --out DIR: the report files (summary.json, collectives.csv, flows.csv, links.csv,
// timeseries.csv, trace.json), their schema, their consistency with each other, determinism and
// the failure modes (unwritable directory, no progress line without a terminal).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;

using nlohmann::json;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {


// RFC 4180: a quoted cell may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      cell += c;
    }
  }
  return rows;
}

std::string header(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  return line;
}

// 16 ranks on the k=8 fat tree (128 hosts): a compute step, a ring all-reduce of 1 MiB and a
// pairwise all-to-all of 256 KiB. Ring all-reduce: 2(n−1) steps of n transfers = 480; pairwise
// all-to-all: n(n−1) = 240; 720 transfers in all.
std::string small_workload(const std::string& dir) {
  const std::string path = dir + "/small.json";
  write_file(path, R"({"name": "small", "jobs": [{"name": "j", "world_size": 16, "ops": [
    {"id": "c0", "type": "compute", "duration": "5us"},
    {"id": "ar", "type": "all_reduce", "bytes": "1MiB", "algorithm": "ring", "deps": ["c0"]},
    {"id": "a2a", "type": "all_to_all", "bytes": "256KiB", "deps": ["ar"]}]}]})");
  return path;
}

std::string run_args(const std::string& workload, const std::string& backend, const std::string& out) {
  return "run --topology topologies/fat_tree_k8.json --workload '" + workload + "' --backend " + backend + " --out '" +
         out + "' --quiet";
}

}  // namespace

TEST_CASE("rocesim run --out writes every report file with the schema's header row") {
  const std::string dir = scratch_dir("outputs-schema");
  const std::string out = dir + "/report";
  const auto r = run_cli(run_args(small_workload(dir), "fluid", out));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const char* f : {"summary.json", "collectives.csv", "flows.csv", "links.csv", "timeseries.csv", "tier_series.csv",
                        "trace.json"}) {
    CHECK_MESSAGE(std::filesystem::exists(out + "/" + f), f);
    CHECK_FALSE(std::filesystem::exists(out + "/." + std::string(f) + ".tmp"));
  }
  CHECK(header(out + "/collectives.csv") ==
        "job,iteration,op_id,type,algorithm,group_size,groups,bytes[B],start[us],end[us],duration[us],algbw[GB/s],"
        "busbw[GB/s],ideal[us],efficiency,bottleneck_tier");
  CHECK(header(out + "/flows.csv") ==
        "transfer,src,dst,job,iteration,op_id,flow_label,bytes[B],start[us],end[us],fct[us],throughput[Gb/s],ideal[us],"
        "slowdown");
  CHECK(header(out + "/links.csv") ==
        "port,from,to,tier,direction,rate[Gb/s],bytes[B],utilization,paused[us],pause_frames,longest_pause[us],"
        "ecn_marks,drops,max_queue[B]");
  CHECK(header(out + "/timeseries.csv") == "time[us],port,from,to,tier,utilization,queue[B]");
  CHECK(header(out + "/tier_series.csv") == "time[us],tier,ports,mean_utilization,max_utilization,queued[B],paused[us]");

  const json s = json::parse(read_file(out + "/summary.json"));
  REQUIRE(s["run"]["transfers"] == 720);
  // collectives.csv: one row per ops[] entry, same durations.
  const auto coll = read_csv(out + "/collectives.csv");
  REQUIRE(coll.size() == 1 + s["ops"].size());
  for (std::size_t i = 0; i < s["ops"].size(); ++i) {
    REQUIRE(coll[1 + i].size() == 16);
    CHECK(coll[1 + i][2] == s["ops"][i]["id"].get<std::string>());
    CHECK(std::stod(coll[1 + i][10]) == doctest::Approx(s["ops"][i]["duration_us"].get<double>()));
  }
  // flows.csv: one row per transfer; fct = end − start.
  const auto flows = read_csv(out + "/flows.csv");
  REQUIRE(flows.size() == 1 + 720);
  double flow_bytes = 0.0;
  for (std::size_t i = 1; i < flows.size(); ++i) {
    REQUIRE(flows[i].size() == 14);
    flow_bytes += std::stod(flows[i][7]);
    CHECK(std::stod(flows[i][10]) == doctest::Approx(std::stod(flows[i][9]) - std::stod(flows[i][8])));
    // ideal = the transfer alone on the idle fabric (fluid: latency + overhead + bytes at the path's
    // narrowest rate), so slowdown = fct / ideal >= 1 (up to the 6 printed digits).
    CHECK(std::stod(flows[i][13]) == doctest::Approx(std::stod(flows[i][10]) / std::stod(flows[i][12])).epsilon(1e-5));
    CHECK(std::stod(flows[i][13]) >= 1 - 1e-6);
  }
  // Ring all-reduce moves 2(n−1)/n · S per rank: 16 · 2 · 15/16 · 1 MiB = 30 MiB; the all-to-all
  // moves n(n−1) blocks of S/n: 16 · 15 · 16 KiB = 3.75 MiB.
  CHECK(flow_bytes == doctest::Approx(30.0 * 1048576 + 3.75 * 1048576));
  // timeseries.csv: fluid has no queues, so the queue column is empty.
  const auto ts = read_csv(out + "/timeseries.csv");
  REQUIRE(ts.size() > 1);
  for (std::size_t i = 1; i < ts.size(); ++i) {
    REQUIRE(ts[i].size() == 7);
    CHECK(ts[i][6].empty());
    const bool node_name = ts[i][2].rfind("acc", 0) == 0 || ts[i][2].rfind("t", 0) == 0;
    CHECK(node_name);
  }
}

TEST_CASE("links.csv conserves bytes: NIC up-ports carry exactly the bytes started (analytic and fluid)") {
  const std::string dir = scratch_dir("outputs-links");
  const std::string wl = small_workload(dir);
  for (const char* backend : {"analytic", "fluid"}) {
    CAPTURE(backend);
    const std::string out = dir + "/" + backend;
    const auto r = run_cli(run_args(wl, backend, out));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto links = read_csv(out + "/links.csv");
    double nic_up = 0.0;
    long previous = -1;
    for (std::size_t i = 1; i < links.size(); ++i) {
      REQUIRE(links[i].size() == links[0].size());
      CHECK(std::stol(links[i][0]) > previous);  // ascending port id
      previous = std::stol(links[i][0]);
      if (links[i][3] == "nic" && links[i][4] == "up") nic_up += std::stod(links[i][6]);
      CHECK(links[i][8].empty());  // no PFC in these tiers: pause columns empty, not 0
      const double u = std::stod(links[i][7]);
      CHECK(u > 0.0);
      CHECK(u <= 1.0 + 1e-6);
    }
    const json s = json::parse(read_file(out + "/summary.json"));
    // = Σ flows.csv bytes (test above) on the analytic tier, which moves payload at line rate.
    // The fluid tier counts wire bytes: W(B) = B + ⌈B / 4000⌉ · 82 per transfer.
    double expected = 0.0;
    const auto flows = read_csv(out + "/flows.csv");
    for (std::size_t i = 1; i < flows.size(); ++i) {
      const double b = std::stod(flows[i][7]);
      expected += std::string(backend) == "fluid" ? b + std::ceil(b / 4000.0) * 82.0 : b;
    }
    if (std::string(backend) == "analytic") CHECK(expected == doctest::Approx(33.75 * 1048576));
    CHECK(nic_up == doctest::Approx(expected));
    if (s.contains("conservation")) CHECK(s["conservation"]["ok"] == true);
  }
}

// The trace-event format's structure: every "B" has its "E" on the same track, later; the "X"
// slices of one track (pid, tid) nest or do not overlap (what Perfetto and chrome://tracing need
// to draw a track); every track with slices is named. Times compared in integer ps (ts and dur
// are printed in µs with 6 decimals). Returns the number of tracks holding slices.
std::size_t check_trace_structure(const json& trace) {
  std::map<std::pair<int, long long>, std::vector<std::pair<long long, long long>>> slices;
  std::map<std::pair<int, long long>, long long> open_b;
  std::set<std::pair<int, long long>> named;
  const auto ps = [](const json& v) { return std::llround(v.get<double>() * 1e6); };
  for (const json& e : trace.at("traceEvents")) {
    const std::string ph = e.at("ph");
    const std::pair<int, long long> track{e.at("pid").get<int>(), e.at("tid").get<long long>()};
    if (ph == "M" && e.at("name") == "thread_name") named.insert(track);
    if (ph == "B") ++open_b[track];
    if (ph == "E") {
      CHECK_MESSAGE(open_b[track] > 0, "E without B");
      --open_b[track];
    }
    if (ph == "X") {
      CHECK(e.at("dur").get<double>() >= 0.0);
      slices[track].emplace_back(ps(e.at("ts")), ps(e.at("ts")) + ps(e.at("dur")));
    }
  }
  for (const auto& [track, n] : open_b) CHECK_MESSAGE(n == 0, "B without E");
  std::size_t bad = 0;
  for (auto& [track, v] : slices) {
    CHECK_MESSAGE(named.count(track) == 1, "unnamed track " << track.first << "/" << track.second);
    // Outer slices first at equal starts; a stack of open ends must contain each next slice.
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    std::vector<long long> open;
    for (const auto& [start, end] : v) {
      while (!open.empty() && open.back() <= start) open.pop_back();
      if (!open.empty() && end > open.back()) ++bad;
      open.push_back(end);
    }
  }
  CHECK(bad == 0);
  return slices.size();
}

TEST_CASE("trace.json parses and holds one event per track, per (op, rank) and per transfer") {
  const std::string dir = scratch_dir("outputs-trace");
  const std::string out = dir + "/report";
  const auto r = run_cli(run_args(small_workload(dir), "analytic", out));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json t = json::parse(read_file(out + "/trace.json"));
  CHECK(t["displayTimeUnit"] == "ns");
  const json& ev = t["traceEvents"];
  std::size_t processes = 0, ops = 0, transfers = 0;
  for (const json& e : ev) {
    if (e["ph"] == "M" && e["name"] == "process_name" && e["pid"] == 0) ++processes;
    if (e["ph"] == "X" && e["cat"] == "transfer") ++transfers;
    else if (e["ph"] == "X") ++ops;
    if (e["ph"] == "X") {
      CHECK(e["pid"] == 0);
      // Track ids: rank r's op lane k is r + 16·2k, its transfer lane k is r + 16·(2k + 1).
      if (e["cat"] != "transfer") CHECK(e["tid"].get<int>() / 16 % 2 == 0);
      else CHECK(e["tid"].get<int>() / 16 % 2 == 1);
    }
  }
  CHECK(processes == 1);  // the job (pid 1, if present, holds the fabric's counter tracks)
  CHECK(ops == 3 * 16);        // compute, all-reduce and all-to-all on each of the 16 ranks
  CHECK(transfers == 720);
  CHECK(check_trace_structure(t) >= 16);
}

TEST_CASE("trace.json of the MoE example: slices on a track nest or do not overlap") {
  // Before lanes, transfers of concurrent all-to-all peers shared their sender's rank track: 416
  // overlapping slices in this run, which Perfetto draws on top of each other.
  const std::string dir = scratch_dir("outputs-trace-moe");
  const auto r = run_cli("run --quiet --workload '" + std::string(ROCESIM_SOURCE_DIR) +
                         "/workloads/moe_alltoall_ep.json' --out '" + dir + "/report'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json t = json::parse(read_file(dir + "/report/trace.json"));
  CHECK(check_trace_structure(t) > 128);  // more tracks than ranks: the concurrent transfers got lanes
  // Counter tracks: one "C" event per timeseries.csv row (sample × sampled port) and one per
  // tier_series.csv row (sample × tier), in the "fabric" process after the job's (pid 1),
  // utilization within [0, 1 + rounding].
  std::size_t port_counters = 0, tier_counters = 0;
  bool fabric_named = false;
  for (const json& e : t["traceEvents"]) {
    if (e["ph"] == "M" && e["pid"] == 1 && e["name"] == "process_name") fabric_named = true;
    if (e["ph"] != "C") continue;
    CHECK(e["pid"] == 1);
    const std::string name = e["name"].get<std::string>();
    if (name.rfind("tier ", 0) == 0) {
      ++tier_counters;
      CHECK(e["args"]["mean_utilization"].get<double>() >= 0.0);
      CHECK(e["args"]["mean_utilization"].get<double>() <= e["args"]["max_utilization"].get<double>() + 1e-9);
      CHECK(e["args"]["max_utilization"].get<double>() <= 1.000001);
      continue;
    }
    ++port_counters;
    CHECK(name.rfind("port ", 0) == 0);
    CHECK(e["args"]["utilization"].get<double>() >= 0.0);
    CHECK(e["args"]["utilization"].get<double>() <= 1.000001);
  }
  CHECK(fabric_named);
  const auto rows = read_csv(dir + "/report/timeseries.csv");
  REQUIRE(rows.size() > 1);
  CHECK(port_counters == rows.size() - 1);
  const auto tier_rows = read_csv(dir + "/report/tier_series.csv");
  REQUIRE(tier_rows.size() > 1);
  CHECK(tier_counters == tier_rows.size() - 1);
}

TEST_CASE("the same run twice writes byte-identical files, summary.json included; timing.json has the wall clock") {
  // Every figure that depends on the machine (wall time, CPU, RSS) lives in timing.json, so a plain
  // byte comparison of two summaries must pass (before session 7 the test had to erase them).
  const std::string dir = scratch_dir("outputs-determinism");
  const std::string wl = small_workload(dir);
  for (const char* backend : {"fluid", "packet"}) {
    CAPTURE(backend);
    const std::string a = dir + "/a-" + backend, b = dir + "/b-" + backend;
    REQUIRE(run_cli(run_args(wl, backend, a)).exit_code == 0);
    REQUIRE(run_cli(run_args(wl, backend, b)).exit_code == 0);
    for (const char* f : {"collectives.csv", "flows.csv", "links.csv", "timeseries.csv", "tier_series.csv", "trace.json",
                          "summary.json"}) {
      CHECK_MESSAGE(read_file(a + "/" + f) == read_file(b + "/" + f), f);
    }
    CHECK(read_file(a + "/summary.json").find("wall") == std::string::npos);
    const json t = json::parse(read_file(a + "/timing.json"));
    CHECK(t["run"]["wall_time_s"].get<double>() > 0);
    CHECK(t["run"]["events_per_wall_s"].get<double>() > 0);
    CHECK(t["wall_clock"]["total_wall_s"].get<double>() >= t["wall_clock"]["simulation"]["wall_s"].get<double>());
    CHECK(t["wall_clock"]["simulation"]["peak_rss_MiB"].get<double>() > 0);
  }
}

TEST_CASE("packet runs fill the PFC/ECN/queue columns and the time series' queue depth column exists") {
  const std::string dir = scratch_dir("outputs-packet");
  const std::string out = dir + "/report";
  const auto r = run_cli("run --topology topologies/fat_tree_k8.json --workload workloads/traces/incast_4to1.csv "
                         "--backend packet --quiet --out '" + out + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto links = read_csv(out + "/links.csv");
  REQUIRE(links.size() > 1);
  // Columns by header name, so a new column elsewhere does not shift these checks.
  const auto col = [&](const char* name) {
    const auto it = std::find(links[0].begin(), links[0].end(), name);
    REQUIRE(it != links[0].end());
    return static_cast<std::size_t>(it - links[0].begin());
  };
  const std::size_t frames = col("pause_frames"), longest = col("longest_pause[us]"), queue = col("max_queue[B]");
  std::int64_t max_queue = 0;
  double max_pause = 0;
  for (std::size_t i = 1; i < links.size(); ++i) {
    REQUIRE(links[i].size() == links[0].size());
    CHECK_FALSE(links[i][frames].empty());  // pause_frames measured
    CHECK_FALSE(links[i][queue].empty());   // max_queue measured
    max_queue = std::max<std::int64_t>(max_queue, std::stoll(links[i][queue]));
    max_pause = std::max(max_pause, std::stod(links[i][longest]));
  }
  // The summary's longest pause is the largest port's (0 here: the dynamic threshold absorbs
  // this 3 MB incast; tests/net/transport_test.cpp checks a pausing incast).
  const json s = json::parse(read_file(out + "/summary.json"));
  CHECK(s["pfc"]["longest_pause_us"].get<double>() == doctest::Approx(max_pause).epsilon(1e-5));
  CHECK(max_queue > 0);  // 3 senders at line rate into one receiver port queue up
  const auto flows = read_csv(out + "/flows.csv");
  CHECK(flows.size() == 1 + 5);  // the five rows of incast_4to1.csv
}

TEST_CASE("CSV files follow RFC 4180: names with commas and quotes read back exactly, flows name ops as collectives do") {
  const std::string dir = scratch_dir("outputs-rfc4180");
  const std::string out = dir + "/report";
  // A job and ops whose names hold a comma, a double quote and a name longer than any column.
  const std::string job = "llama \"405b\", pretraining run 7";
  write_file(dir + "/names.json", R"({"name": "names", "jobs": [{"name": "llama \"405b\", pretraining run 7", "world_size": 4,
    "ops": [{"id": "fwd, layer \"0\"", "type": "compute", "duration": "5us"},
            {"id": "grad,sync", "type": "all_reduce", "bytes": "64KiB", "algorithm": "ring", "deps": ["fwd, layer \"0\""]}]}]})");
  const auto r = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + dir + "/names.json' --backend fluid --out '" +
                         out + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // The raw file quotes the cells and doubles inner quotes (nothing rewritten to ';').
  const std::string raw = read_file(out + "/collectives.csv");
  CHECK(raw.find("\"llama \"\"405b\"\", pretraining run 7\",0,\"grad,sync\",all_reduce,") != std::string::npos);
  CHECK(raw.find(';') == std::string::npos);

  const auto coll = read_csv(out + "/collectives.csv");
  REQUIRE(coll.size() == 3);
  for (std::size_t i = 1; i < coll.size(); ++i) {
    REQUIRE(coll[i].size() == 16);
    CHECK(coll[i][0] == job);
  }
  CHECK(coll[1][2] == "fwd, layer \"0\"");
  CHECK(coll[1][3] == "compute");
  CHECK(coll[1][11].empty());  // a compute op has no algbw ...
  CHECK(coll[1][12].empty());  // ... and no busbw
  CHECK(coll[2][2] == "grad,sync");
  CHECK_FALSE(coll[2][12].empty());

  // Ring all-reduce over 4 ranks: 2(n−1) = 6 steps of n = 4 transfers = 24 rows, each naming the
  // op by the (job, iteration, op_id) of its collectives.csv row.
  const auto flows = read_csv(out + "/flows.csv");
  REQUIRE(flows.size() == 1 + 24);
  for (std::size_t i = 1; i < flows.size(); ++i) {
    REQUIRE(flows[i].size() == 14);
    CHECK(flows[i][3] == coll[2][0]);
    CHECK(flows[i][4] == coll[2][1]);
    CHECK(flows[i][5] == coll[2][2]);
  }
  // The printed table keeps the whole job name and prints no bandwidth for the compute op.
  const auto table = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + dir +
                             "/names.json' --backend fluid --out '" + dir + "/again'");
  REQUIRE(table.exit_code == 0);
  CAPTURE(table.out);
  const auto row = table.out.find(job + " 0    fwd, layer \"0\"");
  REQUIRE(row != std::string::npos);
  const std::string compute_row = table.out.substr(row, table.out.find('\n', row) - row);
  CHECK(compute_row.find(" -          - ") != std::string::npos);  // algbw and busbw columns
}

TEST_CASE("--out that cannot be created: exit 2 before running, no file left behind") {
  const std::string dir = scratch_dir("outputs-unwritable");
  write_file(dir + "/blocker", "a file where the report directory should go\n");
  const auto r = run_cli("run --quiet --out '" + dir + "/blocker/report'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--out") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/blocker/report"));
  CHECK(read_file(dir + "/blocker") == "a file where the report directory should go\n");
}

TEST_CASE("no progress line when stderr is not a terminal; bad option values exit 2") {
  const std::string dir = scratch_dir("outputs-progress");
  const auto r = run_cli(run_args(small_workload(dir), "analytic", dir + "/report"));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find("events/s") == std::string::npos);
  CHECK(run_cli("run --quiet --flows maybe --out '" + dir + "/x'").exit_code == 2);
  CHECK(run_cli("run --quiet --attribution sometimes --out '" + dir + "/x'").exit_code == 2);
  CHECK(run_cli("run --quiet --sample-interval 5parsecs --out '" + dir + "/x'").exit_code == 2);
  CHECK(run_cli("run --quiet --sample-interval 0us --out '" + dir + "/x'").exit_code == 2);
}

TEST_CASE("--flows off: flows.csv has only its header and the summary says why") {
  const std::string dir = scratch_dir("outputs-flows-off");
  const std::string out = dir + "/report";
  const auto r = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + small_workload(dir) +
                         "' --flows off --out '" + out + "'");
  REQUIRE(r.exit_code == 0);
  CHECK(read_csv(out + "/flows.csv").size() == 1);
  CHECK(r.out.find("note: transfer recording off") != std::string::npos);
}

TEST_CASE("a job whose endpoints a failure cuts off is an error naming the job (exit 2)") {
  // acc0's only NIC link is down: rank 0 of the 16-rank job cannot reach the others.
  const std::string dir = scratch_dir("outputs-unreachable");
  const auto r = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + small_workload(dir) +
                         "' --set 'topology.failures=[{\"link\":[\"acc0\",\"t1.0\"]}]' --quiet --out '" + dir + "/report'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("job \"j\"") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/report/summary.json"));
}

TEST_CASE("--plots never fails the run: it plots, or says why it cannot") {
  const std::string dir = scratch_dir("outputs-plots");
  const auto r = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + small_workload(dir) +
                         "' --plots --out '" + dir + "/report'");
  CHECK(r.exit_code == 0);
  const bool plotted = r.out.find("plots: ") != std::string::npos;
  const bool explained = r.err.find("note: --plots:") != std::string::npos;
  CHECK(plotted != explained);
  CHECK(std::filesystem::exists(dir + "/report/summary.json"));
}
