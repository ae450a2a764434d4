#include "app/sweep_spec.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "app/backends.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"

namespace rocesim::app {
namespace {

namespace fs = std::filesystem;

// Guards against a grid whose size overflows or could never finish.
// Every point is checked in process (rocesim run --check, ~0.01-0.1 s each) before anything runs,
// then run as a child process: 100,000 points are already hours of checking alone.
constexpr std::size_t kMaxPoints = kMaxSweepPoints;

bool is_path_axis(const std::string& key) { return key == "topology" || key == "workload"; }
bool is_special_axis(const std::string& key) { return key == "backend" || key == "seed" || is_path_axis(key); }

// "a.b_c.d": non-empty components of [A-Za-z0-9_-]. Anything else cannot be a config key.
bool valid_set_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

void check_axis_value(const std::string& file, const std::string& path, const std::string& key, const nlohmann::json& v) {
  if (v.is_null() || v.is_object() || v.is_array()) {
    throw ConfigError(file, path, "expected a string, number or boolean axis value");
  }
  if (key == "backend") {
    const auto& names = backend_names();
    if (!v.is_string() || std::find(names.begin(), names.end(), v.get<std::string>()) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw ConfigError(file, path, "expected a backend name (" + list + ")");
    }
  } else if (key == "seed") {
    if (!v.is_number_unsigned()) throw ConfigError(file, path, "expected a non-negative integer seed");
  } else if (is_path_axis(key)) {
    if (!v.is_string() || v.get<std::string>().empty()) throw ConfigError(file, path, "expected a file path");
  }
}

// FNV-1a over the file's bytes: cheap, and enough to notice an edited input on resume.
std::string content_hash(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return "-";  // Chakra directories/prefixes: the child validates
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, "", "cannot read the input file");
  std::uint64_t h = 14695981039346656037ULL;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ULL;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string resolve(const SweepSpec& spec, const std::string& p) {
  const fs::path path(p);
  return (path.is_absolute() ? path : fs::absolute(fs::path(spec.base_dir) / path)).lexically_normal().string();
}

// Chakra traces may be named by a prefix of per-rank files (<prefix>.<rank>.et).
bool names_prefix_files(const fs::path& p) {
  std::error_code ec;
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string prefix = p.filename().string() + ".";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Checked while reading the spec, so a mistyped path fails the sweep before any point runs.
void check_input_path(const SweepSpec& spec, const std::string& p, const std::string& json_path, bool topology) {
  const std::string abs = resolve(spec, p);
  std::error_code ec;
  const bool ok = topology ? fs::is_regular_file(abs, ec) : (fs::exists(abs, ec) || names_prefix_files(abs));
  if (!ok) throw ConfigError(spec.file, json_path, "cannot read " + abs + " (paths are relative to the spec file)");
}

std::string slug_fragment(const std::string& key, const nlohmann::json& v) {
  const std::string k = key.substr(key.rfind('.') + 1);  // npos + 1 == 0: the whole key
  std::string val = is_path_axis(key) ? fs::path(v.get<std::string>()).stem().string() : axis_value_text(v);
  std::string out = k + "=" + val;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '=';
    if (!ok) c = '_';
  }
  return out;
}

// A bundle axis: "sets" holds one object of --set keys per value; the key is only a column name.
void read_bundle(JsonReader& a, SweepAxis& axis, std::size_t n_values) {
  if (is_special_axis(axis.key)) a.fail("key", "a bundle axis (with \"sets\") needs a column name, not \"" + axis.key + "\"");
  const nlohmann::json& sets = a.array("sets");
  if (sets.size() != n_values) {
    a.fail("sets", "expected one object of --set keys per value: " + std::to_string(n_values) + " values, " +
                       std::to_string(sets.size()) + " sets");
  }
  for (std::size_t k = 0; k < sets.size(); ++k) {
    const std::string path = a.element_path("sets", k);
    if (!sets[k].is_object()) throw ConfigError(a.file(), path, "expected an object of --set keys and values");
    for (const auto& [key, value] : sets[k].items()) {
      if (is_special_axis(key) || !valid_set_key(key)) {
        throw ConfigError(a.file(), path + "/" + key, "expected a --set key such as nic.transport");
      }
      if (value.is_null()) throw ConfigError(a.file(), path + "/" + key, "expected a value, got null");
    }
    axis.sets.push_back(sets[k]);
  }
}

}  // namespace

const std::vector<std::string>& default_sweep_metrics() {
  static const std::vector<std::string> m = {"/run/completed", "/run/sim_end_us", "/run/events",
                                             "/ops/*/duration_us", "/ops/*/busbw_GBps"};
  return m;
}

std::string axis_value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

SweepSpec load_sweep_spec(const std::string& file) { return parse_sweep_spec(load_json_file(file), file); }

SweepSpec parse_sweep_spec(const nlohmann::json& doc, const std::string& file) {
  SweepSpec spec;
  spec.file = file;
  spec.base_dir = fs::path(file).parent_path().string();
  if (spec.base_dir.empty()) spec.base_dir = ".";
  JsonReader r(doc, file);
  if (auto base = r.object_opt("base")) {
    spec.topology = base->has("topology") ? base->string("topology") : "";
    spec.workload = base->has("workload") ? base->string("workload") : "";
    if (!spec.topology.empty()) check_input_path(spec, spec.topology, base->path_of("topology"), true);
    if (!spec.workload.empty()) check_input_path(spec, spec.workload, base->path_of("workload"), false);
    if (base->has("backend")) {
      const nlohmann::json& b = base->raw("backend");
      check_axis_value(file, base->path_of("backend"), "backend", b);
      spec.backend = b.get<std::string>();
    }
    if (base->has("seed")) spec.seed = base->integer("seed", 0, INT64_MAX);
    if (base->has("attribution")) spec.attribution = base->choice_or("attribution", {"auto", "on", "off"}, "auto");
    if (auto set = base->object_opt("set")) {
      for (const auto& [key, value] : base->raw("set").items()) {
        const std::string path = set->path_of(key);
        if (is_special_axis(key)) throw ConfigError(file, path, "\"" + key + "\" is set with base." + key + ", not in base.set");
        if (!valid_set_key(key)) throw ConfigError(file, path, "expected a --set key such as topology.oversubscription");
        if (value.is_null()) throw ConfigError(file, path, "expected a value, got null");
        spec.set.emplace_back(key, value);
        set->raw(key);
      }
      set->finish();
    }
    base->finish();
  }
  const std::string mode = r.choice_or("mode", {"grid", "zip"}, "grid");
  spec.zip = mode == "zip";
  if (!r.has("axes")) r.fail("axes", "expected an array of axes (at least one)");
  const nlohmann::json& axes = r.array("axes");
  if (axes.empty()) r.fail("axes", "expected at least one axis, got an empty array");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    JsonReader a(axes[i], file, r.element_path("axes", i));
    SweepAxis axis;
    axis.key = a.string("key");
    if (!is_special_axis(axis.key) && !valid_set_key(axis.key)) {
      a.fail("key", "expected backend, seed, topology, workload or a --set key such as topology.oversubscription, got \"" +
                        axis.key + "\"");
    }
    if (!seen.insert(axis.key).second) a.fail("key", "axis \"" + axis.key + "\" appears twice");
    if (!a.has("values")) a.fail("values", "expected an array of values");
    const nlohmann::json& values = a.array("values");
    if (values.empty()) a.fail("values", "expected at least one value, got an empty array");
    if (a.has("sets")) read_bundle(a, axis, values.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (!axis.sets.empty() && !values[k].is_string()) {
        throw ConfigError(file, a.element_path("values", k), "expected a name (string) for sets[" + std::to_string(k) + "]");
      }
      check_axis_value(file, a.element_path("values", k), axis.key, values[k]);
      if (is_path_axis(axis.key)) {
        check_input_path(spec, values[k].get<std::string>(), a.element_path("values", k), axis.key == "topology");
      }
      axis.values.push_back(values[k]);
    }
    a.finish();
    if (spec.zip && !spec.axes.empty() && axis.values.size() != spec.axes.front().values.size()) {
      a.fail("values", "zip mode needs axes of equal length: this axis has " + std::to_string(axis.values.size()) +
                           " values, /axes/0 has " + std::to_string(spec.axes.front().values.size()));
    }
    spec.axes.push_back(std::move(axis));
  }
  if (r.has("metrics")) {
    const nlohmann::json& metrics = r.array("metrics");
    if (metrics.empty()) r.fail("metrics", "expected at least one JSON pointer (or leave \"metrics\" out for the defaults)");
    std::set<std::string> dup;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const std::string path = r.element_path("metrics", i);
      if (!metrics[i].is_string()) throw ConfigError(file, path, "expected a JSON pointer string such as /run/sim_end_us");
      const std::string p = metrics[i].get<std::string>();
      try {
        if (p.empty() || p.front() != '/') throw std::invalid_argument("no leading /");
        (void)nlohmann::json::json_pointer(p);
      } catch (const std::exception&) {
        throw ConfigError(file, path, "expected a JSON pointer such as /run/sim_end_us, got \"" + p + "\"");
      }
      if (!dup.insert(p).second) throw ConfigError(file, path, "metric \"" + p + "\" appears twice");
      spec.metrics.push_back(p);
    }
  } else {
    spec.metrics = default_sweep_metrics();
  }
  r.finish();
  std::sort(spec.set.begin(), spec.set.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Size check before anything expands.
  std::size_t n = spec.zip ? spec.axes.front().values.size() : 1;
  std::string sizes;
  if (!spec.zip) {
    for (const auto& a : spec.axes) {
      sizes += (sizes.empty() ? "" : " x ") + std::to_string(a.values.size());
      if (n > kMaxPoints / a.values.size()) {
        throw ConfigError(file, "/axes", "the grid (" + sizes + (&a == &spec.axes.back() ? "" : " x ...") +
                                             ") has more than " + std::to_string(kMaxPoints) +
                                             " points, the most a sweep may have; split it into several sweeps");
      }
      n *= a.values.size();
    }
  } else if (n > kMaxPoints) {
    throw ConfigError(file, "/axes", "the zip has " + std::to_string(n) + " points, more than " +
                                         std::to_string(kMaxPoints) + ", the most a sweep may have; split it into several sweeps");
  }
  return spec;
}

std::vector<SweepPoint> expand_sweep(const SweepSpec& spec) {
  const std::size_t n_axes = spec.axes.size();
  std::size_t n = spec.zip ? spec.axes.front().values.size() : 1;
  if (!spec.zip) {
    for (const auto& a : spec.axes) n *= a.values.size();
  }
  std::map<std::string, std::string> hashes;  // resolved path → content hash, each file read once
  auto hashed = [&](const std::string& p) {
    const std::string abs = resolve(spec, p);
    auto it = hashes.find(abs);
    if (it == hashes.end()) it = hashes.emplace(abs, content_hash(abs)).first;
    return abs;
  };
  std::vector<SweepPoint> points;
  points.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    SweepPoint p;
    p.index = i;
    std::size_t rest = i;
    p.axis_values.resize(n_axes);
    std::vector<std::size_t> at(n_axes);  // each axis's value index
    for (std::size_t a = n_axes; a-- > 0;) {
      const auto& vals = spec.axes[a].values;
      at[a] = spec.zip ? i : rest % vals.size();
      p.axis_values[a] = vals[at[a]];
      if (!spec.zip) rest /= vals.size();
    }
    std::string topology = spec.topology, workload = spec.workload, backend = spec.backend;
    std::int64_t seed = spec.seed;
    std::map<std::string, nlohmann::json> set(spec.set.begin(), spec.set.end());
    std::string slug;
    for (std::size_t a = 0; a < n_axes; ++a) {
      const std::string& key = spec.axes[a].key;
      const nlohmann::json& v = p.axis_values[a];
      if (key == "topology") topology = v.get<std::string>();
      else if (key == "workload") workload = v.get<std::string>();
      else if (key == "backend") backend = v.get<std::string>();
      else if (key == "seed") seed = v.get<std::int64_t>();
      else if (!spec.axes[a].sets.empty()) {
        for (const auto& [sk, sv] : spec.axes[a].sets[at[a]].items()) set[sk] = sv;
      } else set[key] = v;
      slug += (slug.empty() ? "" : "_") + slug_fragment(key, v);
    }
    if (slug.size() > 48) slug.resize(48);
    p.dir_name = std::to_string(i) + "-" + slug;
    nlohmann::json files = nlohmann::json::object();
    p.run_args.push_back("--quiet");
    if (!topology.empty()) {
      const std::string abs = hashed(topology);
      p.run_args.insert(p.run_args.end(), {"--topology", abs});
      files[abs] = hashes.at(abs);
    }
    if (!workload.empty()) {
      const std::string abs = hashed(workload);
      p.run_args.insert(p.run_args.end(), {"--workload", abs});
      files[abs] = hashes.at(abs);
    }
    if (!backend.empty()) p.run_args.insert(p.run_args.end(), {"--backend", backend});
    if (seed >= 0) p.run_args.insert(p.run_args.end(), {"--seed", std::to_string(seed)});
    if (!spec.attribution.empty()) p.run_args.insert(p.run_args.end(), {"--attribution", spec.attribution});
    // dump() round-trips through apply_override's "JSON if valid" rule, strings included.
    for (const auto& [k, v] : set) p.run_args.insert(p.run_args.end(), {"--set", k + "=" + v.dump()});
    p.inputs = {{"args", p.run_args}, {"files", files}};
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace rocesim::app
