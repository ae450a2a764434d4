// The aggregated "ops" of summary.json for workloads with many ops (e.g. one op per flow of a
// flow-list CSV), so the summary stays a file a person can open while collectives.csv keeps
// every op's row.
//
// When a run has more than kSummaryOpLimit ops, summary.json "ops" holds one entry per group of
// ops with the same (job, iteration, type), in (job index, iteration, type) order:
//   {"id": type, "job", "iteration", "type", "aggregated": true, "count": ops in the group,
//    "completed": ops that ran to their end, "bytes": Σ bytes (network ops),
//    "duration_us": {"count","mean","p50","p90","p99","max","min"},
//    "busbw_GBps": {same keys} (network ops that completed),
//    "efficiency": {same keys} (ops that have one, i.e. with attribution),
//    "slowest": the kSlowestPerGroup longest ops' own objects (as in the per-op form, attribution
//               included), longest first, ties by op index}.
// Percentiles are nearest-rank (report/percentiles.hpp); numbers tidy()'d. The "id" field makes
// each entry a labelled element for `rocesim compare` ("<job>.<type>#<iteration>").
// Memory: a few doubles per op plus the slowest ops' objects; the per-op objects themselves are
// streamed by the caller (collectives.csv) and dropped.
// Thread safety: none (a builder).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::report {

inline constexpr std::size_t kSummaryOpLimit = 1000;
inline constexpr std::size_t kSlowestPerGroup = 3;

struct OpGroupKey {
  std::uint32_t job = 0;
  std::uint32_t iteration = 0;
  std::string_view type;  // to_string(OpType): a static string (24 B per op instead of 40)
  auto operator<=>(const OpGroupKey&) const = default;
};

// Per op: true if it is among the `k` longest of its group (duration_us < 0: did not complete,
// never among them). Ties: lower op index first.
std::vector<char> slowest_of_groups(std::span<const OpGroupKey> keys, std::span<const double> duration_us, std::size_t k);

class OpAggregator {
 public:
  // `op` is the per-op summary object; `slowest` from slowest_of_groups().
  void add(const OpGroupKey& key, nlohmann::json&& op, bool slowest);
  // An op that is not among the slowest, from plain values (NaN: absent; bytes < 0: compute op).
  void add(const OpGroupKey& key, std::string_view job, bool completed, std::int64_t bytes, double duration_us,
           double busbw_GBps, double efficiency);
  // The aggregated ops array (see header); the aggregator is empty afterwards.
  nlohmann::json finish();

 private:
  struct Group {
    std::string job;
    std::size_t count = 0, completed = 0;
    std::int64_t bytes = 0;
    bool network = false;
    std::vector<double> duration, busbw, efficiency;
    std::vector<nlohmann::json> slowest;
  };
  std::map<OpGroupKey, Group> groups_;
};

}  // namespace rocesim::report
