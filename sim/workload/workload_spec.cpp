#include "workload/workload_spec.hpp"

#include <algorithm>
#include <bit>
#include <map>

#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "workload/trace_import.hpp"

namespace rocesim::workload {

const OpGroupArgs OpSpec::kNoArgs{};

std::string op_path(const JobSpec& job, std::size_t i) { return job.path + "/ops/" + std::to_string(i); }

const char* to_string(OpType t) {
  switch (t) {
    case OpType::compute: return "compute";
    case OpType::all_reduce: return "all_reduce";
    case OpType::reduce_scatter: return "reduce_scatter";
    case OpType::all_gather: return "all_gather";
    case OpType::all_to_all: return "all_to_all";
    case OpType::broadcast: return "broadcast";
    case OpType::send: return "send";
  }
  return "?";
}

bool is_collective(OpType t) { return t != OpType::compute && t != OpType::send; }

CollectiveKind collective_kind(OpType t) {
  switch (t) {
    case OpType::reduce_scatter: return CollectiveKind::reduce_scatter;
    case OpType::all_gather: return CollectiveKind::all_gather;
    case OpType::all_to_all: return CollectiveKind::all_to_all;
    case OpType::broadcast: return CollectiveKind::broadcast;
    default: return CollectiveKind::all_reduce;
  }
}

namespace {

constexpr std::uint32_t kMaxRanks = 1u << 24;

std::uint32_t rank_at(const nlohmann::json& v, const std::string& file, const std::string& path, std::uint32_t world) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= world) {
    throw ConfigError(file, path, "expected a rank in [0, " + std::to_string(world) + "), got " + v.dump());
  }
  return v.get<std::uint32_t>();
}

Algorithm parse_algorithm(JsonReader& r, OpType type) {
  const CollectiveKind kind = collective_kind(type);
  const auto valid = algorithms_for(kind);
  if (!r.has("algorithm")) return valid.front();
  const std::string name = r.string("algorithm");
  for (Algorithm a : valid) {
    if (name == to_string(a)) return a;
  }
  std::string list;
  for (Algorithm a : valid) list += (list.empty() ? "" : ", ") + std::string(to_string(a));
  r.fail("algorithm", "unknown or inapplicable algorithm \"" + name + "\" for " + to_string(type) + " (valid: " + list +
                          ")");
}

// `deps`: the op ids it lists under "deps" (resolved to indices by order_ops).
OpSpec parse_op(const nlohmann::json& j, const std::string& file, const std::string& path, std::size_t index,
                std::uint32_t world, std::vector<std::string>& deps) {
  JsonReader r(j, file, path);
  OpSpec op;
  op.id = r.string_or("id", "op" + std::to_string(index));
  const std::string type = r.choice("type", {"compute", "all_reduce", "reduce_scatter", "all_gather", "all_to_all",
                                             "broadcast", "send"});
  for (OpType t : {OpType::compute, OpType::all_reduce, OpType::reduce_scatter, OpType::all_gather, OpType::all_to_all,
                   OpType::broadcast, OpType::send}) {
    if (type == to_string(t)) op.type = t;
  }
  auto read_ranks = [&] {
    const auto& arr = r.array("ranks");
    std::vector<std::uint32_t> ranks;
    std::vector<bool> seen(world, false);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::uint32_t x = rank_at(arr[i], file, r.element_path("ranks", i), world);
      if (seen[x]) throw ConfigError(file, r.element_path("ranks", i), "rank " + std::to_string(x) + " is listed twice");
      seen[x] = true;
      ranks.push_back(x);
    }
    if (ranks.empty()) r.fail("ranks", "expected at least one rank");
    op.mutable_args().ranks = std::move(ranks);
  };
  if (op.type == OpType::compute) {
    op.duration = r.time("duration");
    if (r.has("ranks")) read_ranks();
  } else if (op.type == OpType::send) {
    op.bytes = r.bytes("bytes", 1);
    op.qp = static_cast<std::uint32_t>(r.integer_or("qp", 0, 0, 65535));
    if (r.has("group")) {
      OpGroupArgs& a = op.mutable_args();
      a.group = r.string("group");
      a.shift = static_cast<std::int32_t>(r.integer("shift", -static_cast<std::int64_t>(kMaxRanks), kMaxRanks));
      if (a.shift == 0) r.fail("shift", "shift must not be 0 (a rank cannot send to itself)");
    } else {
      op.src = rank_at(r.raw("src"), file, r.path_of("src"), world);
      op.dst = rank_at(r.raw("dst"), file, r.path_of("dst"), world);
      if (op.src == op.dst) r.fail("dst", "send from rank " + std::to_string(op.src) + " to itself");
    }
  } else {
    OpGroupArgs& a = op.mutable_args();
    op.bytes = r.bytes("bytes", 1);
    if (r.has("ranks") && r.has("group")) r.fail("ranks", "give either \"group\" or \"ranks\", not both");
    if (r.has("ranks")) {
      read_ranks();
    } else {
      a.group = r.string_or("group", "world");
    }
    op.algorithm = parse_algorithm(r, op.type);
    if (op.algorithm == Algorithm::nccl) {
      if (r.has("channels")) {
        r.fail("channels", "the nccl all-to-all splits each message over p2p channels: set p2p_channels and "
                           "channels_per_peer instead");
      }
      a.p2p_channels = static_cast<std::uint32_t>(r.integer_or("p2p_channels", 32, 1, 64));
      if (!std::has_single_bit(a.p2p_channels)) r.fail("p2p_channels", "expected a power of two in [1, 64]");
      if (r.has("channels_per_peer")) {
        a.channels_per_peer = static_cast<std::uint32_t>(r.integer("channels_per_peer", 1, a.p2p_channels));
        if (!std::has_single_bit(a.channels_per_peer)) {
          r.fail("channels_per_peer", "expected a power of two <= p2p_channels (" + std::to_string(a.p2p_channels) + ")");
        }
      }
      a.qps_per_connection = static_cast<std::uint32_t>(r.integer_or("qps_per_connection", 1, 1, 128));
      a.pxn = r.boolean_or("pxn", true);
    }
    a.channels = static_cast<std::uint32_t>(r.integer_or("channels", 1, 1, 65536));
    if (op.algorithm == Algorithm::ring || op.algorithm == Algorithm::double_binary_tree ||
        op.algorithm == Algorithm::hierarchical || (op.type == OpType::broadcast && op.algorithm == Algorithm::ring)) {
      a.chunks = static_cast<std::uint32_t>(r.integer_or("chunks", 1, 1, 1 << 20));
    }
    const bool ring_family = (op.algorithm == Algorithm::ring && op.type != OpType::broadcast) ||
                             (op.algorithm == Algorithm::hierarchical && op.type == OpType::all_reduce);
    if (ring_family) {
      a.rings = static_cast<std::uint32_t>(r.integer_or("rings", 1, 1, 64));
    } else if (r.has("rings")) {
      r.fail("rings", "only ring reduce-scatter / all-gather / all-reduce and the hierarchical all-reduce take \"rings\"");
    }
    if (op.type == OpType::all_to_all) {
      // nccl: no cap unless given (NCCL's own batching decides); pairwise/rail_aligned: one peer at a time.
      const std::int64_t fallback = op.algorithm == Algorithm::nccl ? 0 : 1;
      a.max_concurrent = static_cast<std::uint32_t>(r.integer_or("max_concurrent", fallback, 1, kMaxRanks));
    }
    if (op.type == OpType::broadcast) a.root = static_cast<std::uint32_t>(r.integer_or("root", 0, 0, kMaxRanks));
  }
  if (r.has("start")) op.start = r.time("start");
  if (r.has("deps")) {
    const auto& arr = r.array("deps");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) throw ConfigError(file, r.element_path("deps", i), "expected an op id string");
      deps.push_back(arr[i].get<std::string>());
    }
  }
  r.finish();
  return op;
}

PlacementSpec parse_placement(JsonReader r) {
  PlacementSpec p;
  const std::string kind = r.choice("kind", {"contiguous", "strided", "random", "explicit"});
  if (kind == "strided") {
    p.kind = PlacementSpec::Kind::strided;
    p.stride = static_cast<std::uint32_t>(r.integer("stride", 1, kMaxRanks));
  } else if (kind == "random") {
    p.kind = PlacementSpec::Kind::random;
    p.seed = static_cast<std::uint64_t>(r.integer_or("seed", 0, 0, INT64_MAX));
  } else if (kind == "explicit") {
    p.kind = PlacementSpec::Kind::explicit_list;
    const auto& arr = r.array("endpoints");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_number_integer() || arr[i].get<std::int64_t>() < 0 || arr[i].get<std::int64_t>() > UINT32_MAX) {
        throw ConfigError(r.file(), r.element_path("endpoints", i), "expected an endpoint index, got " + arr[i].dump());
      }
      p.endpoints.push_back(arr[i].get<std::uint32_t>());
    }
  }
  r.finish();
  return p;
}

// Resolves every op's dependency ids to indices (job.dep_begin / dep_ops) and orders ops so
// dependencies come first; throws ConfigError naming a cycle or an unknown id.
std::vector<std::uint32_t> order_ops(JobSpec& job, const std::vector<std::vector<std::string>>& dep_ids,
                                     const std::string& file) {
  const std::size_t n = job.ops.size();
  std::map<std::string, std::uint32_t> index;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!index.emplace(job.ops[i].id, i).second) {
      throw ConfigError(file, op_path(job, i) + "/id", "duplicate op id \"" + job.ops[i].id + "\"");
    }
  }
  std::vector<std::vector<std::uint32_t>> deps(n);
  bool any = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dep_ids[i].size(); ++d) {
      const auto it = index.find(dep_ids[i][d]);
      if (it == index.end()) {
        throw ConfigError(file, op_path(job, i) + "/deps/" + std::to_string(d),
                          "unknown op id \"" + dep_ids[i][d] + "\"");
      }
      deps[i].push_back(it->second);
      any = true;
    }
  }
  if (any) {
    job.dep_begin.assign(1, 0);
    for (std::uint32_t i = 0; i < n; ++i) {
      job.dep_ops.insert(job.dep_ops.end(), deps[i].begin(), deps[i].end());
      job.dep_begin.push_back(static_cast<std::uint32_t>(job.dep_ops.size()));
    }
  }
  // Iterative depth-first search; a dependency on an op still on the stack closes a cycle.
  std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::uint32_t> order, stack;
  std::vector<std::size_t> next(n, 0);
  for (std::uint32_t root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    stack.push_back(root);
    state[root] = 1;
    while (!stack.empty()) {
      const std::uint32_t v = stack.back();
      if (next[v] < deps[v].size()) {
        const std::uint32_t w = deps[v][next[v]++];
        if (state[w] == 1) {
          std::string cycle = job.ops[w].id;
          const auto from = std::find(stack.begin(), stack.end(), w);
          for (auto it = from + 1; it != stack.end(); ++it) cycle += " -> " + job.ops[*it].id;
          cycle += " -> " + job.ops[w].id;
          throw ConfigError(file, job.path + "/ops", "dependency cycle: " + cycle + " (each op waits for the next)");
        }
        if (state[w] == 0) {
          state[w] = 1;
          stack.push_back(w);
        }
      } else {
        state[v] = 2;
        order.push_back(v);
        stack.pop_back();
      }
    }
  }
  return order;
}

JobSpec parse_job(const nlohmann::json& j, const std::string& file, const std::string& path, std::size_t index) {
  JsonReader r(j, file, path);
  JobSpec job;
  job.path = path;
  job.name = r.string_or("name", "job" + std::to_string(index));
  job.world_size = static_cast<std::uint32_t>(r.integer("world_size", 1, kMaxRanks));
  job.start = r.time_or("start", Time{});
  job.iterations = static_cast<std::uint32_t>(r.integer_or("iterations", 1, 1, 1000000));
  job.traffic_class = static_cast<std::uint8_t>(r.integer_or("traffic_class", 0, 0, 5));
  if (auto p = r.object_opt("placement")) job.placement = parse_placement(*p);
  job.parallelism.dp = job.world_size;
  if (auto p = r.object_opt("parallelism")) {
    Parallelism& par = job.parallelism;
    par.tp = static_cast<std::uint32_t>(p->integer_or("tp", 1, 1, kMaxRanks));
    par.cp = static_cast<std::uint32_t>(p->integer_or("cp", 1, 1, kMaxRanks));
    par.ep = static_cast<std::uint32_t>(p->integer_or("ep", 1, 1, kMaxRanks));
    par.pp = static_cast<std::uint32_t>(p->integer_or("pp", 1, 1, kMaxRanks));
    const std::uint64_t rest = std::uint64_t{par.tp} * par.cp * par.pp;
    par.dp = p->has("dp") ? static_cast<std::uint32_t>(p->integer("dp", 1, kMaxRanks))
                          : static_cast<std::uint32_t>(job.world_size % rest == 0 ? job.world_size / rest : 0);
    if (p->has("order")) {
      const std::string err = parse_order(p->string("order"), par.order);
      if (!err.empty()) p->fail("order", err);
    }
    const std::string err = validate(par, job.world_size);
    if (!err.empty()) p->fail_here(err);
    p->finish();
  }
  const auto& ops = r.array("ops");
  std::vector<std::vector<std::string>> dep_ids(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    job.ops.push_back(parse_op(ops[i], file, r.element_path("ops", i), i, job.world_size, dep_ids[i]));
  }
  r.finish();
  job.topo_order = order_ops(job, dep_ids, file);
  return job;
}

}  // namespace

WorkloadSpec parse_workload(const nlohmann::json& doc, const std::string& file) {
  JsonReader r(doc, file);
  WorkloadSpec spec;
  spec.file = file;
  spec.name = r.string_or("name", "workload");
  const auto& jobs = r.array("jobs");
  if (jobs.empty()) r.fail("jobs", "expected at least one job");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    spec.jobs.push_back(parse_job(jobs[i], file, r.element_path("jobs", i), i));
  }
  // Produced by trace importers; carried through to reports as is.
  if (r.has("import_report")) r.raw("import_report");
  r.finish();
  return spec;
}

nlohmann::json to_json(const WorkloadSpec& spec) {
  using nlohmann::json;
  json jobs = json::array();
  for (const JobSpec& job : spec.jobs) {
    json placement{{"kind", to_string(job.placement.kind)}};
    if (job.placement.kind == PlacementSpec::Kind::strided) placement["stride"] = job.placement.stride;
    if (job.placement.kind == PlacementSpec::Kind::random) placement["seed"] = job.placement.seed;
    if (job.placement.kind == PlacementSpec::Kind::explicit_list) placement["endpoints"] = job.placement.endpoints;
    const Parallelism& p = job.parallelism;
    json ops = json::array();
    for (std::size_t i = 0; i < job.ops.size(); ++i) {
      const OpSpec& op = job.ops[i];
      const OpGroupArgs& a = op.args();
      json o{{"id", op.id}, {"type", to_string(op.type)}};
      if (op.type == OpType::compute) {
        o["duration"] = rocesim::to_string(op.duration);
      } else {
        o["bytes"] = op.bytes.n;
      }
      if (a.ranks) o["ranks"] = *a.ranks;
      if (is_collective(op.type)) {
        if (!a.ranks) o["group"] = a.group;
        o["algorithm"] = to_string(op.algorithm);
        o["channels"] = a.channels;
        if (op.algorithm == Algorithm::ring || op.algorithm == Algorithm::double_binary_tree ||
            op.algorithm == Algorithm::hierarchical) {
          o["chunks"] = a.chunks;
        }
        if (a.rings != 1) o["rings"] = a.rings;
        if (op.type == OpType::all_to_all && a.max_concurrent > 0) o["max_concurrent"] = a.max_concurrent;
        if (op.algorithm == Algorithm::nccl) {
          o.erase("channels");
          o["p2p_channels"] = a.p2p_channels;
          if (a.channels_per_peer > 0) o["channels_per_peer"] = a.channels_per_peer;
          o["qps_per_connection"] = a.qps_per_connection;
          o["pxn"] = a.pxn;
        }
        if (op.type == OpType::broadcast) o["root"] = a.root;
      }
      if (op.type == OpType::send) {
        if (a.shift != 0) {
          o["group"] = a.group;
          o["shift"] = a.shift;
        } else {
          o["src"] = op.src;
          o["dst"] = op.dst;
        }
        o["qp"] = op.qp;
      }
      if (op.start) o["start"] = rocesim::to_string(*op.start);
      if (!job.deps_of(i).empty()) {
        json deps = json::array();
        for (std::uint32_t d : job.deps_of(i)) deps.push_back(job.ops[d].id);
        o["deps"] = std::move(deps);
      }
      ops.push_back(std::move(o));
    }
    jobs.push_back(json{{"name", job.name},
                        {"world_size", job.world_size},
                        {"start", rocesim::to_string(job.start)},
                        {"iterations", job.iterations},
                        {"placement", placement},
                        {"parallelism",
                         {{"tp", p.tp}, {"cp", p.cp}, {"ep", p.ep}, {"dp", p.dp}, {"pp", p.pp}, {"order", p.order_string()}}},
                        {"ops", ops}});
    if (job.traffic_class != 0) jobs.back()["traffic_class"] = job.traffic_class;  // older reports unchanged
  }
  return json{{"name", spec.name}, {"jobs", jobs}};
}

nlohmann::json load_workload_document(const std::string& path) {
  if (std::optional<nlohmann::json> imported = import_trace(path)) return std::move(*imported);
  return load_json_file(path);
}

WorkloadSpec load_workload_file(const std::string& path) { return parse_workload(load_workload_document(path), path); }

nlohmann::json default_workload_json(std::uint32_t world) {
  return nlohmann::json::parse(R"({"name": "default-study", "jobs": [{"name": "job0", "world_size": )" +
                               std::to_string(world) + R"(, "ops": [
      {"id": "allreduce", "type": "all_reduce", "group": "world", "bytes": "64MiB", "algorithm": "ring"},
      {"id": "alltoall", "type": "all_to_all", "group": "world", "bytes": "16MiB", "deps": ["allreduce"]}]}]})");
}

}  // namespace rocesim::workload
