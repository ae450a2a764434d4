#include "app/compare_summaries.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "app/compare_keys.hpp"
#include "core/config_error.hpp"

namespace rocesim::app {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& segs) {
  std::string out;
  for (const auto& s : segs) out += "/" + s;
  return out.empty() ? "/" : out;
}

std::string text(const json& v) { return v.dump(); }

class Walker {
 public:
  Walker(const CompareOptions& opt) : opt_(opt) {
    for (const auto& p : opt.ignore) ignore_.push_back(pointer_segments(p));
    for (const auto& [p, rel] : opt.metric_tolerance) tolerance_.emplace_back(pointer_segments(p), rel);
  }

  void walk(const json& b, const json& c, std::vector<std::string>& path) {
    if (ignored(path)) return;
    // null means "not measured": a value appearing is new, a value turning null disappeared.
    if (b.is_null() && !c.is_null()) {
      one_sided(c, path, Verdict::added);
      return;
    }
    if (c.is_null() && !b.is_null()) {
      one_sided(b, path, Verdict::removed);
      return;
    }
    if (b.is_object() && c.is_object()) {
      std::set<std::string> keys;
      for (const auto& [k, v] : b.items()) keys.insert(k);
      for (const auto& [k, v] : c.items()) keys.insert(k);
      for (const std::string& k : keys) {
        // Wall-clock measurements differ on every run.
        if (k.find("wall") != std::string::npos) continue;
        path.push_back(k);
        const auto bi = b.find(k), ci = c.find(k);
        if (bi == b.end()) one_sided(*ci, path, Verdict::added);
        else if (ci == c.end()) one_sided(*bi, path, Verdict::removed);
        else walk(*bi, *ci, path);
        path.pop_back();
      }
      return;
    }
    if (b.is_array() && c.is_array()) {
      const auto bl = element_labels(b), cl = element_labels(c);
      if (bl && cl) {
        std::map<std::string, std::size_t> in_current;
        for (std::size_t i = 0; i < cl->size(); ++i) in_current.emplace((*cl)[i], i);
        std::set<std::string> matched;
        for (std::size_t i = 0; i < bl->size(); ++i) {
          path.push_back((*bl)[i]);
          const auto it = in_current.find((*bl)[i]);
          if (it == in_current.end()) {
            one_sided(b[i], path, Verdict::removed);
          } else {
            matched.insert((*bl)[i]);
            walk(b[i], c[it->second], path);
          }
          path.pop_back();
        }
        for (std::size_t i = 0; i < cl->size(); ++i) {
          if (matched.count((*cl)[i]) != 0) continue;
          path.push_back((*cl)[i]);
          one_sided(c[i], path, Verdict::added);
          path.pop_back();
        }
      } else {
        const std::size_t n = std::max(b.size(), c.size());
        for (std::size_t i = 0; i < n; ++i) {
          path.push_back(std::to_string(i));
          if (i >= c.size()) one_sided(b[i], path, Verdict::removed);
          else if (i >= b.size()) one_sided(c[i], path, Verdict::added);
          else walk(b[i], c[i], path);
          path.pop_back();
        }
      }
      return;
    }
    leaf(b, c, path);
  }

  CompareResult result;

 private:
  bool ignored(const std::vector<std::string>& path) const {
    for (const auto& p : ignore_) {
      if (pattern_matches(p, path)) return true;
    }
    return false;
  }

  double rel_tolerance(const std::vector<std::string>& path) const {
    double rel = opt_.rel_tolerance;
    for (const auto& [p, r] : tolerance_) {
      if (pattern_matches(p, path)) rel = r;
    }
    return rel;
  }

  void one_sided(const json& v, const std::vector<std::string>& path, Verdict verdict) {
    Difference d;
    d.path = join(path);
    (verdict == Verdict::added ? d.current : d.baseline) = text(v);
    d.change_pct = std::numeric_limits<double>::quiet_NaN();
    d.verdict = verdict;
    add(std::move(d));
  }

  void leaf(const json& b, const json& c, const std::vector<std::string>& path) {
    ++result.compared;
    Difference d;
    d.path = join(path);
    d.baseline = text(b);
    d.current = text(c);
    d.change_pct = std::numeric_limits<double>::quiet_NaN();
    if (b.is_number() && c.is_number()) {
      const double x = b.get<double>(), y = c.get<double>();
      if (x == y) return;
      const double diff = std::fabs(y - x);
      if (x != 0) d.change_pct = (y - x) / std::fabs(x) * 100.0;
      const double allowed = std::max(opt_.abs_tolerance, rel_tolerance(path) * std::fabs(x));
      d.direction = metric_direction(path);
      if (diff <= allowed) d.verdict = Verdict::within_tolerance;
      else if (d.direction == Direction::lower_is_better) d.verdict = y < x ? Verdict::improved : Verdict::regression;
      else if (d.direction == Direction::higher_is_better) d.verdict = y > x ? Verdict::improved : Verdict::regression;
      else d.verdict = Verdict::regression;
    } else {
      if (b == c) return;
      d.verdict = Verdict::changed;
    }
    add(std::move(d));
  }

  void add(Difference d) {
    if (is_failure(d.verdict)) ++result.regressions;
    result.moved.push_back(std::move(d));
  }

  const CompareOptions& opt_;
  std::vector<std::vector<std::string>> ignore_;
  std::vector<std::pair<std::vector<std::string>, double>> tolerance_;
};

// The path of the first difference between a and b (object keys in sorted order), if any.
std::optional<std::string> first_difference(const json& a, const json& b, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const std::string& k : keys) {
      const auto ai = a.find(k), bi = b.find(k);
      if (ai == a.end() || bi == b.end()) return path + "/" + k;
      if (auto d = first_difference(*ai, *bi, path + "/" + k)) return d;
    }
    return std::nullopt;
  }
  if (a.is_array() && b.is_array()) {
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (auto d = first_difference(a[i], b[i], path + "/" + std::to_string(i))) return d;
    }
    if (a.size() != b.size()) return path + "/" + std::to_string(std::min(a.size(), b.size()));
    return std::nullopt;
  }
  if (a == b) return std::nullopt;
  return path;
}

std::string shown(const json& doc, const std::string& pointer) {
  const json::json_pointer p(pointer);
  if (!doc.contains(p)) return "nothing";
  const std::string t = doc.at(p).dump();
  return t.size() > 60 ? t.substr(0, 57) + "..." : t;
}

}  // namespace

Direction metric_direction(const std::vector<std::string>& path) {
  if (path.empty()) return Direction::none;
  const std::string& key = path.back();
  const auto starts = [&key](const char* p) { return key.rfind(p, 0) == 0; };
  const auto ends = [&key](const std::string& p) {
    return key.size() >= p.size() && key.compare(key.size() - p.size(), p.size(), p) == 0;
  };
  const bool in_fct = path.size() >= 2 && path[path.size() - 2] == "fct";
  if (key == "duration_us" || key == "sim_end_us" || starts("fct_") || (in_fct && ends("_us"))) {
    return Direction::lower_is_better;
  }
  if (starts("busbw") || starts("algbw") || key == "efficiency" || starts("goodput") || starts("throughput")) {
    return Direction::higher_is_better;
  }
  return Direction::none;
}

const char* what_if_text(const Difference& d) {
  switch (d.verdict) {
    case Verdict::within_tolerance: return "same (within tolerance)";
    case Verdict::improved: return "better";
    case Verdict::regression: return d.direction == Direction::none ? "different" : "worse";
    case Verdict::changed: return "different";
    case Verdict::added: return "added";
    case Verdict::removed: return "removed";
  }
  return "?";
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::within_tolerance: return "ok (within tolerance)";
    case Verdict::improved: return "improved";
    case Verdict::regression: return "REGRESSION";
    case Verdict::changed: return "CHANGED";
    case Verdict::added: return "added";
    case Verdict::removed: return "REMOVED";
  }
  return "?";
}

bool is_failure(Verdict v) { return v == Verdict::regression || v == Verdict::changed || v == Verdict::removed; }

bool pattern_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() > path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != "*" && pattern[i] != path[i]) return false;
  }
  return true;
}

CompareResult compare_summaries(const json& baseline, const json& current, const CompareOptions& opt) {
  CompareOptions with_defaults = opt;
  with_defaults.ignore.push_back("/version");  // the build that wrote it, not a result
  Walker w(with_defaults);
  std::vector<std::string> path;
  w.walk(baseline, current, path);
  return std::move(w.result);
}

void check_summary(const json& doc, const std::string& file) {
  if (!doc.is_object()) throw ConfigError(file, "", "expected a rocesim run summary (a JSON object)");
  for (const char* key : {"effective_config", "run"}) {
    if (!doc.contains(key) || !doc.at(key).is_object()) {
      throw ConfigError(file, std::string("/") + key, "expected a rocesim run summary (summary.json with an object \"" +
                                                          std::string(key) + "\")");
    }
  }
}

void check_same_config(const json& baseline, const json& current, const std::string& baseline_file,
                       const std::string& current_file) {
  for (const char* part : {"topology", "workload", "backend"}) {
    const std::string root = std::string("/effective_config/") + part;
    const json::json_pointer p(root);
    const json b = baseline.contains(p) ? baseline.at(p) : json(), c = current.contains(p) ? current.at(p) : json();
    if (const auto d = first_difference(b, c, root)) {
      throw ConfigError(current_file, *d,
                        "comes from a different config than the baseline " + baseline_file + " (baseline has " +
                            shown(baseline, *d) + ", current has " + shown(current, *d) +
                            "); compare runs of the same topology, workload and backend, or refresh the baseline "
                            "(--what-if compares runs of different configs)");
    }
  }
}

}  // namespace rocesim::app
