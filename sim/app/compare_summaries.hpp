// Metric-by-metric comparison of two summary.json documents (what `rocesim compare` prints).
//
// Both trees are walked together (object keys in sorted order). Arrays are matched element by
// element: by label when both sides' elements carry an identity field (app/compare_keys.hpp: "id",
// "tier", "port", "link", "name", qualified by job/iteration), otherwise by index. Every leaf is
// compared:
//   numbers  |current − baseline| ≤ max(abs_tolerance, rel · |baseline|) passes, where rel is the
//            last matching --metric-tolerance or else rel_tolerance. Beyond that, a metric with a
//            known good direction (metric_direction below) is "improved" when it moved that way
//            (not a failure) and a regression when it moved the other way; any other number is a
//            regression in either direction (baselines come from deterministic runs, so any
//            drift is a change in behaviour to be looked at, then refreshed if intended);
//   strings, booleans, a change of type: any difference is a regression ("changed");
//   a value only in the baseline: regression ("removed", a metric disappeared);
//   a value only in the current run: listed ("added"), not a regression (reports grow new keys).
//   null counts as absent (a section not measured): null → value is "added", value → null "removed".
// Never compared: /version, and every key whose name contains "wall" (wall_time_s,
// events_per_wall_s: wall-clock measurements differ from run to run), plus --ignore patterns.
// Patterns are JSON pointers whose segments are keys, element labels or indices, "*" matching any
// one segment; a pattern also covers everything below the node it names.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::app {

struct CompareOptions {
  double rel_tolerance = 1e-6;  // deterministic runs match exactly; this absorbs decimal printing only
  double abs_tolerance = 1e-9;
  std::vector<std::pair<std::string, double>> metric_tolerance;  // pattern → relative tolerance
  std::vector<std::string> ignore;                               // patterns
};

enum class Verdict { within_tolerance, improved, regression, changed, added, removed };

// Which way a metric gets better, judged from its key (the last path segment) and its section:
//   lower:  duration_us (ops, jobs), run/sim_end_us, flow completion times (fct/*_us, fct_*);
//   higher: busbw_*, algbw_*, efficiency, goodput*, throughput*;
//   none:   everything else (counters, timestamps, configs: any move is a change to look at).
enum class Direction { none, lower_is_better, higher_is_better };
Direction metric_direction(const std::vector<std::string>& path);

struct Difference {
  std::string path;  // "/ops/ar/duration_us"
  std::string baseline, current;  // as JSON text ("" when absent)
  double change_pct = 0;          // NaN when not a number pair or the baseline is 0
  Verdict verdict = Verdict::within_tolerance;
  Direction direction = Direction::none;
};

struct CompareResult {
  std::vector<Difference> moved;  // every leaf that differs at all, in walk order
  std::size_t compared = 0;       // leaves present on both sides and not ignored
  std::size_t regressions = 0;    // moved entries that fail (regression, changed, removed)
};

const char* to_string(Verdict v);
// The verdict of an A/B comparison (`compare --what-if`): "better", "worse", "different", "added",
// "removed", "same (within tolerance)"; nothing there is a failure.
const char* what_if_text(const Difference& d);
bool is_failure(Verdict v);

// REQUIRES: both are summaries (see check_summary).
CompareResult compare_summaries(const nlohmann::json& baseline, const nlohmann::json& current, const CompareOptions& opt);

// Throws ConfigError(file, ...) unless `doc` looks like a rocesim run summary.
void check_summary(const nlohmann::json& doc, const std::string& file);

// Throws ConfigError naming the first differing key when the two summaries were produced from
// different effective topology, workload or backend configs (comparing them would be meaningless).
void check_same_config(const nlohmann::json& baseline, const nlohmann::json& current, const std::string& baseline_file,
                       const std::string& current_file);

// True when `pattern` (a JSON pointer, "*" = any one segment) names `path` or an ancestor of it.
bool pattern_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path);

}  // namespace rocesim::app
