// Megatron-style parallel groups: which job ranks form each TP / CP / EP / DP / PP group.
//
// A rank's coordinates come from mixed-radix decomposition in the order string, the first
// dimension varying fastest: with order "tp-cp-ep-dp-pp",
//   rank = tp_i + tp·(cp_i + cp·(ep_i + ep·(dp_i + dp·pp_i))).
// A group of dimension set M holds the ranks that agree on every coordinate outside M; members are
// ordered by their M coordinates (first dimension fastest), groups by their other coordinates.
// As in Megatron-core, the world is tp·cp·dp·pp: expert parallelism (ep) subdivides data
// parallelism. Dense groups (any token without "ep"/"edp") use ep = 1 and dp = dp; expert groups
// ("ep", "edp", or a combination containing "ep") use ep = ep and dp = dp/ep, where the dp
// coordinate then names the expert-data-parallel index ("edp" is that dimension alone).
// Tokens: "tp", "cp", "ep", "dp", "pp", "edp", "world", or combinations joined by '_'
// ("tp_dp", "dp_cp", "dp_ep" = ep × edp). Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rocesim::workload {

struct Parallelism {
  std::uint32_t tp = 1, cp = 1, ep = 1, dp = 1, pp = 1;
  // Dimension names, fastest first; always the five of tp, cp, ep, dp, pp.
  std::array<std::string, 5> order{"tp", "cp", "ep", "dp", "pp"};

  std::uint64_t world() const { return std::uint64_t{tp} * cp * dp * pp; }
  std::string order_string() const;
};

// Parses "tp-cp-ep-dp-pp" style strings; returns an error message or "".
std::string parse_order(std::string_view text, std::array<std::string, 5>& order);

// Checks sizes (ep divides dp, world matches); returns an error message or "".
std::string validate(const Parallelism& p, std::uint64_t world_size);

// The groups of `token`, each a list of job ranks. Throws std::invalid_argument (message names the
// token and the valid ones) for an unknown token.
std::vector<std::vector<std::uint32_t>> parallel_groups(const Parallelism& p, std::string_view token);

}  // namespace rocesim::workload
