// Placement: which fabric endpoint (accelerator) runs each rank of a job.
//
// Jobs are placed in file order, each on endpoints no earlier job uses ("free" endpoints, ascending):
//   contiguous : rank r → the r-th free endpoint
//   strided    : free endpoints taken with stride s: indices 0, s, 2s, …, then 1, s+1, …
//                (stride 8 on 8-GPU servers puts consecutive ranks on different servers)
//   random     : a uniformly random subset of the free endpoints in random order
//                (Fisher–Yates with the stream derive_seed(seed, "placement"))
//   explicit   : the listed endpoints, which must exist, be distinct and be free
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rocesim::workload {

struct PlacementSpec {
  enum class Kind : std::uint8_t { contiguous, strided, random, explicit_list };
  Kind kind = Kind::contiguous;
  std::uint32_t stride = 1;
  std::uint64_t seed = 0;
  std::vector<std::uint32_t> endpoints;  // explicit_list
};

const char* to_string(PlacementSpec::Kind k);

// Rank → endpoint for a job of `world` ranks. `used[e]` marks endpoints of earlier jobs (size =
// the fabric's endpoint count). Throws std::invalid_argument with a message on impossible input.
std::vector<std::uint32_t> place(const PlacementSpec& spec, std::uint32_t world, const std::vector<bool>& used);

}  // namespace rocesim::workload
