#include "workload/placement.hpp"

#include <stdexcept>

#include "core/rng.hpp"

namespace rocesim::workload {

const char* to_string(PlacementSpec::Kind k) {
  switch (k) {
    case PlacementSpec::Kind::contiguous: return "contiguous";
    case PlacementSpec::Kind::strided: return "strided";
    case PlacementSpec::Kind::random: return "random";
    case PlacementSpec::Kind::explicit_list: return "explicit";
  }
  return "?";
}

std::vector<std::uint32_t> place(const PlacementSpec& spec, std::uint32_t world, const std::vector<bool>& used) {
  const auto total = static_cast<std::uint32_t>(used.size());
  if (spec.kind == PlacementSpec::Kind::explicit_list) {
    if (spec.endpoints.size() != world) {
      throw std::invalid_argument("explicit placement lists " + std::to_string(spec.endpoints.size()) +
                                  " endpoints for " + std::to_string(world) + " ranks");
    }
    std::vector<bool> mine(total, false);
    for (std::uint32_t r = 0; r < world; ++r) {
      const std::uint32_t e = spec.endpoints[r];
      if (e >= total) {
        throw std::invalid_argument("rank " + std::to_string(r) + " is placed on endpoint " + std::to_string(e) +
                                    ", outside the fabric's " + std::to_string(total) + " endpoints");
      }
      if (used[e]) throw std::invalid_argument("endpoint " + std::to_string(e) + " is already used by an earlier job");
      if (mine[e]) throw std::invalid_argument("endpoint " + std::to_string(e) + " is listed twice");
      mine[e] = true;
    }
    return spec.endpoints;
  }
  std::vector<std::uint32_t> free;
  for (std::uint32_t e = 0; e < total; ++e) {
    if (!used[e]) free.push_back(e);
  }
  if (free.size() < world) {
    throw std::invalid_argument("the job needs " + std::to_string(world) + " endpoints but only " +
                                std::to_string(free.size()) + " of the fabric's " + std::to_string(total) +
                                " are free");
  }
  std::vector<std::uint32_t> out;
  out.reserve(world);
  switch (spec.kind) {
    case PlacementSpec::Kind::contiguous:
      out.assign(free.begin(), free.begin() + world);
      break;
    case PlacementSpec::Kind::strided: {
      if (spec.stride == 0) throw std::invalid_argument("stride must be >= 1");
      for (std::size_t b = 0; b < spec.stride && out.size() < world; ++b) {
        for (std::size_t i = b; i < free.size() && out.size() < world; i += spec.stride) out.push_back(free[i]);
      }
      break;
    }
    case PlacementSpec::Kind::random: {
      Rng rng(derive_seed(spec.seed, "placement"));
      for (std::uint32_t i = 0; i < world; ++i) {
        const auto j = i + static_cast<std::size_t>(rng.below(free.size() - i));
        std::swap(free[i], free[j]);
        out.push_back(free[i]);
      }
      break;
    }
    case PlacementSpec::Kind::explicit_list: break;
  }
  return out;
}

}  // namespace rocesim::workload
