#include "workload/readers/reader_util.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "core/config_error.hpp"

namespace rocesim::workload {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, "", "cannot open file");
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    // One allocation of the file's size (a stringstream would hold it twice on the way).
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec) {
      std::string text(static_cast<std::size_t>(size), '\0');
      in.read(text.data(), static_cast<std::streamsize>(size));
      text.resize(static_cast<std::size_t>(in.gcount()));
      if (in.gcount() == static_cast<std::streamsize>(size) && in.peek() == std::char_traits<char>::eof()) return text;
      in.clear();
      std::ostringstream rest;  // the file grew while being read: take the rest too
      rest << in.rdbuf();
      return text + rest.str();
    }
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote_field(std::string_view field) {
  constexpr std::size_t kShown = 64;
  std::string out = "\"";
  for (const char c : field.substr(0, kShown)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
  if (field.size() > kShown) out += "... (" + std::to_string(field.size()) + " bytes)";
  return out;
}

std::string concat(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (const auto p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (const auto p : parts) out += p;
  return out;
}

std::optional<std::int64_t> parse_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_decimal_ps(std::string_view text, std::int64_t unit_ps) {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  std::int64_t w = 0;
  if (!whole.empty()) {
    const auto parsed = parse_uint(whole);
    if (!parsed) return std::nullopt;
    w = *parsed;
  }
  if (w > INT64_MAX / unit_ps) return std::nullopt;
  std::int64_t ps = w * unit_ps;
  // Each fractional digit is worth unit_ps / 10^k; it must stay a whole number of picoseconds.
  std::int64_t place = unit_ps;
  for (const char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (place % 10 != 0) {
      if (digit != 0) return std::nullopt;
      continue;
    }
    place /= 10;
    ps += digit * place;
  }
  if (ps < 0) return std::nullopt;
  return ps;
}

void order_ops_by_deps(nlohmann::json& ops, const std::string& file) {
  const std::size_t n = ops.size();
  std::unordered_map<std::string, std::size_t> index_of;  // lookups only, never iterated
  index_of.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) index_of.emplace(ops[i].at("id").get<std::string>(), i);

  std::vector<std::vector<std::size_t>> deps(n);
  bool in_order = true;
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = ops[i].find("deps");
    if (it == ops[i].end()) continue;
    for (const auto& d : *it) {
      const auto found = index_of.find(d.get<std::string>());
      if (found == index_of.end()) {
        throw ConfigError(file, "", "op \"" + ops[i]["id"].get<std::string>() + "\" depends on unknown op \"" +
                                        d.get<std::string>() + "\"");
      }
      deps[i].push_back(found->second);
      if (found->second >= i) in_order = false;
    }
  }
  if (in_order) return;

  std::vector<std::vector<std::size_t>> children(n);
  std::vector<std::size_t> missing(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::size_t d : deps[i]) children[d].push_back(i);
    missing[i] = deps[i].size();
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (missing[i] == 0) ready.push(i);
  }
  std::vector<std::size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (const std::size_t c : children[i]) {
      if (--missing[c] == 0) ready.push(c);
    }
  }
  if (order.size() != n) {
    // Walk unfinished deps from the first stuck op until an op repeats: that loop is a cycle.
    std::size_t start = 0;
    while (missing[start] == 0) ++start;
    std::vector<int> seen_at(n, -1);
    std::vector<std::size_t> path;
    std::size_t cur = start;
    while (seen_at[cur] < 0) {
      seen_at[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      for (const std::size_t d : deps[cur]) {
        if (missing[d] != 0) {
          cur = d;
          break;
        }
      }
    }
    std::string cycle;
    for (std::size_t k = static_cast<std::size_t>(seen_at[cur]); k < path.size(); ++k) {
      cycle += ops[path[k]]["id"].get<std::string>() + " -> ";
    }
    cycle += ops[cur]["id"].get<std::string>();
    throw ConfigError(file, "", "dependency cycle: " + cycle + " (each op waits for the next)");
  }
  nlohmann::json sorted = nlohmann::json::array();
  for (const std::size_t i : order) sorted.push_back(std::move(ops[i]));
  ops = std::move(sorted);
}

}  // namespace rocesim::workload
