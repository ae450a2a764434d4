// Poisson flow traffic: model and file formats in flow_traffic.hpp.
#include "workload/flow_traffic.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/config_error.hpp"
#include "core/rng.hpp"

namespace rocesim::workload {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_number(std::string_view s, double& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

[[noreturn]] void fail_line(const std::string& file, std::size_t line, const std::string& msg) {
  throw ConfigError(file, "line " + std::to_string(line), msg);
}

}  // namespace

SizeCdf::SizeCdf(std::vector<double> bytes, std::vector<double> percent)
    : bytes_(std::move(bytes)), percent_(std::move(percent)) {
  mean_ = bytes_[0] * percent_[0] / 100;
  for (std::size_t i = 1; i < bytes_.size(); ++i) {
    mean_ += (bytes_[i - 1] + bytes_[i]) / 2 * (percent_[i] - percent_[i - 1]) / 100;
  }
}

double SizeCdf::size_at(double u) const {
  const double p = u * 100;
  if (p < percent_[0]) return bytes_[0];
  // First point with percent above p: p lies in (percent[i-1], percent[i]].
  const auto it = std::upper_bound(percent_.begin(), percent_.end(), p);
  if (it == percent_.end()) return bytes_.back();
  const std::size_t i = static_cast<std::size_t>(it - percent_.begin());
  const double f = (p - percent_[i - 1]) / (percent_[i] - percent_[i - 1]);
  return bytes_[i - 1] + f * (bytes_[i] - bytes_[i - 1]);
}

SizeCdf parse_size_cdf(std::string_view text, const std::string& file) {
  std::vector<double> bytes, percent;
  std::size_t pos = 0, line_no = 0;
  bool first = true;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line = trim(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const bool is_first = first;
    first = false;
    if (is_first && line == "bytes,percent") continue;
    const std::size_t sep = line.find_first_of(", \t");
    if (sep == std::string_view::npos) fail_line(file, line_no, "expected \"bytes,percent\", got \"" + std::string(line) + "\"");
    const std::string_view a = trim(line.substr(0, sep)), b = trim(line.substr(sep + 1));
    double x = 0, p = 0;
    if (!parse_number(a, x) || x < 0) fail_line(file, line_no, "flow size \"" + std::string(a) + "\" is not a number >= 0");
    if (!parse_number(b, p) || p < 0 || p > 100) fail_line(file, line_no, "percent \"" + std::string(b) + "\" is not in [0, 100]");
    if (!bytes.empty() && (x < bytes.back() || p < percent.back())) {
      fail_line(file, line_no, "points must not decrease (previous point " + std::to_string(bytes.back()) + " B at " +
                                   std::to_string(percent.back()) + " %)");
    }
    bytes.push_back(x);
    percent.push_back(p);
  }
  if (bytes.empty()) throw ConfigError(file, "", "no CDF points (expected lines \"bytes,percent\")");
  if (percent.back() != 100) throw ConfigError(file, "", "the last point must be at 100 percent, got " + std::to_string(percent.back()));
  if (bytes.back() <= 0) throw ConfigError(file, "", "every flow would be empty: the largest size is 0");
  return SizeCdf(std::move(bytes), std::move(percent));
}

SizeCdf read_size_cdf(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file, "", "cannot open the flow-size CDF");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_size_cdf(ss.str(), file);
}

double expected_flows(const TrafficSpec& spec, const SizeCdf& cdf) {
  const double lambda = spec.load * static_cast<double>(spec.host_rate.bps) / (8 * cdf.mean_bytes());
  return static_cast<double>(spec.hosts) * spec.duration.seconds() * lambda;
}

std::vector<GeneratedFlow> generate_traffic(const TrafficSpec& spec, const SizeCdf& cdf, const std::string& label,
                                            double max_flows) {
  if (spec.hosts < 2) throw ConfigError(label, "hosts", "need at least 2 hosts, got " + std::to_string(spec.hosts));
  if (!(spec.load > 0 && spec.load <= 1)) throw ConfigError(label, "load", "must be in (0, 1], got " + std::to_string(spec.load));
  if (spec.duration.ps <= 0) throw ConfigError(label, "duration", "must be a positive time");
  if (spec.host_rate.bps == 0) throw ConfigError(label, "rate", "must be a positive rate");
  const double n = expected_flows(spec, cdf);
  if (n > max_flows) {
    throw ConfigError(label, "duration", "expects " + std::to_string(static_cast<long long>(n)) + " flows, more than the limit of " +
                                             std::to_string(static_cast<long long>(max_flows)) + "; shorten the duration");
  }
  // Mean gap between one host's arrivals, in ps.
  const double gap_ps = 8 * cdf.mean_bytes() / (spec.load * static_cast<double>(spec.host_rate.bps)) * 1e12;
  std::vector<GeneratedFlow> flows;
  flows.reserve(static_cast<std::size_t>(n * 1.05) + 16);
  for (std::uint32_t h = 0; h < spec.hosts; ++h) {
    Rng rng(derive_seed(spec.seed, "traffic", h));
    double t = 0;
    for (;;) {
      t += -std::log1p(-rng.uniform01()) * gap_ps;  // exponential gap
      const Time start{static_cast<std::int64_t>(std::llround(t))};
      if (start >= spec.duration) break;
      std::uint32_t dst = static_cast<std::uint32_t>(rng.below(spec.hosts - 1));
      if (dst >= h) ++dst;
      const auto bytes = std::max<std::int64_t>(1, std::llround(cdf.size_at(rng.uniform01())));
      flows.push_back(GeneratedFlow{h, dst, bytes, start});
    }
  }
  std::stable_sort(flows.begin(), flows.end(), [](const GeneratedFlow& a, const GeneratedFlow& b) {
    return a.start != b.start ? a.start < b.start : a.src < b.src;
  });
  return flows;
}

std::vector<GeneratedFlow> generate_permutation(std::uint32_t hosts, std::int64_t bytes, std::uint64_t seed,
                                                const std::string& label) {
  if (hosts < 2) throw ConfigError(label, "hosts", "need at least 2 hosts, got " + std::to_string(hosts));
  if (bytes < 1) throw ConfigError(label, "bytes", "must be at least 1 byte");
  Rng rng(derive_seed(seed, "permutation", 0));
  std::vector<std::uint32_t> dst(hosts);
  for (;;) {  // rejection keeps the derangement uniform; P(no fixed point) -> 1/e, so ~2.7 tries
    for (std::uint32_t i = 0; i < hosts; ++i) dst[i] = i;
    for (std::uint32_t i = hosts - 1; i > 0; --i) std::swap(dst[i], dst[rng.below(i + 1)]);
    bool fixed = false;
    for (std::uint32_t i = 0; i < hosts && !fixed; ++i) fixed = dst[i] == i;
    if (!fixed) break;
  }
  std::vector<GeneratedFlow> flows;
  flows.reserve(hosts);
  for (std::uint32_t h = 0; h < hosts; ++h) flows.push_back(GeneratedFlow{h, dst[h], bytes, Time{}});
  return flows;
}

std::string traffic_csv(const std::vector<GeneratedFlow>& flows) {
  std::string out = "id,src,dst,bytes,start_us,after\n";
  out.reserve(out.size() + flows.size() * 40);
  char frac[8];
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const GeneratedFlow& f = flows[i];
    const std::int64_t us = f.start.ps / 1'000'000, rest = f.start.ps % 1'000'000;  // start >= 0
    std::snprintf(frac, sizeof frac, "%06lld", static_cast<long long>(rest));
    out += std::to_string(i + 1) + ',' + std::to_string(f.src) + ',' + std::to_string(f.dst) + ',' + std::to_string(f.bytes) + ',' +
           std::to_string(us) + '.' + frac + ",\n";
  }
  return out;
}

double offered_load(const std::vector<GeneratedFlow>& flows, const TrafficSpec& spec) {
  double bits = 0;
  for (const GeneratedFlow& f : flows) {
    if (f.start < spec.duration) bits += 8.0 * static_cast<double>(f.bytes);
  }
  return bits / (static_cast<double>(spec.hosts) * static_cast<double>(spec.host_rate.bps) * spec.duration.seconds());
}

}  // namespace rocesim::workload
