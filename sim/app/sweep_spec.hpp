// The `rocesim sweep` spec: a base run plus axes, expanded into points.
//
// Spec JSON (unknown keys are errors; paths are relative to the spec file):
//   { "base":    {"topology": path, "workload": path, "backend": name, "seed": n, "set": {key: value},
//                 "attribution": "auto" | "on" | "off"},
//     "axes":    [{"key": K, "values": [v, ...]}, ...]
//                (or a bundle: {"key": label, "values": [name, ...], "sets": [{k: v, ...}, ...]}),
//     "mode":    "grid" (default) | "zip",
//     "metrics": [JSON pointer into summary.json, ...] }
// An axis key is any `rocesim run --set` key (topology.*, workload.*, routing.*, or a backend
// parameter), or one of the special axes "backend", "seed", "topology" and "workload" (the last two
// take file paths). Grid points enumerate like nested loops over the axes in the order listed, the
// last axis varying fastest; zip points take the i-th value of every axis (all axes equally long).
// A bundle axis moves several --set keys together: its i-th point applies every key of sets[i]
// (any JSON value: `{"nic.transport": "uet", "cc.algorithm": "nscc"}`, `{"topology.failures":
// [...]}`, or `{}` for the base), and `key` (not itself a config key) names the sweep.csv column,
// whose cells are the string `values` (one name per set). A key set by several axes takes the
// value of the last of them.
// base.attribution is passed to every point as `rocesim run --attribution` (absent: run's default,
// auto, which skips the what-if re-runs above 200,000 transfers; a study that wants the bottleneck
// sentence's speed-ups at scale says "on").
// A metric pointer may contain "*" segments that expand over an array (column named by the
// element's id, see sweep_table.hpp).
// At most kMaxSweepPoints points (grid product or zip length): every point is checked as
// `rocesim run --check` before anything runs (with a progress line on stderr), then run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::app {

inline constexpr std::size_t kMaxSweepPoints = 100'000;

struct SweepAxis {
  std::string key;
  std::vector<nlohmann::json> values;
  std::vector<nlohmann::json> sets;  // bundle axis: objects of --set keys parallel to values; else empty
};

struct SweepSpec {
  std::string file;      // the spec, as given on the command line
  std::string base_dir;  // directory that relative paths in the spec are resolved against
  std::string topology;  // as written in the spec ("" = built-in default)
  std::string workload;
  std::string backend;  // "" = rocesim run's default
  std::int64_t seed = -1;  // < 0: rocesim run's default
  std::string attribution;  // "" = rocesim run's default (not passed)
  std::vector<std::pair<std::string, nlohmann::json>> set;  // sorted by key
  std::vector<SweepAxis> axes;
  bool zip = false;
  std::vector<std::string> metrics;
};

// One run of the sweep: its `rocesim run` arguments and what identifies it for resuming.
struct SweepPoint {
  std::size_t index = 0;
  std::vector<nlohmann::json> axis_values;  // parallel to SweepSpec::axes
  std::string dir_name;                     // "<index>-<slug>", unique and filesystem-safe
  std::vector<std::string> run_args;        // after "run": --quiet, --topology, ..., without --out
  nlohmann::json inputs;  // args plus a content hash of every input file; equal inputs → same result
};

// Metrics written to sweep.csv when the spec names none.
const std::vector<std::string>& default_sweep_metrics();

// Reads and validates a spec file. Throws ConfigError (file, JSON path, what was expected).
SweepSpec load_sweep_spec(const std::string& file);
SweepSpec parse_sweep_spec(const nlohmann::json& doc, const std::string& file);

// All points in point order. Throws ConfigError for an input file that cannot be read.
std::vector<SweepPoint> expand_sweep(const SweepSpec& spec);

// An axis value as a CSV cell / slug fragment: strings raw, everything else as compact JSON.
std::string axis_value_text(const nlohmann::json& v);

}  // namespace rocesim::app
