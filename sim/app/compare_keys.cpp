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

}  // namespace

std::optional<std::vector<std::string>> element_labels(const nlohmann::json& array) {
  if (!array.is_array() || array.empty()) return std::nullopt;
  static const char* const kPrimary[] = {"id", "tier", "port", "link", "name"};
  const char* primary = nullptr;
  for (const char* f : kPrimary) {
    bool all = true;
    for (const auto& e : array) {
      const auto it = e.is_object() ? e.find(f) : e.end();
      if (!e.is_object() || it == e.end() || !(it->is_string() || it->is_number())) {
        all = false;
        break;
      }
    }
    if (all) {
      primary = f;
      break;
    }
  }
  if (primary == nullptr) return std::nullopt;
  const bool by_job = varies(array, "job"), by_iteration = varies(array, "iteration");
  std::vector<std::string> labels;
  std::set<std::string> seen;
  for (const auto& e : array) {
    std::string label = scalar_text(e.at(primary));
    if (by_job) label = scalar_text(e.at("job")) + "." + label;
    if (by_iteration) {
      label += '#';
      label += scalar_text(e.at("iteration"));
    }
    if (!seen.insert(label).second) return std::nullopt;
    labels.push_back(std::move(label));
  }
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
