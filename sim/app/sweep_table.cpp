#include "app/sweep_table.hpp"

#include <map>

#include "app/compare_keys.hpp"
#include "report/csv_writers.hpp"

namespace rocesim::app {
namespace {

std::string cell_text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void walk(const nlohmann::json* node, const std::vector<std::string>& segs, std::size_t at, const std::string& name,
          std::vector<std::pair<std::string, std::string>>& out) {
  if (at == segs.size()) {
    out.emplace_back(name, node ? cell_text(*node) : "");
    return;
  }
  const std::string& seg = segs[at];
  if (seg == "*") {
    if (node == nullptr) return;  // nothing to expand: no columns
    if (node->is_array()) {
      const auto labels = element_labels(*node);
      for (std::size_t i = 0; i < node->size(); ++i) {
        walk(&(*node)[i], segs, at + 1, name + "/" + (labels ? (*labels)[i] : std::to_string(i)), out);
      }
    } else if (node->is_object()) {
      for (const auto& [k, v] : node->items()) walk(&v, segs, at + 1, name + "/" + k, out);
    }
    return;
  }
  const nlohmann::json* next = nullptr;
  if (node && node->is_object()) {
    const auto it = node->find(seg);
    if (it != node->end()) next = &*it;
  } else if (node && node->is_array() && !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos) {
    const std::size_t i = std::stoul(seg);
    if (i < node->size()) next = &(*node)[i];
  }
  walk(next, segs, at + 1, name + "/" + seg, out);
}

}  // namespace

void to_json(nlohmann::json& j, const SweepRow& row) {
  j = {{"index", row.index}, {"dir", row.dir}, {"axis_cells", row.axis_cells}, {"metrics", row.metrics},
       {"status", row.status}};
}

void from_json(const nlohmann::json& j, SweepRow& row) {
  row.index = j.at("index").get<std::size_t>();
  row.dir = j.at("dir").get<std::string>();
  row.axis_cells = j.at("axis_cells").get<std::vector<std::string>>();
  row.metrics = j.at("metrics").get<std::vector<std::pair<std::string, std::string>>>();
  row.status = j.at("status").get<std::string>();
}

std::vector<std::pair<std::string, std::string>> extract_metrics(const nlohmann::json& summary,
                                                                 const std::vector<std::string>& pointers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& p : pointers) walk(&summary, pointer_segments(p), 0, "", out);
  return out;
}

std::string sweep_csv(const std::vector<std::string>& axis_keys, const std::vector<SweepRow>& rows) {
  std::vector<std::string> columns;
  std::map<std::string, std::size_t> column_of;
  for (const SweepRow& r : rows) {
    for (const auto& [name, cell] : r.metrics) {
      if (column_of.emplace(name, columns.size()).second) columns.push_back(name);
    }
  }
  // Appending piecewise also sidesteps a GCC 12 -Wrestrict false positive on "," + std::string.
  std::string text = "index,dir";
  auto add = [&text](const std::string& cell) {
    text += ',';
    text += report::csv_field(cell);
  };
  for (const auto& k : axis_keys) add(k);
  for (const auto& c : columns) add(c);
  text += ",status\n";
  for (const SweepRow& r : rows) {
    std::vector<std::string> cells(columns.size());
    for (const auto& [name, cell] : r.metrics) cells[column_of.at(name)] = cell;
    text += std::to_string(r.index);
    add(r.dir);
    for (const auto& a : r.axis_cells) add(a);
    for (const auto& c : cells) add(c);
    add(r.status);
    text += '\n';
  }
  return text;
}

}  // namespace rocesim::app
