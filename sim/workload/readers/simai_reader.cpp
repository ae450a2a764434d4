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

// A header value: digits, optionally ".digits" (AICB prints some values as Python floats). Returns the
// integer part and whether a non-zero fraction was cut off, as SimAI's std::stoi does.
std::optional<std::pair<std::int64_t, bool>> parse_header_number(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = parse_uint(text.substr(0, dot));
  if (!whole) return std::nullopt;
  if (dot == std::string_view::npos) return std::pair{*whole, false};
  const std::string_view frac = text.substr(dot + 1);
  if (frac.empty() || frac.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::pair{*whole, frac.find_first_not_of('0') != std::string_view::npos};
}

struct Comm {
  std::string type;   // native collective type, "" for NONE or an ignored type
  bool ignored = false;  // BROADCAST: SimAI's parser maps it to no communication
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
  } else if (base == "BROADCAST" && base.size() == type.size()) {
    c.ignored = true;  // in AICB's older examples (a "norm" layer); SimAI decodes it as ComType::None
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
                         "\" is not NONE, BROADCAST, ALLREDUCE, ALLGATHER, REDUCESCATTER or ALLTOALL (optionally _EP or "
                         "_DP_EP)");
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

  // Header: optional parallelism type, then "key: value" pairs. SimAI also accepts "pp_comm <n>"
  // without a colon, and AICB writes pp_comm as a Python float ("pp_comm: 4194304.0"); SimAI reads
  // values with std::stoi, so a fraction is cut off (recorded as an assumption when not zero).
  // "checkpoints: k" and "checkpoint_initiates: k" are followed by k layer indices.
  const std::size_t header_line = lines[0].first;
  const auto tokens = split_ws(lines[0].second);
  std::string parallelism_type;
  std::map<std::string, std::int64_t> keys;
  std::map<std::string, std::vector<std::int64_t>> layer_lists;
  bool fraction_cut = false;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    std::string_view key = tokens[t];
    const bool colon = key.back() == ':';
    if (colon) key.remove_suffix(1);
    const auto value = t + 1 < tokens.size() ? parse_header_number(tokens[t + 1]) : std::nullopt;
    if (t == 0 && !colon && !value) {
      parallelism_type = std::string(key);
      continue;
    }
    if (!value) {
      fail(file_label, header_line, "header key \"" + std::string(key) + "\" needs a non-negative number value");
    }
    fraction_cut = fraction_cut || value->second;
    std::string name(key == "expert_parallel_npu_group" ? std::string_view("ep") : key);  // AICB's multi-all-reduce header
    if (!keys.emplace(name, value->first).second) {
      fail(file_label, header_line, "header key \"" + name + "\" appears twice");
    }
    ++t;
    if (name == "checkpoints" || name == "checkpoint_initiates") {
      auto& list = layer_lists[name];
      for (std::int64_t k = 0; k < value->first; ++k) {
        const auto layer = t + 1 < tokens.size() ? parse_uint(tokens[t + 1]) : std::nullopt;
        if (!layer) {
          fail(file_label, header_line, "\"" + name + ": " + std::to_string(value->first) + "\" must be followed by " +
                                            std::to_string(value->first) + " layer indices");
        }
        list.push_back(*layer);
        ++t;
      }
    }
  }
  if (parallelism_type == "MICRO" && keys.empty()) {
    fail(file_label, header_line, "a MICRO workload does not state all_gpus (SimAI takes it from the topology); "
                                  "write a HYBRID_TRANSFORMER_FWD_IN_BCKWD header with model_parallel_NPU_group: 1 "
                                  "ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: N instead");
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
  // vpp: AICB writes the layers per pipeline stage here; SimAI uses it only in its analytic pipeline
  // estimate. Required because SimAI flags a header without it as a format mismatch.
  (void)required("vpp");
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
    auto ns = [&, line_no = line_no](std::size_t col, const char* what) {  // clang 14: no capture of a binding
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
    if (c.ignored) {
      ++dropped["BROADCAST (SimAI's parser ignores it)"];
      return dep;
    }
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
  // One pass over the lines as listed, as SimAI runs it: AICB writes the ga micro-batches out as
  // repeated layer lines, so ga is not a repeat count here.
  const std::size_t n = layers.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string li = std::to_string(i);
    prev = compute(concat({"fwd", li}), layers[i].compute_ns[0], prev);
    prev = comm(layers[i].comm[0], concat({"fwd", li, "_comm"}), prev);
  }
  for (std::size_t r = n; r-- > 0;) {
    const std::string li = std::to_string(r);
    prev = compute(concat({"ig", li}), layers[r].compute_ns[1], prev);
    prev = comm(layers[r].comm[1], concat({"ig", li, "_comm"}), prev);
    prev = compute(concat({"wg", li}), layers[r].compute_ns[2], prev);
    // The weight-gradient comm is non-blocking: it overlaps the rest of the backward pass; the
    // layer's update time follows it.
    const std::string synced = comm(layers[r].comm[2], concat({"wg", li, "_comm"}), prev);
    compute(concat({"update", li}), layers[r].update_ns, synced);
  }
  const auto pp_comm = keys.find("pp_comm");
  const std::int64_t pp_bytes = pp_comm == keys.end() ? 0 : pp_comm->second;
  if (pp > 1) {
    ++assumptions["pp > 1: pipeline-stage send/recv (pp_comm " + std::to_string(pp_bytes) +
                  " bytes per micro-batch and direction) not simulated, as in SimAI's network run; every rank runs "
                  "the listed layers (one stage's)"];
  }
  if (fraction_cut) ++assumptions["a header value with a fraction was cut to its integer part (as SimAI's std::stoi)"];
  for (const auto& [list_name, list] : layer_lists) {
    if (!list.empty()) ++assumptions[list_name + ": activation recompute (forward in backward) not modelled"];
  }
  if (dep_used) ++assumptions["layer dep column ignored (layers run in file order)"];
  order_ops_by_deps(ops, file_label);

  nlohmann::json extra = nlohmann::json::object();
  for (const auto& [k, v] : keys) extra[k] = v;
  for (const auto& [k, list] : layer_lists) {
    if (!list.empty()) extra[k + "_layers"] = list;
  }
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
                           {"passes", 1},
                           {"dropped", dropped},
                           {"assumptions", assumptions}};
  return {{"name", name}, {"jobs", nlohmann::json::array({std::move(job)})}, {"import_report", std::move(report)}};
}

nlohmann::json read_simai(const std::string& path) { return read_simai_text(read_whole_file(path), path); }

}  // namespace rocesim::workload
