// `rocesim traffic --cdf FILE --hosts N [--load 0.3] [--duration 10ms] [--rate 100Gbps] [--seed N]
// [-o OUT.csv]`: Poisson flow arrivals per host with sizes from a flow-size CDF at a target load
// (model in workload/flow_traffic.hpp), written as a flow list that `rocesim run --workload`
// reads (stdout without -o). One summary line on stderr: flows, offered load against the target.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "app/commands.hpp"
#include "app/run_report.hpp"
#include "core/config_error.hpp"
#include "core/units.hpp"
#include "workload/flow_traffic.hpp"

namespace rocesim::app {
namespace {

struct TrafficOptions {
  std::string cdf;
  std::uint32_t hosts = 0;
  double load = 0.3;
  std::string duration = "10ms";
  std::string rate = "100Gbps";
  std::uint64_t seed = 1;
  std::string output;
};

template <class T, class Parse>
T parse_unit(const std::string& option, const std::string& text, Parse parse) {
  try {
    return parse(text);
  } catch (const UnitError& e) {
    throw ConfigError("--" + option, "", e.what());
  }
}

void run_traffic(const TrafficOptions& opt) {
  const workload::SizeCdf cdf = workload::read_size_cdf(opt.cdf);
  workload::TrafficSpec spec;
  spec.hosts = opt.hosts;
  spec.load = opt.load;
  spec.duration = parse_unit<Time>("duration", opt.duration, parse_time);
  spec.host_rate = parse_unit<Rate>("rate", opt.rate, parse_rate);
  spec.seed = opt.seed;
  const std::vector<workload::GeneratedFlow> flows = workload::generate_traffic(spec, cdf, "rocesim traffic");
  const std::string csv = workload::traffic_csv(flows);
  if (opt.output.empty()) {
    std::cout << csv;
  } else {
    const std::filesystem::path out(opt.output);
    write_file_atomically(out.has_parent_path() ? out.parent_path().string() : std::string("."), out.filename().string(), csv);
  }
  std::ostringstream line;
  line << "traffic: " << flows.size() << " flows from " << spec.hosts << " hosts over " << to_string(spec.duration)
       << ", offered load " << workload::offered_load(flows, spec) << " (target " << spec.load << "), mean CDF size "
       << cdf.mean_bytes() << " B";
  std::cerr << line.str() << '\n';
}

}  // namespace

void register_traffic(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<TrafficOptions>();
  CLI::App* cmd = app.add_subcommand("traffic", "Generate Poisson flow arrivals with a flow-size CDF at a target load (flow-list CSV)");
  cmd->add_option("--cdf", opt->cdf, "Flow-size CDF: lines \"bytes,percent\" (e.g. workloads/cdf/websearch.csv)")->required();
  cmd->add_option("--hosts", opt->hosts, "Hosts 0..N-1 that send and receive (N >= 2)")->required();
  cmd->add_option("--load", opt->load, "Offered load per host as a fraction of its link rate, (0, 1]")->capture_default_str();
  cmd->add_option("--duration", opt->duration, "Arrivals in [0, duration)")->capture_default_str();
  cmd->add_option("--rate", opt->rate, "Host link rate")->capture_default_str();
  add_seed_option(cmd, opt->seed, "Seed of the arrival, destination and size draws (default 1)");
  cmd->add_option("-o,--output", opt->output, "Output CSV (default: stdout)");
  cmd->callback([opt, &ctx] {
    run_traffic(*opt);
    ctx.exit_code = 0;
  });
}

}  // namespace rocesim::app
