// Datacenter background traffic: Poisson flow arrivals per host with sizes drawn from a flow-size
// CDF, at a target load, written as a flow list (`rocesim traffic`; the `run` command reads it).
//
// Model (the one the HPCC, DCQCN and pFabric evaluations use):
//   every host h = 0..H−1 starts flows as a Poisson process of rate
//       lambda = load · R / (8 · E[S])            flows per second
//   (R = the host link rate in bit/s, E[S] = the CDF's mean flow size in bytes), so its offered
//   load is lambda · 8 · E[S] / R = load. Each flow picks its destination uniformly among the
//   other H − 1 hosts and its size S from the CDF. Arrivals start at t = 0 (the first one an
//   exponential gap later) and stop before `duration`.
// Size CDF: points (x_i bytes, p_i percent), non-decreasing in both, the last p = 100. S is drawn
//   by inverting the piecewise-linear CDF between consecutive points (as the HPCC authors'
//   traffic generator does), so E[S] = x_0·p_0/100 + Σ_i (x_{i−1} + x_i)/2 · (p_i − p_{i−1})/100;
//   a first point with p_0 > 0 is a point mass at x_0. Sizes are rounded to whole bytes, at least 1.
// CDF file: text, one point per line as "bytes,percent" or "bytes percent" (the HPCC simulator's
//   traffic_gen format); blank lines and lines starting with '#' are skipped; an optional header
//   line "bytes,percent".
// Determinism: host h draws from its own stream derive_seed(seed, "traffic", h); flows are listed
//   by start time, ties by source host, so a seed gives byte-identical output.
// Permutation (`rocesim traffic --permutation`, the shared benchmarks' "perm" scenario): every host
//   sends `bytes` at t = 0 to one other host and every host receives exactly one flow, the
//   destinations a uniformly random derangement (a permutation without fixed points: Fisher–Yates
//   shuffles from stream derive_seed(seed, "permutation", 0) until one has none; each try succeeds
//   with probability ~1/e). Flows are listed by source host.
// Thread safety: pure functions of their inputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace rocesim::workload {

class SizeCdf {
 public:
  // REQUIRES: points validated by parse_size_cdf.
  SizeCdf(std::vector<double> bytes, std::vector<double> percent);
  double mean_bytes() const { return mean_; }
  // The size at CDF level u in [0, 1).
  double size_at(double u) const;
  std::size_t points() const { return bytes_.size(); }

 private:
  std::vector<double> bytes_;
  std::vector<double> percent_;
  double mean_ = 0;
};

// Throws ConfigError "FILE: line N: ..." for malformed or non-monotone points.
SizeCdf parse_size_cdf(std::string_view text, const std::string& file);
SizeCdf read_size_cdf(const std::string& file);

struct TrafficSpec {
  std::uint32_t hosts = 0;        // >= 2
  Rate host_rate = Rate::gbps(100);
  double load = 0.3;              // (0, 1]
  Time duration = Time::from_ms(100);
  std::uint64_t seed = 1;
};

struct GeneratedFlow {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::int64_t bytes = 0;
  Time start{};
};

// Expected number of flows of `spec` (hosts · duration · lambda), for limits and messages.
double expected_flows(const TrafficSpec& spec, const SizeCdf& cdf);

// Throws ConfigError (naming `label`) when a parameter is out of range or the expected flow count
// exceeds `max_flows`.
std::vector<GeneratedFlow> generate_traffic(const TrafficSpec& spec, const SizeCdf& cdf, const std::string& label,
                                            double max_flows = 50e6);

// A random derangement of hosts 0..hosts−1, each sending `bytes` at t = 0 (see the header).
// Throws ConfigError (naming `label`) for hosts < 2 or bytes < 1.
std::vector<GeneratedFlow> generate_permutation(std::uint32_t hosts, std::int64_t bytes, std::uint64_t seed,
                                                const std::string& label);

// The flow list: header "id,src,dst,bytes,start_us,after", ids 1..n, start_us exact to the
// picosecond (6 decimals), `after` empty.
std::string traffic_csv(const std::vector<GeneratedFlow>& flows);

// Offered load of `flows` over [0, duration): Σ 8·bytes / (hosts · rate · duration).
double offered_load(const std::vector<GeneratedFlow>& flows, const TrafficSpec& spec);

}  // namespace rocesim::workload
