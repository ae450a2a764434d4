#include "report/op_aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "report/percentiles.hpp"
#include "report/tidy.hpp"

namespace rocesim::report {
namespace {

nlohmann::json distribution(std::vector<double>& values) {
  const double min = values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
  const SampleSummary s = summarize_sample(values);
  return {{"count", s.count}, {"mean", tidy(s.mean)}, {"p50", tidy(s.p50)}, {"p90", tidy(s.p90)},
          {"p99", tidy(s.p99)}, {"max", tidy(s.max)}, {"min", tidy(min)}};
}

}  // namespace

std::vector<char> slowest_of_groups(std::span<const OpGroupKey> keys, std::span<const double> duration_us, std::size_t k) {
  std::vector<char> out(keys.size(), 0);
  std::map<OpGroupKey, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < keys.size() && i < duration_us.size(); ++i) {
    if (duration_us[i] >= 0) members[keys[i]].push_back(i);
  }
  for (auto& [key, ops] : members) {
    const std::size_t n = std::min(k, ops.size());
    std::partial_sort(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(n), ops.end(), [&](std::size_t a, std::size_t b) {
      return duration_us[a] != duration_us[b] ? duration_us[a] > duration_us[b] : a < b;
    });
    for (std::size_t j = 0; j < n; ++j) out[ops[j]] = 1;
  }
  return out;
}

void OpAggregator::add(const OpGroupKey& key, nlohmann::json&& op, bool slowest) {
  const auto num = [&](const char* k) { return op.contains(k) ? op[k].get<double>() : NAN; };
  add(key, op.value("job", std::string()), op.value("completed", false),
      op.contains("bytes") ? op["bytes"].get<std::int64_t>() : -1, num("duration_us"), num("busbw_GBps"),
      num("efficiency"));
  if (slowest) groups_[key].slowest.push_back(std::move(op));
}

void OpAggregator::add(const OpGroupKey& key, std::string_view job, bool completed, std::int64_t bytes,
                       double duration_us, double busbw_GBps, double efficiency) {
  Group& g = groups_[key];
  ++g.count;
  if (g.job.empty()) g.job = job;
  if (bytes >= 0) {
    g.network = true;
    g.bytes += bytes;
  }
  if (completed) {
    ++g.completed;
    g.duration.push_back(std::isnan(duration_us) ? 0.0 : duration_us);
    if (!std::isnan(busbw_GBps)) g.busbw.push_back(busbw_GBps);
  }
  if (!std::isnan(efficiency)) g.efficiency.push_back(efficiency);
}

nlohmann::json OpAggregator::finish() {
  nlohmann::json out = nlohmann::json::array();
  for (auto& [key, g] : groups_) {
    nlohmann::json e{{"id", key.type},     {"job", g.job},         {"iteration", key.iteration}, {"type", key.type},
                     {"aggregated", true}, {"count", g.count},     {"completed", g.completed}};
    if (g.network) e["bytes"] = g.bytes;
    e["duration_us"] = distribution(g.duration);
    if (!g.busbw.empty()) e["busbw_GBps"] = distribution(g.busbw);
    if (!g.efficiency.empty()) e["efficiency"] = distribution(g.efficiency);
    std::stable_sort(g.slowest.begin(), g.slowest.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a.value("duration_us", 0.0) > b.value("duration_us", 0.0);
    });
    e["slowest"] = std::move(g.slowest);
    out.push_back(std::move(e));
  }
  groups_.clear();
  return out;
}

}  // namespace rocesim::report
