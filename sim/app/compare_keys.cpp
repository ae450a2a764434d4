#include "app/compare_keys.hpp"

#include <set>

namespace rocesim::app {
namespace {

std::string scalar_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// True when `field` is present in every element and not the same everywhere.
bool varies(const nlohmann::json& array, const char* field) {
  const nlohmann::json* first = nullptr;
  for (const auto& e : array) {
    const auto it = e.find(field);
    if (it == e.end()) return false;
    if (first == nullptr) first = &*it;
    else if (*it != *first) return true;
  }
  return false;
}

bool has_scalar(const nlohmann::json& e, const char* field) {
  if (!e.is_object()) return false;
  const auto it = e.find(field);
  return it != e.end() && (it->is_string() || it->is_number());
}

bool unique(const std::vector<std::string>& labels) {
  std::set<std::string> seen;
  for (const auto& l : labels) {
    if (!seen.insert(l).second) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> element_labels(const nlohmann::json& array) {
  if (!array.is_array() || array.empty()) return std::nullopt;
  // A primary identity: one field, or a link's two ends.
  static const std::vector<std::vector<const char*>> kPrimary = {{"id"}, {"name"}, {"from", "to"}, {"tier"},
                                                                  {"port"}, {"link"}};
  const std::vector<const char*>* primary = nullptr;
  for (const auto& fields : kPrimary) {
    bool all = true;
    for (const auto& e : array) {
      for (const char* f : fields) all = all && has_scalar(e, f);
    }
    if (all) {
      primary = &fields;
      break;
    }
  }
  if (primary == nullptr) return std::nullopt;
  const bool by_job = varies(array, "job"), by_direction = varies(array, "direction"),
             by_iteration = varies(array, "iteration");
  std::vector<std::string> labels;
  for (const auto& e : array) {
    std::string label;
    if (by_job) label.append(scalar_text(e.at("job"))).append(".");
    for (const char* f : *primary) {
      if (f != (*primary)[0]) label.append(">");
      label.append(scalar_text(e.at(f)));
    }
    if (by_direction) label.append(":").append(scalar_text(e.at("direction")));
    if (by_iteration) label.append("#").append(scalar_text(e.at("iteration")));
    labels.push_back(std::move(label));
  }
  if (!unique(labels) && (*primary)[0] != std::string("port")) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (!has_scalar(array[i], "port")) return std::nullopt;
      labels[i].append("@").append(scalar_text(array[i].at("port")));
    }
  }
  if (!unique(labels)) return std::nullopt;
  return labels;
}

std::vector<std::string> pointer_segments(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  std::size_t pos = 1;
  for (;;) {
    const std::size_t slash = pointer.find('/', pos);
    const std::string seg = pointer.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    std::string plain;
    for (std::size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '~' && i + 1 < seg.size()) {
        plain += seg[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        plain += seg[i];
      }
    }
    out.push_back(std::move(plain));
    if (slash == std::string::npos) return out;
    pos = slash + 1;
  }
}

}  // namespace rocesim::app
