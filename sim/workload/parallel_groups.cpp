#include "workload/parallel_groups.hpp"

#include <algorithm>
#include <stdexcept>

namespace rocesim::workload {

std::string Parallelism::order_string() const {
  std::string s;
  for (const auto& d : order) s += (s.empty() ? "" : "-") + d;
  return s;
}

std::string parse_order(std::string_view text, std::array<std::string, 5>& order) {
  std::array<std::string, 5> out;
  std::size_t count = 0, start = 0;
  while (start <= text.size()) {
    const std::size_t dash = text.find('-', start);
    const std::string part(text.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (part != "tp" && part != "cp" && part != "ep" && part != "dp" && part != "pp") {
      return "unknown dimension \"" + part + "\" in order (expected the five of tp, cp, ep, dp, pp joined by '-')";
    }
    if (count == 5 || std::find(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count), part) !=
                          out.begin() + static_cast<std::ptrdiff_t>(count)) {
      return "dimension \"" + part + "\" appears twice in order";
    }
    out[count++] = part;
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (count != 5) return "order must name all five dimensions tp, cp, ep, dp, pp (e.g. \"tp-cp-ep-dp-pp\")";
  order = out;
  return "";
}

std::string validate(const Parallelism& p, std::uint64_t world_size) {
  if (p.tp == 0 || p.cp == 0 || p.ep == 0 || p.dp == 0 || p.pp == 0) return "parallel sizes must be >= 1";
  if (p.dp % p.ep != 0) {
    return "ep (" + std::to_string(p.ep) + ") must divide dp (" + std::to_string(p.dp) +
           "): expert parallelism subdivides data parallelism";
  }
  if (p.world() != world_size) {
    return "tp·cp·dp·pp = " + std::to_string(p.tp) + "·" + std::to_string(p.cp) + "·" + std::to_string(p.dp) + "·" +
           std::to_string(p.pp) + " = " + std::to_string(p.world()) + " does not equal world_size " +
           std::to_string(world_size);
  }
  return "";
}

std::vector<std::vector<std::uint32_t>> parallel_groups(const Parallelism& p, std::string_view token) {
  const auto world = static_cast<std::uint32_t>(p.world());
  if (token == "world") {
    std::vector<std::uint32_t> all(world);
    for (std::uint32_t r = 0; r < world; ++r) all[r] = r;
    return {all};
  }
  std::array<bool, 5> mask{};
  bool expert = false;
  std::size_t start = 0;
  while (start <= token.size()) {
    const std::size_t us = token.find('_', start);
    std::string part(token.substr(start, us == std::string_view::npos ? std::string_view::npos : us - start));
    if (part == "ep" || part == "edp") expert = true;
    if (part == "edp") part = "dp";
    const auto it = std::find(p.order.begin(), p.order.end(), part);
    if (it == p.order.end()) {
      throw std::invalid_argument("unknown group \"" + std::string(token) +
                                  "\" (expected tp, cp, ep, dp, pp, edp, world, or dimensions joined by '_' such as "
                                  "\"dp_cp\")");
    }
    mask[static_cast<std::size_t>(it - p.order.begin())] = true;
    if (us == std::string_view::npos) break;
    start = us + 1;
  }
  std::array<std::uint32_t, 5> size{};
  for (std::size_t i = 0; i < 5; ++i) {
    const std::string& d = p.order[i];
    size[i] = d == "tp" ? p.tp : d == "cp" ? p.cp : d == "pp" ? p.pp : d == "ep" ? (expert ? p.ep : 1)
                                                                                : (expert ? p.dp / p.ep : p.dp);
  }
  std::uint32_t group_size = 1, group_count = 1;
  for (std::size_t i = 0; i < 5; ++i) (mask[i] ? group_size : group_count) *= size[i];
  std::vector<std::vector<std::uint32_t>> groups(group_count, std::vector<std::uint32_t>(group_size));
  for (std::uint32_t r = 0; r < world; ++r) {
    std::uint32_t rest = r, key = 0, pos = 0, key_mul = 1, pos_mul = 1;
    for (std::size_t i = 0; i < 5; ++i) {
      const std::uint32_t c = rest % size[i];
      rest /= size[i];
      if (mask[i]) {
        pos += c * pos_mul;
        pos_mul *= size[i];
      } else {
        key += c * key_mul;
        key_mul *= size[i];
      }
    }
    groups[key][pos] = r;
  }
  return groups;
}

}  // namespace rocesim::workload
