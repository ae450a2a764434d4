// scripts/plot_report.py end to end: synthetic run directories written per the report schema (CSV
// headers with units, summary.json sections), the script run through python3, and its outputs checked:
// exit codes, charts on disk, a self-contained report.html, skipped charts as notes, determinism and
// clear errors (exit 2) on bad input. CI installs python3-matplotlib; without it these tests fail.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string kBottleneck =
    "The leaf-spine tier limits all_reduce #0: 1.9x faster if it were non-blocking.";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// This process's folder under the system temp dir, removed when the test binary exits (failures
// print the script's stderr, so the files are not needed afterwards).
const fs::path& scratch_root() {
  static const struct Root {
    fs::path path = fs::temp_directory_path() / ("rocesim-plot-test-" + std::to_string(::getpid()));
    ~Root() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } root;
  return root.path;
}

// A fresh folder for one test case.
fs::path scratch(const std::string& name) {
  const fs::path dir = scratch_root() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// `path` single-quoted for /bin/sh. Built by appending: GCC 12 warns (-Wrestrict, a false positive)
// on "'" + std::string + "'" chains.
std::string q(const fs::path& path) {
  std::string s(1, '\'');
  s.append(path.string());
  s.push_back('\'');
  return s;
}

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// Runs `python3 scripts/plot_report.py <args>`, output captured in `work`.
Result plot(const fs::path& work, const std::string& args) {
  const std::string cmd = "python3 " + q(fs::path(ROCESIM_SOURCE_DIR) / "scripts" / "plot_report.py") + " " + args +
                          " >" + q(work / "stdout.txt") + " 2>" + q(work / "stderr.txt");
  const int status = std::system(cmd.c_str());
  Result r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(work / "stdout.txt"), slurp(work / "stderr.txt")};
  // Not a silent pass on a machine without the dependencies: say what to install.
  REQUIRE_MESSAGE(r.exit_code != 127, "python3 not found: install python3 and python3-matplotlib (bash scripts/setup.sh)");
  REQUIRE_MESSAGE(r.exit_code != 3, "matplotlib missing: install python3-matplotlib (bash scripts/setup.sh): " << r.err);
  return r;
}

std::string summary_json(bool with_analysis) {
  std::string s = R"({"version":"0.1.0","seed":7,"backend":"packet",
  "effective_config":{"topology":{"name":"leaf_spine_16","generator":"leaf_spine"},"workload":{"name":"ar"},
                      "routing":{"hash":"crc32c"},"backend":{}},
  "run":{"completed":true,"dag_nodes":40,"transfers":6,"sim_end_us":120.5,"events":9000,"wall_time_s":0.01,
         "events_per_wall_s":900000},
  "jobs":[{"name":"train","world_size":4,"endpoints":4,"start_us":0,"end_us":120,"duration_us":120}],
  "ops":[{"job":"train","iteration":0,"id":0,"type":"all_reduce","algorithm":"ring","group":0,"groups":1,
          "group_size":4,"bytes":1048576,"transfers":6,"completed":true,"start_us":0,"end_us":100,"duration_us":100,
          "algbw_GBps":10.5,"busbw_GBps":15.7)";
  if (with_analysis) {
    s += R"(,"ideal_us":52.6,"efficiency":0.526,
          "attribution":{"bottleneck_tier":"leaf-spine","speedup_if_nonblocking":{"leaf-spine":1.9},"critical_links":[4]})";
  }
  s += "}]";
  if (with_analysis) {
    s += R"(,"tiers":[{"tier":"nic","direction":"up","ports":4,"bytes":4194304,"util_mean":0.4,"util_p50":0.4,
      "util_p99":0.5,"util_max":0.5,"paused_us":0,"pause_frames":0,"ecn_marks":0,"drops":0},
     {"tier":"leaf-spine","direction":"up","ports":2,"bytes":4194304,"util_mean":0.9,"util_p50":0.9,"util_p99":1,
      "util_max":1,"paused_us":3.5,"pause_frames":12,"ecn_marks":40,"drops":0}],
  "hot_links":[{"port":4,"from":"leaf0","to":"spine0","tier":"leaf-spine","direction":"up","utilization":0.97,
                "bytes":2097152,"paused_us":3.5,"ecn_marks":40,"drops":0,"max_queue_bytes":65536}],
  "fct":{"count":6,"mean_us":40,"p50_us":35,"p90_us":70,"p99_us":80,"max_us":80},
  "pfc":{"measured":true,"pause_frames":12,"paused_us":3.5,"per_tier":{"leaf-spine":{"pause_frames":12,"paused_us":3.5}}},
  "drops":{"measured":true,"total":0},
  "conservation":{"bytes_started":6291456,"bytes_delivered":6291456,"ok":true},
  "bottleneck":{"tier":"leaf-spine","summary":")" + kBottleneck + R"("})";
  }
  return s + "}\n";
}

const std::string kLinks =
    "port,from,to,tier,direction,rate[Gb/s],bytes[B],utilization,paused[us],pause_frames,ecn_marks,drops,max_queue[B]\n"
    "0,gpu0,leaf0,nic,up,400,1048576,0.5,0,0,0,0,0\n"
    "1,gpu1,leaf0,nic,up,400,1048576,0.3,0,0,0,0,0\n"
    "2,leaf0,gpu0,nic,down,400,1048576,0.4,0,0,0,0,0\n"
    "4,leaf0,spine0,leaf-spine,up,400,2097152,0.97,3.5,12,40,0,65536\n"
    "5,leaf0,spine1,leaf-spine,up,400,2097152,0.8,0,0,0,0,4096\n"
    "6,spine0,leaf1,leaf-spine,down,400,2097152,0.6,0,0,0,0,1024\n";

const std::string kCollectives =
    "job,iteration,op_id,type,algorithm,group_size,groups,bytes[B],start[us],end[us],duration[us],algbw[GB/s],"
    "busbw[GB/s],ideal[us],efficiency,bottleneck_tier\n"
    "train,0,0,all_reduce,ring,4,1,1048576,0,100,100,10.5,15.7,52.6,0.526,leaf-spine\n"
    "train,0,1,all_to_all,pairwise,4,1,262144,100,120,20,13.1,9.8,,,\n";  // empty cells are allowed

std::string flows_csv(int rows) {
  std::string s = "transfer,src,dst,job,iteration,op_id,flow_label,bytes[B],start[us],end[us],fct[us],throughput[Gb/s]\n";
  for (int i = 0; i < rows; ++i) {
    const double fct = 10.0 + (i * 37) % 90;
    s += std::to_string(i) + "," + std::to_string(i % 4) + "," + std::to_string((i + 1) % 4) + ",train,0," +
         std::to_string(i % 2) + "," + std::to_string(i) + ",262144,0," + std::to_string(fct) + "," +
         std::to_string(fct) + ",100\n";
  }
  return s;
}

std::string timeseries_csv(bool queues) {
  std::string s = "time[us],port,from,to,tier,utilization,queue[B]\n";
  for (int t = 1; t <= 20; ++t) {
    s += std::to_string(t * 5) + ",4,leaf0,spine0,leaf-spine,0.9," + (queues ? std::to_string(t * 1000) : "") + "\n";
    s += std::to_string(t * 5) + ",5,leaf0,spine1,leaf-spine,0.7," + (queues ? std::to_string(t * 100) : "") + "\n";
  }
  return s;
}

// A run directory with every file of the schema.
void write_full_run(const fs::path& dir, int flow_rows = 6) {
  write(dir / "summary.json", summary_json(true));
  write(dir / "links.csv", kLinks);
  write(dir / "collectives.csv", kCollectives);
  write(dir / "flows.csv", flows_csv(flow_rows));
  write(dir / "timeseries.csv", timeseries_csv(true));
  write(dir / "trace.json", "{\"traceEvents\":[]}\n");
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// Every src= / href= value: the page must load nothing from elsewhere.
std::vector<std::string> attribute_values(const std::string& html) {
  std::vector<std::string> values;
  for (const std::string attr : {"src=\"", "href=\""}) {
    for (auto p = html.find(attr); p != std::string::npos; p = html.find(attr, p + 1)) {
      const auto start = p + attr.size();
      values.push_back(html.substr(start, html.find('"', start) - start));
    }
  }
  return values;
}

void check_self_contained(const std::string& html) {
  for (const std::string& v : attribute_values(html)) {
    INFO("attribute value: " << v.substr(0, 80));
    CHECK(v.rfind("http:", 0) != 0);
    CHECK(v.rfind("https:", 0) != 0);
    CHECK(v.rfind("//", 0) != 0);
  }
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
}

const char* const kCharts[] = {"utilization_heatmap", "fct_cdf", "busbw_vs_ideal", "hot_links_over_time"};

}  // namespace

TEST_CASE("plot_report: a full run directory gives four PNG charts and a self-contained report.html") {
  const fs::path work = scratch("full"), run = work / "run";
  write_full_run(run);
  const Result r = plot(work, q(run));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* chart : kCharts) {
    const fs::path png = run / "plots" / (std::string(chart) + ".png");
    INFO(png.string());
    REQUIRE(fs::exists(png));
    CHECK(slurp(png).substr(1, 3) == "PNG");  // the PNG signature, not an empty or SVG file
  }
  const std::string html = slurp(run / "report.html");
  check_self_contained(html);
  CHECK(count(html, "src=\"data:image/png;base64,") == 4);  // every chart inlined
  CHECK(html.find(kBottleneck) != std::string::npos);
  CHECK(html.find("Skipped") == std::string::npos);
  // The trace is linked as a local file; the viewers are named in text, not fetched.
  CHECK(html.find("href=\"trace.json\"") != std::string::npos);
  CHECK(html.find("ui.perfetto.dev or chrome://tracing") != std::string::npos);
  // Summary tables: per-tier stats, the hot link, FCT percentiles, PFC, conservation, attribution.
  CHECK(html.find("<td class=\"l\">leaf-spine</td>") != std::string::npos);
  CHECK(html.find("<td class=\"l\">spine0</td>") != std::string::npos);  // hot link's far end
  CHECK(html.find("Bytes started 6,291,456, delivered 6,291,456: <span class=\"ok\">OK</span>") != std::string::npos);
  CHECK(html.find("leaf-spine ×1.9") != std::string::npos);
  // The queue chart drew queue depth (queue cells present) and the busbw chart the ideal markers.
  CHECK(html.find("Egress queue depth over time of the 2 sampled ports") != std::string::npos);
  CHECK(html.find("diamonds are the busbw it would reach") != std::string::npos);
  CHECK(html.find("No ideal time") == std::string::npos);
  CHECK(r.out.find("4 chart(s)") != std::string::npos);
}

TEST_CASE("plot_report: --format svg --out DIR writes SVG charts there, byte-identical on a second run") {
  const fs::path work = scratch("svg"), run = work / "run", out = work / "html";
  write_full_run(run);
  const std::string args = q(run) + " --format svg --out " + q(out);
  REQUIRE(plot(work, args).exit_code == 0);
  CHECK_FALSE(fs::exists(run / "report.html"));  // --out moves everything
  std::vector<std::string> first;
  for (const char* chart : kCharts) {
    const fs::path svg = out / "plots" / (std::string(chart) + ".svg");
    REQUIRE(fs::exists(svg));
    first.push_back(slurp(svg));
    CHECK(first.back().find("<svg") != std::string::npos);
    CHECK(first.back().find("<dc:date>") == std::string::npos);  // no timestamp: reproducible
  }
  const std::string html = slurp(out / "report.html");
  check_self_contained(html);
  CHECK(count(html, "src=\"data:image/svg+xml;base64,") == 4);
  CHECK(html.find("href=\"../run/trace.json\"") != std::string::npos);  // relative to the page
  // Same run directory => identical files (fixed SVG hash salt, no dates).
  REQUIRE(plot(work, args).exit_code == 0);
  for (std::size_t i = 0; i < std::size(kCharts); ++i) {
    INFO(kCharts[i]);
    CHECK(slurp(out / "plots" / (std::string(kCharts[i]) + ".svg")) == first[i]);
  }
  CHECK(slurp(out / "report.html") == html);
  CHECK(fs::directory_iterator(out / "plots") != fs::directory_iterator());
  for (const auto& e : fs::directory_iterator(out / "plots")) CHECK(e.path().filename().string()[0] != '.');  // no temp files left
}

TEST_CASE("plot_report: missing optional files and keys skip their charts and tables with a note, exit 0") {
  const fs::path work = scratch("partial"), run = work / "run";
  write(run / "summary.json", summary_json(false));  // today's summary: no analysis sections
  write(run / "links.csv", kLinks);
  write(run / "timeseries.csv", timeseries_csv(false));  // a backend without queues
  write(run / "plots" / "fct_cdf.png", "from an earlier run");  // stale: must not survive
  const Result r = plot(work, q(run));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = slurp(run / "report.html");
  check_self_contained(html);
  CHECK(fs::exists(run / "plots" / "utilization_heatmap.png"));
  CHECK(fs::exists(run / "plots" / "hot_links_over_time.png"));
  CHECK_FALSE(fs::exists(run / "plots" / "fct_cdf.png"));  // skipped, and the stale one removed
  CHECK(html.find("Skipped: flows.csv is missing") != std::string::npos);
  // busbw falls back to summary.json's ops (no ideal there yet, so no markers).
  CHECK(fs::exists(run / "plots" / "busbw_vs_ideal.png"));
  CHECK(html.find("from summary.json (collectives.csv is missing)") != std::string::npos);
  CHECK(html.find("No ideal time in this run") != std::string::npos);
  // Without queue cells the over-time chart shows utilization and says so.
  CHECK(html.find("timeseries.csv has no queue depth") != std::string::npos);
  // Missing summary sections are notes, and there is no trace to link.
  CHECK(html.find("Not in summary.json (bottleneck)") != std::string::npos);
  CHECK(html.find("Not in summary.json (tiers)") != std::string::npos);
  CHECK(html.find("trace.json is missing") != std::string::npos);
  CHECK(html.find("href=\"trace.json\"") == std::string::npos);
}

TEST_CASE("plot_report: a large flows.csv is drawn with a deterministic stride, said in the caption") {
  const fs::path work = scratch("stride"), run = work / "run";
  write_full_run(run, 10000);
  REQUIRE(plot(work, q(run)).exit_code == 0);
  // 10,000 flows, at most 4,000 points per curve: one sorted value in every ceil(10000/4000) = 3.
  const std::string html = slurp(run / "report.html");
  CHECK(html.find("FCT of 10000 flows") != std::string::npos);
  CHECK(html.find("one sorted value in every 3 (a deterministic stride") != std::string::npos);
}

TEST_CASE("plot_report: reads what `rocesim run` writes (the schema contract between the C++ writers and the script)") {
  // The fluid backend writes every file, including time series; each CSV present must give its chart.
  const fs::path work = scratch("real"), run = work / "run";
  const fs::path exe = fs::path(ROCESIM_BINARY_DIR) / "rocesim";
  REQUIRE_MESSAGE(fs::exists(exe), "build the rocesim executable first (" << exe.string() << ")");
  const std::string cmd = q(exe) + " run --backend fluid --quiet --out " + q(run) + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const Result r = plot(work, q(run));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = slurp(run / "report.html");
  check_self_contained(html);
  const std::pair<const char*, const char*> chart_of[] = {{"links.csv", "utilization_heatmap"},
                                                           {"flows.csv", "fct_cdf"},
                                                           {"collectives.csv", "busbw_vs_ideal"}};
  for (const auto& [csv, chart] : chart_of) {
    INFO(csv);
    CHECK(fs::exists(run / "plots" / (std::string(chart) + ".png")) == fs::exists(run / csv));
  }
  CHECK(fs::exists(run / "plots" / "busbw_vs_ideal.png"));  // from collectives.csv or summary.json's ops
  const auto summary = nlohmann::json::parse(slurp(run / "summary.json"));
  if (summary.contains("bottleneck") && summary["bottleneck"].is_object() && summary["bottleneck"]["summary"].is_string()) {
    // The sentence is HTML-escaped in the page; compare up to its first character that escaping changes.
    const std::string sentence = summary["bottleneck"]["summary"];
    CHECK(html.find(sentence.substr(0, sentence.find_first_of("&<>\"'"))) != std::string::npos);
  }
}

TEST_CASE("plot_report: bad input exits 2 with a message naming the file, never a traceback") {
  const fs::path work = scratch("bad");
  SUBCASE("a folder without summary.json is not a run directory") {
    fs::create_directories(work / "empty");
    const Result r = plot(work, q(work / "empty"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not a rocesim run directory") != std::string::npos);
    CHECK(r.err.find("summary.json") != std::string::npos);
    CHECK(r.err.find("Traceback") == std::string::npos);
    CHECK_FALSE(fs::exists(work / "empty" / "report.html"));
  }
  SUBCASE("a path that does not exist") {
    const Result r = plot(work, q(work / "nowhere"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find((work / "nowhere").string()) != std::string::npos);
  }
  SUBCASE("summary.json that is not JSON") {
    write(work / "run" / "summary.json", "{\"version\": \n");
    const Result r = plot(work, q(work / "run"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("summary.json") != std::string::npos);
    CHECK(r.err.find("expected JSON") != std::string::npos);
    CHECK(r.err.find("Traceback") == std::string::npos);
  }
  SUBCASE("a summary.json section of the wrong kind names the file and its JSON path") {
    write(work / "run" / "summary.json", "{\"version\":\"x\",\"ops\":{\"id\":1}}\n");
    const Result r = plot(work, q(work / "run"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("summary.json: /ops: expected an array") != std::string::npos);
    CHECK(r.err.find("Traceback") == std::string::npos);
  }
  SUBCASE("a flows.csv cell that is not a number names the file, line and column") {
    write_full_run(work / "run");
    write(work / "run" / "flows.csv", flows_csv(1) + "1,0,1,train,0,0,1,262144,0,5,five,100\n");
    const Result r = plot(work, q(work / "run"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("flows.csv: line 3: column fct[us]: expected a number, got 'five'") != std::string::npos);
    CHECK(r.err.find("Traceback") == std::string::npos);
    CHECK_FALSE(fs::exists(work / "run" / "report.html"));  // no partial report
  }
  SUBCASE("links.csv without the utilization column") {
    write_full_run(work / "run");
    write(work / "run" / "links.csv", "port,from,to,tier,direction\n0,a,b,nic,up\n");
    const Result r = plot(work, q(work / "run"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("links.csv: header: expected column(s) utilization") != std::string::npos);
  }
  SUBCASE("an unknown --format is a usage error") {
    write_full_run(work / "run");
    const Result r = plot(work, q(work / "run") + " --format gif");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--format") != std::string::npos);
  }
}
