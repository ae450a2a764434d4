// `rocesim compare BASELINE CURRENT [--tolerance REL] [--abs-tolerance ABS]
//                  [--metric-tolerance POINTER=REL ...] [--ignore POINTER ...] [--max-rows N]`
// BASELINE and CURRENT are summary.json files or run directories holding one. Prints what moved
// (app/compare_summaries.hpp says how values are matched and judged) and exits 1 when something
// regressed beyond tolerance, 0 otherwise, 2 on bad input: an unreadable file, a document that is
// not a run summary, or two summaries of different topology/workload/backend configs.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "app/compare_summaries.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"

namespace rocesim::app {
namespace {

constexpr int kExitRegression = 1;

struct CompareCli {
  std::string baseline, current;
  CompareOptions opt;
  std::vector<std::string> metric_tolerance;
  std::size_t max_rows = 50;
};

std::string summary_path(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::is_directory(arg, ec)) return (std::filesystem::path(arg) / "summary.json").string();
  return arg;
}

nlohmann::json load_summary(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw ConfigError(file, "", "cannot read: no such summary file");
  nlohmann::json doc = load_json_file(file);
  check_summary(doc, file);
  return doc;
}

std::pair<std::string, double> parse_metric_tolerance(const std::string& s) {
  const auto eq = s.rfind('=');
  if (eq == std::string::npos || eq == 0 || s.front() != '/') {
    throw ConfigError("--metric-tolerance", s, "expected POINTER=REL, e.g. /ops/*/duration_us=0.01");
  }
  const std::string num = s.substr(eq + 1);
  char* end = nullptr;
  const double rel = std::strtod(num.c_str(), &end);
  if (num.empty() || *end != '\0' || !(rel >= 0) || !std::isfinite(rel)) {
    throw ConfigError("--metric-tolerance", s, "expected a non-negative relative tolerance after '='");
  }
  return {s.substr(0, eq), rel};
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  return s + std::string(width - s.size() + 2, ' ');
}

std::string pct(double p) {
  if (std::isnan(p)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.4g%%", p);
  return buf;
}

void run_compare(CompareCli& cli, CommandContext& ctx) {
  for (const auto& m : cli.metric_tolerance) cli.opt.metric_tolerance.push_back(parse_metric_tolerance(m));
  for (const auto& p : cli.opt.ignore) {
    if (p.empty() || p.front() != '/') throw ConfigError("--ignore", p, "expected a JSON pointer such as /run/events");
  }
  const std::string bfile = summary_path(cli.baseline), cfile = summary_path(cli.current);
  const nlohmann::json baseline = load_summary(bfile), current = load_summary(cfile);
  check_same_config(baseline, current, bfile, cfile);
  const CompareResult r = compare_summaries(baseline, current, cli.opt);

  std::cout << "baseline: " << bfile << "\ncurrent:  " << cfile << '\n';
  if (!r.moved.empty()) {
    std::size_t w = 6;
    for (const auto& d : r.moved) w = std::max(w, std::min<std::size_t>(d.path.size(), 64));
    std::cout << pad("metric", w) << pad("baseline", 18) << pad("current", 18) << pad("change", 10) << "verdict\n";
    std::size_t shown = 0;
    // Failures first, so a capped table never hides one behind harmless moves.
    for (const bool failures : {true, false}) {
      for (const auto& d : r.moved) {
        if (is_failure(d.verdict) != failures) continue;
        if (cli.max_rows != 0 && shown == cli.max_rows) break;
        ++shown;
        std::cout << pad(d.path, w) << pad(d.baseline, 18) << pad(d.current, 18) << pad(pct(d.change_pct), 10)
                  << to_string(d.verdict) << '\n';
      }
    }
    if (shown < r.moved.size()) std::cout << "... " << r.moved.size() - shown << " more rows (--max-rows 0 shows all)\n";
  }
  std::cout << r.compared << " values compared, " << r.moved.size() << " moved, " << r.regressions
            << " regressions beyond tolerance (relative " << cli.opt.rel_tolerance << ", absolute "
            << cli.opt.abs_tolerance << ")\n";
  ctx.exit_code = r.regressions > 0 ? kExitRegression : 0;
}

}  // namespace

void register_compare(CLI::App& app, CommandContext& ctx) {
  auto cli = std::make_shared<CompareCli>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare two run summaries metric by metric; exit 1 on a regression beyond tolerance, 2 on bad input");
  cmd->add_option("baseline", cli->baseline, "Baseline summary.json or run directory")->required();
  cmd->add_option("current", cli->current, "Current summary.json or run directory")->required();
  cmd->add_option("--tolerance", cli->opt.rel_tolerance, "Relative tolerance for numbers")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--abs-tolerance", cli->opt.abs_tolerance, "Absolute tolerance for numbers (a change this small always passes)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--metric-tolerance", cli->metric_tolerance,
                  "POINTER=REL: relative tolerance for the values under POINTER (\"*\" = any key/element); last match wins");
  cmd->add_option("--ignore", cli->opt.ignore, "JSON pointer (\"*\" = any key/element) not to compare");
  cmd->add_option("--max-rows", cli->max_rows, "Rows of the table to print (0 = all)")->capture_default_str();
  cmd->callback([cli, &ctx] { run_compare(*cli, ctx); });
}

}  // namespace rocesim::app
