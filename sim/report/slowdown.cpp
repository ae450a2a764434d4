// FCT slowdown: definitions in slowdown.hpp.
#include "report/slowdown.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "report/percentiles.hpp"
#include "report/tidy.hpp"

namespace rocesim::report {

double slowdown_of(const observe::TransferRecord& t) {
  if (t.end == Time::max() || t.ideal.ps <= 0) return -1.0;
  return static_cast<double>((t.end - t.start).ps) / static_cast<double>(t.ideal.ps);
}

namespace {

nlohmann::json percentiles(std::vector<double>& v, nlohmann::json out) {
  out["count"] = v.size();
  if (v.empty()) {
    out["p50"] = out["p95"] = out["p99"] = nullptr;
    return out;
  }
  std::sort(v.begin(), v.end());
  out["p50"] = tidy(nearest_rank(v, 50));
  out["p95"] = tidy(nearest_rank(v, 95));
  out["p99"] = tidy(nearest_rank(v, 99));
  return out;
}

// "<10KB", "10KB-100KB", ..., ">=10MB": the bucket's name (sweep tables key array columns by "id").
std::string bucket_id(std::size_t k) {
  // snprintf, not std::string operator+: GCC 12 -O3 warns (-Wrestrict, a false positive) on the latter.
  const auto name = [](std::int64_t b, char* out, std::size_t n) {
    if (b >= 1'000'000) std::snprintf(out, n, "%lldMB", static_cast<long long>(b / 1'000'000));
    else std::snprintf(out, n, "%lldKB", static_cast<long long>(b / 1000));
  };
  char lo[24] = "", hi[24] = "", id[56];
  if (k > 0) name(kSlowdownBucketEdges[k - 1], lo, sizeof lo);
  if (k < kSlowdownBucketEdges.size()) name(kSlowdownBucketEdges[k], hi, sizeof hi);
  if (k == 0) std::snprintf(id, sizeof id, "<%s", hi);
  else if (k == kSlowdownBucketEdges.size()) std::snprintf(id, sizeof id, ">=%s", lo);
  else std::snprintf(id, sizeof id, "%s-%s", lo, hi);
  return id;
}

}  // namespace

nlohmann::json slowdown_json(const observe::RunRecord& record) {
  constexpr std::size_t kBuckets = kSlowdownBucketEdges.size() + 1;
  std::vector<double> all;
  std::array<std::vector<double>, kBuckets> bucket;
  for (const observe::TransferRecord& t : record.transfers) {
    const double s = slowdown_of(t);
    if (s < 0) continue;
    all.push_back(s);
    const auto k = static_cast<std::size_t>(
        std::upper_bound(kSlowdownBucketEdges.begin(), kSlowdownBucketEdges.end(), t.bytes) - kSlowdownBucketEdges.begin());
    bucket[k].push_back(s);
  }
  if (all.empty()) return nullptr;
  nlohmann::json out = percentiles(all, nlohmann::json::object());
  out["max"] = tidy(all.back());
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t k = 0; k < kBuckets; ++k) {
    nlohmann::json b = nlohmann::json::object();
    b["id"] = bucket_id(k);
    b["bytes_min"] = k == 0 ? 0 : kSlowdownBucketEdges[k - 1];
    b["bytes_max"] = k < kSlowdownBucketEdges.size() ? nlohmann::json(kSlowdownBucketEdges[k]) : nlohmann::json(nullptr);
    buckets.push_back(percentiles(bucket[k], std::move(b)));
  }
  out["buckets"] = std::move(buckets);
  return out;
}

}  // namespace rocesim::report
