// `rocesim compare BASELINE CURRENT [--tolerance REL] [--abs-tolerance ABS]
//                  [--metric-tolerance POINTER=REL ...] [--ignore POINTER ...] [--max-rows N] [--what-if]`
// BASELINE and CURRENT are summary.json files or run directories holding one. Prints what moved
// (app/compare_summaries.hpp says how values are matched and judged) and exits 1 when something
// regressed beyond tolerance, 0 otherwise (improvements included), 2 on bad input: an unreadable
// file, a document that is not a run summary, or two summaries of different topology/workload/
// backend configs. With --what-if the configs may differ (an A/B across any parameter): it prints
// the differing parameters, then every result that moved as better/worse/different, and exits 0.
#include <CLI/CLI.hpp>

#include <algorithm>
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
  bool what_if = false;
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

// Prints `rows` as a table; `first` rows (if any) are printed before the others so a capped
// table never hides them behind harmless moves.
template <class VerdictFn, class FirstFn>
void print_table(const std::vector<Difference>& rows, std::size_t max_rows, VerdictFn verdict, FirstFn first) {
  if (rows.empty()) return;
  std::size_t w = 6;
  for (const auto& d : rows) w = std::max(w, std::min<std::size_t>(d.path.size(), 64));
  std::cout << pad("metric", w) << pad("baseline", 18) << pad("current", 18) << pad("change", 10) << "verdict\n";
  std::size_t shown = 0;
  for (const bool pass_first : {true, false}) {
    for (const auto& d : rows) {
      if (first(d) != pass_first) continue;
      if (max_rows != 0 && shown == max_rows) break;
      ++shown;
      std::cout << pad(d.path, w) << pad(d.baseline, 18) << pad(d.current, 18) << pad(pct(d.change_pct), 10)
                << verdict(d) << '\n';
    }
  }
  if (shown < rows.size()) std::cout << "... " << rows.size() - shown << " more rows (--max-rows 0 shows all)\n";
}

std::size_t count_improved(const CompareResult& r) {
  return static_cast<std::size_t>(
      std::count_if(r.moved.begin(), r.moved.end(), [](const Difference& d) { return d.verdict == Verdict::improved; }));
}

// An A/B across parameters: which parameters differ, then what that did to every result.
void run_what_if(const CompareCli& cli, const nlohmann::json& baseline, const nlohmann::json& current) {
  const nlohmann::json bconf{{"effective_config", baseline.at("effective_config")}},
      cconf{{"effective_config", current.at("effective_config")}};
  CompareOptions exact;
  exact.rel_tolerance = 0;
  exact.abs_tolerance = 0;
  const CompareResult params = compare_summaries(bconf, cconf, exact);
  std::cout << "what-if: " << params.moved.size() << " parameters differ\n";
  print_table(params.moved, 0, [](const Difference&) { return "parameter"; }, [](const Difference&) { return false; });

  CompareOptions opt = cli.opt;
  opt.ignore.push_back("/effective_config");
  const CompareResult r = compare_summaries(baseline, current, opt);
  const auto judged = [](const Difference& d) { return d.direction != Direction::none; };
  print_table(r.moved, cli.max_rows, [](const Difference& d) { return what_if_text(d); }, judged);
  const auto worse = static_cast<std::size_t>(std::count_if(r.moved.begin(), r.moved.end(), [](const Difference& d) {
    return d.verdict == Verdict::regression && d.direction != Direction::none;
  }));
  std::cout << r.compared << " results compared, " << r.moved.size() << " moved: " << count_improved(r) << " better, "
            << worse << " worse (relative tolerance " << cli.opt.rel_tolerance << ", absolute " << cli.opt.abs_tolerance
            << ")\n";
}

void run_compare(CompareCli& cli, CommandContext& ctx) {
  for (const auto& m : cli.metric_tolerance) cli.opt.metric_tolerance.push_back(parse_metric_tolerance(m));
  for (const auto& p : cli.opt.ignore) {
    if (p.empty() || p.front() != '/') throw ConfigError("--ignore", p, "expected a JSON pointer such as /run/events");
  }
  const std::string bfile = summary_path(cli.baseline), cfile = summary_path(cli.current);
  const nlohmann::json baseline = load_summary(bfile), current = load_summary(cfile);
  std::cout << "baseline: " << bfile << "\ncurrent:  " << cfile << '\n';
  if (cli.what_if) {
    run_what_if(cli, baseline, current);
    ctx.exit_code = 0;
    return;
  }
  check_same_config(baseline, current, bfile, cfile);
  const CompareResult r = compare_summaries(baseline, current, cli.opt);
  print_table(r.moved, cli.max_rows, [](const Difference& d) { return to_string(d.verdict); },
              [](const Difference& d) { return is_failure(d.verdict); });
  std::cout << r.compared << " values compared, " << r.moved.size() << " moved, " << count_improved(r) << " improved, "
            << r.regressions << " regressions beyond tolerance (relative " << cli.opt.rel_tolerance << ", absolute "
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
  cmd->add_flag("--what-if", cli->what_if,
                "A/B of two runs that may differ in any parameter: list the differing parameters and what moved "
                "(better/worse/different); always exits 0");
  cmd->callback([cli, &ctx] { run_compare(*cli, ctx); });
}

}  // namespace rocesim::app
