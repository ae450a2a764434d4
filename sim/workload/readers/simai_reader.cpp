#include "workload/readers/simai_reader.hpp"

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "core/config_error.hpp"
#include "core/units.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& msg) {
  throw ConfigError(file, "line " + std::to_string(line), msg);
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

struct Comm {
  std::string type;   // native collective type, "" for NONE
  std::string group;  // native group token
  std::int64_t bytes = 0;
};

struct Layer {
  std::string name;
  std::int64_t dep = -1;
  std::array<std::int64_t, 3> compute_ns{};  // fwd, ig, wg
  std::array<Comm, 3> comm;                  // fwd, ig, wg
  std::int64_t update_ns = 0;
  std::size_t line = 0;
};

constexpr std::array<const char*, 3> kPhase{"fwd", "ig", "wg"};

Comm parse_comm(std::string_view type, std::string_view bytes, int phase, const std::string& file, std::size_t line) {
  Comm c;
  std::string_view base = type;
  std::string group = phase == 2 ? "dp" : "tp";
  auto strip = [&base](std::string_view suffix) {
    if (base.size() > suffix.size() && base.substr(base.size() - suffix.size()) == suffix) {
      base.remove_suffix(suffix.size());
      return true;
    }
    return false;
  };
  if (strip("_DP_EP")) {
    group = "edp";
  } else if (strip("_EP")) {
    group = "ep";
  }
  if (base == "NONE" && base.size() == type.size()) {
    c.type = "";
  } else if (base == "ALLREDUCE") {
    c.type = "all_reduce";
  } else if (base == "ALLGATHER") {
    c.type = "all_gather";
  } else if (base == "REDUCESCATTER") {
    c.type = "reduce_scatter";
  } else if (base == "ALLTOALL") {
    c.type = "all_to_all";
  } else {
    fail(file, line, std::string(kPhase[static_cast<std::size_t>(phase)]) + " comm type \"" + std::string(type) +
                         "\" is not NONE, ALLREDUCE, ALLGATHER, REDUCESCATTER or ALLTOALL (optionally _EP or _DP_EP)");
  }
  const auto n = parse_uint(bytes);
  if (!n) {
    fail(file, line, std::string(kPhase[static_cast<std::size_t>(phase)]) + " comm bytes \"" + std::string(bytes) +
                         "\" is not a non-negative integer");
  }
  c.group = group;
  c.bytes = *n;
  return c;
}

}  // namespace

nlohmann::json read_simai_text(const std::string& text, const std::string& file_label) {
  // Split into (line number, content) for non-blank lines.
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  {
    std::size_t pos = 0, no = 0;
    const std::string_view all(text);
    while (pos < all.size()) {
      const std::size_t nl = all.find('\n', pos);
      const std::string_view line = all.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? all.size() : nl + 1;
      ++no;
      if (!split_ws(line).empty()) lines.emplace_back(no, line);
    }
  }
  if (lines.empty()) throw ConfigError(file_label, "line 1", "empty SimAI workload: expected the header line");

  // Header: optional parallelism type, then "key: value" pairs (SimAI also writes "pp_comm <n>").
  const std::size_t header_line = lines[0].first;
  const auto tokens = split_ws(lines[0].second);
  std::string parallelism_type;
  std::map<std::string, std::int64_t> keys;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    std::string_view key = tokens[t];
    const bool colon = key.back() == ':';
    if (colon) key.remove_suffix(1);
    const bool has_value = t + 1 < tokens.size() && parse_uint(tokens[t + 1]).has_value();
    if (t == 0 && !colon && !has_value) {
      parallelism_type = std::string(key);
      continue;
    }
    if (!has_value) {
      fail(file_label, header_line, "header key \"" + std::string(key) + "\" needs a non-negative integer value");
    }
    if (!keys.emplace(std::string(key), *parse_uint(tokens[t + 1])).second) {
      fail(file_label, header_line, "header key \"" + std::string(key) + "\" appears twice");
    }
    ++t;
  }
  auto required = [&](const char* key) {
    const auto it = keys.find(key);
    if (it == keys.end()) {
      fail(file_label, header_line, std::string("header is missing the required key \"") + key +
                                        "\" (required: model_parallel_NPU_group, ep, pp, vpp, ga, all_gpus)");
    }
    if (it->second <= 0) fail(file_label, header_line, std::string("header key \"") + key + "\" must be positive");
    return it->second;
  };
  const std::int64_t tp = required("model_parallel_NPU_group");
  const std::int64_t ep = required("ep");
  const std::int64_t pp = required("pp");
  const std::int64_t vpp = required("vpp");
  const std::int64_t ga = required("ga");
  const std::int64_t world = required("all_gpus");
  if (world % (tp * pp) != 0) {
    fail(file_label, header_line, "all_gpus " + std::to_string(world) + " is not a multiple of tp x pp = " +
                                      std::to_string(tp * pp));
  }
  const std::int64_t dp = world / (tp * pp);
  if (dp % ep != 0) {
    fail(file_label, header_line, "ep " + std::to_string(ep) + " does not divide the data-parallel size " +
                                      std::to_string(dp) + " (= all_gpus / (tp x pp))");
  }
  if (ga > 4096) fail(file_label, header_line, "ga " + std::to_string(ga) + " is implausibly large (max 4096)");

  if (lines.size() < 2) fail(file_label, header_line + 1, "missing the layer-count line");
  const auto count = parse_uint(split_ws(lines[1].second).size() == 1 ? split_ws(lines[1].second)[0] : "");
  if (!count) fail(file_label, lines[1].first, "expected the number of layers (one integer)");
  if (static_cast<std::size_t>(*count) != lines.size() - 2) {
    fail(file_label, lines[1].first, "declares " + std::to_string(*count) + " layers but " +
                                         std::to_string(lines.size() - 2) + " layer lines follow");
  }
  if (*count == 0) fail(file_label, lines[1].first, "the workload has no layers");

  std::vector<Layer> layers;
  layers.reserve(static_cast<std::size_t>(*count));
  bool dep_used = false;
  for (std::size_t l = 2; l < lines.size(); ++l) {
    const auto [line_no, text_line] = lines[l];
    const auto cols = split_ws(text_line);
    if (cols.size() != 12) {
      fail(file_label, line_no, "expected 12 columns (name, dep, then compute/comm type/bytes for fwd, ig and wg, "
                                "then update time), got " + std::to_string(cols.size()));
    }
    Layer layer;
    layer.line = line_no;
    layer.name = std::string(cols[0]);
    if (cols[1] != "-1") {
      const auto dep = parse_uint(cols[1]);
      if (!dep) fail(file_label, line_no, "dep \"" + std::string(cols[1]) + "\" is not -1 or a layer index");
      layer.dep = *dep;
      dep_used = true;
    }
    auto ns = [&](std::size_t col, const char* what) {
      const auto v = parse_uint(cols[col]);
      if (!v) fail(file_label, line_no, std::string(what) + " \"" + std::string(cols[col]) + "\" is not a non-negative integer (ns)");
      if (*v > INT64_MAX / 1000) fail(file_label, line_no, std::string(what) + " overflows");
      return *v;
    };
    for (int p = 0; p < 3; ++p) {
      const std::size_t base = 2 + 3 * static_cast<std::size_t>(p);
      layer.compute_ns[static_cast<std::size_t>(p)] = ns(base, (std::string(kPhase[static_cast<std::size_t>(p)]) + " compute time").c_str());
      layer.comm[static_cast<std::size_t>(p)] = parse_comm(cols[base + 1], cols[base + 2], p, file_label, line_no);
    }
    layer.update_ns = ns(11, "update time");
    layers.push_back(std::move(layer));
  }

  // Group sizes, to skip collectives that move nothing.
  const std::map<std::string, std::int64_t> group_size{{"tp", tp}, {"dp", dp}, {"ep", ep}, {"edp", dp / ep}};
  std::map<std::string, std::int64_t> dropped, assumptions;
  nlohmann::json ops = nlohmann::json::array();
  std::string prev;  // the op the serial compute chain continues from
  auto add = [&ops](nlohmann::json op, const std::string& dep) -> std::string {
    if (!dep.empty()) op["deps"] = nlohmann::json::array({dep});
    std::string id = op["id"];
    ops.push_back(std::move(op));
    return id;
  };
  auto compute = [&](std::string id, std::int64_t ns_value, const std::string& dep) {
    return add({{"id", std::move(id)}, {"type", "compute"}, {"duration", to_string(Time::from_ns(ns_value))}}, dep);
  };
  // Emits the comm op after `dep`; returns its id, or `dep` when the comm is skipped.
  auto comm = [&](const Comm& c, std::string id, const std::string& dep) {
    if (c.type.empty()) return dep;
    if (c.bytes == 0) {
      ++dropped["zero-byte collective"];
      return dep;
    }
    if (group_size.at(c.group) == 1) {
      ++dropped["collective over a group of one rank (" + c.group + ")"];
      return dep;
    }
    return add({{"id", std::move(id)}, {"type", c.type}, {"group", c.group}, {"bytes", c.bytes}}, dep);
  };
  const std::size_t n = layers.size();
  std::vector<std::string> last_wg(n);
  for (std::int64_t m = 0; m < ga; ++m) {
    const std::string mb = concat({"m", std::to_string(m), "_"});
    for (std::size_t i = 0; i < n; ++i) {
      const std::string li = std::to_string(i);
      prev = compute(concat({mb, "fwd", li}), layers[i].compute_ns[0], prev);
      prev = comm(layers[i].comm[0], concat({mb, "fwd", li, "_comm"}), prev);
    }
    for (std::size_t r = n; r-- > 0;) {
      const std::string li = std::to_string(r);
      prev = compute(concat({mb, "ig", li}), layers[r].compute_ns[1], prev);
      prev = comm(layers[r].comm[1], concat({mb, "ig", li, "_comm"}), prev);
      prev = compute(concat({mb, "wg", li}), layers[r].compute_ns[2], prev);
      last_wg[r] = prev;
    }
  }
  // Gradient sync once per iteration, overlapping the rest of the last backward pass; then update.
  for (std::size_t r = n; r-- > 0;) {
    const std::string li = std::to_string(r);
    const std::string synced = comm(layers[r].comm[2], concat({"wg", li, "_comm"}), last_wg[r]);
    compute(concat({"update", li}), layers[r].update_ns, synced);
  }
  if (pp > 1) ++assumptions["pp > 1: pipeline-stage send/recv (pp_comm) not modelled; every rank runs every layer"];
  if (vpp > 1) ++assumptions["vpp > 1: virtual-pipeline interleaving not modelled"];
  if (dep_used) ++assumptions["layer dep column ignored (layers run in file order)"];
  order_ops_by_deps(ops, file_label);

  nlohmann::json extra = nlohmann::json::object();
  for (const auto& [k, v] : keys) extra[k] = v;
  const std::string stem = std::filesystem::path(file_label).stem().string();
  const std::string name = stem.empty() ? std::string("simai") : stem;
  nlohmann::json job = {
      {"name", name},
      {"world_size", world},
      {"start", "0us"},
      {"iterations", 1},
      {"placement", {{"kind", "contiguous"}}},
      {"parallelism", {{"tp", tp}, {"cp", 1}, {"ep", ep}, {"dp", dp}, {"pp", pp}, {"order", "tp-cp-ep-dp-pp"}}},
      {"ops", std::move(ops)}};
  nlohmann::json report = {{"format", "simai"},
                           {"parallelism_type", parallelism_type},
                           {"header", std::move(extra)},
                           {"layers", n},
                           {"micro_batches", ga},
                           {"dropped", dropped},
                           {"assumptions", assumptions}};
  return {{"name", name}, {"jobs", nlohmann::json::array({std::move(job)})}, {"import_report", std::move(report)}};
}

nlohmann::json read_simai(const std::string& path) { return read_simai_text(read_whole_file(path), path); }

}  // namespace rocesim::workload
