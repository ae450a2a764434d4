// `rocesim traffic --cdf FILE --hosts N [--load 0.3] [--duration 10ms] [--rate 100Gbps] [--seed N]
// [-o OUT.csv]`: Poisson flow arrivals per host with sizes from a flow-size CDF at a target load
// (model in workload/flow_traffic.hpp), written as a flow list that `rocesim run --workload`
// reads (stdout without -o). One summary line on stderr: flows, offered load against the target.
// `rocesim traffic --permutation --hosts N [--bytes 2MB] [--seed N]`: instead, the shared
// benchmarks' permutation (each host sends `bytes` at t = 0 to one other host, a random derangement).
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
  bool permutation = false;
  std::string bytes = "2MB";
};

template <class T, class Parse>
T parse_unit(const std::string& option, const std::string& text, Parse parse) {
  try {
    return parse(text);
  } catch (const UnitError& e) {
    throw ConfigError("--" + option, "", e.what());
  }
}

void write_flows(const TrafficOptions& opt, const std::string& csv) {
  if (opt.output.empty()) {
    std::cout << csv;
  } else {
    const std::filesystem::path out(opt.output);
    write_file_atomically(out.has_parent_path() ? out.parent_path().string() : std::string("."), out.filename().string(), csv);
  }
}

void run_permutation(const TrafficOptions& opt, const std::vector<std::string>& poisson_options_given) {
  if (!poisson_options_given.empty()) throw ConfigError(poisson_options_given.front(), "", "does not apply with --permutation");
  const std::int64_t bytes = parse_unit<Bytes>("bytes", opt.bytes, parse_bytes).n;
  const auto flows = workload::generate_permutation(opt.hosts, bytes, opt.seed, "rocesim traffic");
  write_flows(opt, workload::traffic_csv(flows));
  std::cerr << "traffic: permutation of " << flows.size() << " hosts, " << bytes << " B each at t = 0\n";
}

void run_traffic(const TrafficOptions& opt) {
  if (opt.cdf.empty()) throw ConfigError("--cdf", "", "is required (or --permutation)");
  const workload::SizeCdf cdf = workload::read_size_cdf(opt.cdf);
  workload::TrafficSpec spec;
  spec.hosts = opt.hosts;
  spec.load = opt.load;
  spec.duration = parse_unit<Time>("duration", opt.duration, parse_time);
  spec.host_rate = parse_unit<Rate>("rate", opt.rate, parse_rate);
  spec.seed = opt.seed;
  const std::vector<workload::GeneratedFlow> flows = workload::generate_traffic(spec, cdf, "rocesim traffic");
  write_flows(opt, workload::traffic_csv(flows));
  std::ostringstream line;
  line << "traffic: " << flows.size() << " flows from " << spec.hosts << " hosts over " << to_string(spec.duration)
       << ", offered load " << workload::offered_load(flows, spec) << " (target " << spec.load << "), mean CDF size "
       << cdf.mean_bytes() << " B";
  std::cerr << line.str() << '\n';
}

}  // namespace

void register_traffic(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<TrafficOptions>();
  CLI::App* cmd = app.add_subcommand("traffic", "Generate Poisson flow arrivals with a flow-size CDF at a target load, or a permutation (flow-list CSV)");
  CLI::Option* cdf = cmd->add_option("--cdf", opt->cdf, "Flow-size CDF: lines \"bytes,percent\" (e.g. workloads/cdf/websearch.csv); required unless --permutation");
  cmd->add_option("--hosts", opt->hosts, "Hosts 0..N-1 that send and receive (N >= 2)")->required();
  CLI::Option* load = cmd->add_option("--load", opt->load, "Offered load per host as a fraction of its link rate, (0, 1]")->capture_default_str();
  CLI::Option* duration = cmd->add_option("--duration", opt->duration, "Arrivals in [0, duration)")->capture_default_str();
  CLI::Option* rate = cmd->add_option("--rate", opt->rate, "Host link rate")->capture_default_str();
  add_seed_option(cmd, opt->seed, "Seed of the arrival, destination and size draws (default 1)");
  cmd->add_flag("--permutation", opt->permutation,
                "Instead: every host sends --bytes at t = 0 to one other host, a random derangement (the shared perm benchmarks)");
  CLI::Option* bytes = cmd->add_option("--bytes", opt->bytes, "Bytes per flow with --permutation")->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "Output CSV (default: stdout)");
  cmd->callback([opt, &ctx, cdf, load, duration, rate, bytes] {
    if (opt->permutation) {
      std::vector<std::string> given;
      for (const CLI::Option* o : {cdf, load, duration, rate}) {
        if (o->count() > 0) given.push_back(o->get_name());
      }
      run_permutation(*opt, given);
    } else {
      if (bytes->count() > 0) throw ConfigError("--bytes", "", "applies only with --permutation");
      run_traffic(*opt);
    }
    ctx.exit_code = 0;
  });
}

}  // namespace rocesim::app
