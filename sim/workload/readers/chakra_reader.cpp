#include "workload/readers/chakra_reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "core/config_error.hpp"
#include "core/units.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

namespace fs = std::filesystem;

constexpr int kDropped = -1;

std::string record_of(const ChakraNode& n) { return "record " + std::to_string(n.record); }

// Native type for a supported CollectiveCommType, or "" when unsupported.
std::string native_collective(std::int64_t comm_type) {
  switch (static_cast<ChakraCollective>(comm_type)) {
    case ChakraCollective::kAllReduce: return "all_reduce";
    case ChakraCollective::kAllGather: return "all_gather";
    case ChakraCollective::kReduceScatter: return "reduce_scatter";
    case ChakraCollective::kAllToAll: return "all_to_all";
    case ChakraCollective::kBroadcast: return "broadcast";
    default: return "";
  }
}

struct Op {
  std::string id;
  nlohmann::json body;                          // everything but "deps"
  std::vector<std::pair<std::size_t, std::size_t>> nodes;  // (rank, node index) it stands for
};

class Converter {
 public:
  Converter(const std::vector<ChakraRankTrace>& ranks) : ranks_(ranks), op_of_(ranks.size()) {
    for (std::size_t r = 0; r < ranks_.size(); ++r) op_of_[r].assign(ranks_[r].nodes.size(), kDropped);
  }

  nlohmann::json run(const std::string& name);

 private:
  void drop(const std::string& why) { ++dropped_[why]; }
  void assume(const std::string& what) { ++assumptions_[what]; }
  std::size_t add_op(std::string id, nlohmann::json body) {
    ops_.push_back(Op{std::move(id), std::move(body), {}});
    return ops_.size() - 1;
  }
  void bind(std::size_t op, std::size_t rank, std::size_t node) {
    op_of_[rank][node] = static_cast<int>(op);
    ops_[op].nodes.emplace_back(rank, node);
  }
  [[noreturn]] void fail(std::size_t rank, const ChakraNode& n, const std::string& msg) const {
    throw ConfigError(ranks_[rank].file, record_of(n), "node " + std::to_string(n.id) + ": " + msg);
  }

  void classify();
  void add_compute(std::size_t rank, std::size_t node);
  void count_dangling();
  void serialize_compute();
  void build_collectives();
  void build_p2p();
  void index_nodes();
  const std::vector<std::size_t>& resolve_dropped(std::size_t rank, std::size_t node);
  std::vector<std::size_t> parents(std::size_t rank, std::size_t node) const;

  const std::vector<ChakraRankTrace>& ranks_;
  std::vector<std::vector<int>> op_of_;  // per rank, per node: op index or kDropped
  std::vector<Op> ops_;
  std::map<std::string, std::int64_t> dropped_, assumptions_, converted_, dangling_;
  std::int64_t dangling_nodes_ = 0;
  std::int64_t mem_bytes_ = 0;  // tensor_size of the dropped memory nodes
  std::vector<int> queue_of_op_;          // compute ops: 0 CPU, 1 GPU; other ops: -1
  std::vector<int> serial_prev_;          // the previous op of the same rank and queue, or -1
  std::optional<std::tuple<std::size_t, std::uint64_t, std::uint64_t>> first_dangling_;  // (rank, node, dep)
  nlohmann::json communicators_ = nlohmann::json::array();
  // Collectives per communicator (pg_name, "" = every rank), per rank, in file order.
  std::map<std::string, std::vector<std::vector<std::size_t>>> collectives_;
  using P2pKey = std::tuple<std::int64_t, std::int64_t, std::int64_t>;  // (src, dst, tag)
  std::map<P2pKey, std::vector<std::size_t>> sends_, recvs_;           // node indices in file order
  std::vector<std::unordered_map<std::uint64_t, std::size_t>> index_;  // node id → index (lookups only)
  std::vector<std::vector<std::vector<std::size_t>>> dropped_memo_;
  std::vector<std::vector<char>> dropped_state_;  // 0 new, 1 in progress, 2 done
};

void Converter::index_nodes() {
  index_.resize(ranks_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    index_[r].reserve(ranks_[r].nodes.size() * 2);
    for (std::size_t i = 0; i < ranks_[r].nodes.size(); ++i) {
      if (!index_[r].emplace(ranks_[r].nodes[i].id, i).second) fail(r, ranks_[r].nodes[i], "duplicate node id");
    }
  }
}

// ASTRA-sim's rule: a COMP_NODE, or any node flagged is_cpu_op (the host-side launch of a
// collective included), takes its duration_micros on its rank; one with neither a duration nor
// num_ops is skipped. num_ops alone would need a roofline peak rate, which the trace does not hold.
void Converter::add_compute(std::size_t rank, std::size_t node) {
  const ChakraNode& n = ranks_[rank].nodes[node];
  const std::string what = chakra_node_type_name(n.type) + (n.is_cpu_op ? " (is_cpu_op)" : "");
  if (n.duration_micros == 0) {
    drop(what + (n.num_ops.value_or(0) > 0 ? " with num_ops but no duration_micros" : " with zero duration"));
    return;
  }
  if (n.duration_micros > static_cast<std::uint64_t>(INT64_MAX / 1000000)) fail(rank, n, "duration_micros overflows");
  const Time d = Time::from_us(static_cast<std::int64_t>(n.duration_micros));
  const std::size_t op = add_op(concat({"r", std::to_string(rank), "_n", std::to_string(n.id)}),
                                {{"type", "compute"}, {"duration", to_string(d)}, {"ranks", nlohmann::json::array({rank})}});
  bind(op, rank, node);
  queue_of_op_.resize(ops_.size(), -1);
  queue_of_op_[op] = n.is_cpu_op ? 0 : 1;
  ++converted_[what];
}

// Chakra's PyTorch converter keeps ctrl_deps on callers it did not write (the thread root, filtered
// CPU ops), so a rank's file may name nodes it does not hold. Those dependencies are dropped and
// counted here once; parents() then skips them.
void Converter::count_dangling() {
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    for (const ChakraNode& n : ranks_[r].nodes) {
      bool any = false;
      for (const auto& [list, kind] : {std::pair{&n.data_deps, "data_deps"}, std::pair{&n.ctrl_deps, "ctrl_deps"}}) {
        for (const std::uint64_t dep : *list) {
          if (index_[r].count(dep) != 0) continue;
          ++dangling_[kind];
          any = true;
          if (!first_dangling_) first_dangling_ = {r, n.id, dep};
        }
      }
      if (any) ++dangling_nodes_;
    }
  }
}

// ASTRA-sim's hardware resource rule: a rank runs one CPU op and one GPU kernel at a time. The
// native format has no per-rank queues, so each compute op waits for the previous one of its rank
// and kind, in the order ASTRA-sim's feeder would issue them: a topological order of the rank's
// data_deps that takes the lowest ready node id first.
void Converter::serialize_compute() {
  queue_of_op_.resize(ops_.size(), -1);
  serial_prev_.assign(ops_.size(), -1);
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    const std::size_t count = ranks_[r].nodes.size();
    std::vector<std::vector<std::size_t>> children(count);
    std::vector<std::size_t> waiting(count, 0);
    for (std::size_t i = 0; i < count; ++i) {
      for (const std::size_t p : parents(r, i)) {
        children[p].push_back(i);
        ++waiting[i];
      }
    }
    // Min-heap on node id (ids are unique within a file).
    auto later = [&](std::size_t a, std::size_t b) { return ranks_[r].nodes[a].id > ranks_[r].nodes[b].id; };
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < count; ++i) {
      if (waiting[i] == 0) ready.push_back(i);
    }
    std::make_heap(ready.begin(), ready.end(), later);
    // Per queue: the last op and its position; per node: the highest position among its ancestors
    // in this rank's file, so that a wait already implied by the dependencies is not added again.
    std::array<int, 2> last{-1, -1};
    std::array<std::int64_t, 2> position{-1, -1};
    std::vector<std::array<std::int64_t, 2>> reach(count, {-1, -1});
    while (!ready.empty()) {
      std::pop_heap(ready.begin(), ready.end(), later);
      const std::size_t i = ready.back();
      ready.pop_back();
      const int op = op_of_[r][i];
      if (op != kDropped && queue_of_op_[static_cast<std::size_t>(op)] >= 0) {
        const auto q = static_cast<std::size_t>(queue_of_op_[static_cast<std::size_t>(op)]);
        if (reach[i][q] < position[q]) serial_prev_[static_cast<std::size_t>(op)] = last[q];
        last[q] = op;
        reach[i][q] = ++position[q];
      }
      for (const std::size_t c : children[i]) {
        reach[c][0] = std::max(reach[c][0], reach[i][0]);
        reach[c][1] = std::max(reach[c][1], reach[i][1]);
        if (--waiting[c] == 0) {
          ready.push_back(c);
          std::push_heap(ready.begin(), ready.end(), later);
        }
      }
    }
    // Nodes left waiting sit on a cycle, which the dependency pass reports.
  }
}

void Converter::classify() {
  const auto world = static_cast<std::int64_t>(ranks_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    const auto& nodes = ranks_[r].nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const ChakraNode& n = nodes[i];
      const auto type = static_cast<ChakraNodeType>(n.type);
      const bool runs_as_compute =
          type == ChakraNodeType::kComp ||
          (n.is_cpu_op && (type == ChakraNodeType::kCommColl || type == ChakraNodeType::kCommSend ||
                           type == ChakraNodeType::kCommRecv));
      if (runs_as_compute) {
        add_compute(r, i);
        continue;
      }
      switch (type) {
        case ChakraNodeType::kCommColl: {
          if (!n.comm_type) { drop("COMM_COLL_NODE without comm_type"); break; }
          if (native_collective(*n.comm_type).empty()) { drop("COMM_COLL_NODE " + chakra_collective_name(*n.comm_type)); break; }
          if (!n.comm_size) { drop("COMM_COLL_NODE without comm_size"); break; }
          if (*n.comm_size < 0) fail(r, n, "negative comm_size");
          if (*n.comm_size == 0) { drop("COMM_COLL_NODE with comm_size 0"); break; }
          auto& per_rank = collectives_[n.pg_name.value_or("")];
          per_rank.resize(ranks_.size());
          per_rank[r].push_back(i);
          break;
        }
        case ChakraNodeType::kCommSend: {
          if (!n.comm_dst || !n.comm_size) { drop("COMM_SEND_NODE without comm_dst or comm_size"); break; }
          if (*n.comm_dst < 0 || *n.comm_dst >= world) {
            fail(r, n, "comm_dst " + std::to_string(*n.comm_dst) + " is outside the " + std::to_string(world) + " ranks of this trace");
          }
          if (*n.comm_dst == static_cast<std::int64_t>(r)) fail(r, n, "sends to its own rank");
          if (*n.comm_size <= 0) fail(r, n, "comm_size must be positive");
          sends_[{static_cast<std::int64_t>(r), *n.comm_dst, n.comm_tag.value_or(0)}].push_back(i);
          break;
        }
        case ChakraNodeType::kCommRecv: {
          if (!n.comm_src) { drop("COMM_RECV_NODE without comm_src"); break; }
          if (*n.comm_src < 0 || *n.comm_src >= world) {
            fail(r, n, "comm_src " + std::to_string(*n.comm_src) + " is outside the " + std::to_string(world) + " ranks of this trace");
          }
          recvs_[{*n.comm_src, static_cast<std::int64_t>(r), n.comm_tag.value_or(0)}].push_back(i);
          break;
        }
        case ChakraNodeType::kMemLoad:
        case ChakraNodeType::kMemStore:
          drop(chakra_node_type_name(n.type) + " (remote memory access, not modelled)");
          mem_bytes_ += n.tensor_size.value_or(0);
          break;
        default:
          drop(chakra_node_type_name(n.type));
      }
    }
  }
}

void Converter::build_collectives() {
  std::size_t pg_index = 0;
  for (const auto& [pg, per_rank] : collectives_) {  // std::map: sorted by pg_name
    std::vector<std::size_t> members;
    for (std::size_t r = 0; r < per_rank.size(); ++r) {
      if (!per_rank[r].empty() || pg.empty()) members.push_back(r);
    }
    const std::string label = pg.empty() ? "world" : "pg" + std::to_string(pg_index++);
    const std::string pg_text = pg.empty() ? "collectives without pg_name (all ranks)" : "communicator pg_name \"" + pg + "\"";
    const std::size_t count = per_rank[members.front()].size();
    for (const std::size_t r : members) {
      if (per_rank[r].size() != count) {
        throw ConfigError(ranks_[r].file, "", pg_text + ": rank " + std::to_string(r) + " has " +
                                                  std::to_string(per_rank[r].size()) + " collectives but rank " +
                                                  std::to_string(members.front()) + " has " + std::to_string(count));
      }
    }
    const bool whole_world = members.size() == ranks_.size();
    communicators_.push_back({{"id", label}, {"pg_name", pg}, {"ranks", members}});
    if (members.size() == 1) {
      // A one-rank communicator moves no data; its nodes stay dropped and pass their deps on.
      dropped_["COMM_COLL_NODE on a one-rank communicator"] += static_cast<std::int64_t>(count);
      continue;
    }
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t r0 = members.front();
      const ChakraNode& first = ranks_[r0].nodes[per_rank[r0][k]];
      std::int64_t bytes = *first.comm_size;
      bool sizes_differ = false;
      for (const std::size_t r : members) {
        const ChakraNode& n = ranks_[r].nodes[per_rank[r][k]];
        if (*n.comm_type != *first.comm_type) {
          fail(r, n, pg_text + ", collective #" + std::to_string(k) + " is " + chakra_collective_name(*n.comm_type) +
                         " here but " + chakra_collective_name(*first.comm_type) + " on rank " + std::to_string(r0));
        }
        if (*n.comm_size != bytes) sizes_differ = true;
        bytes = std::max(bytes, *n.comm_size);
      }
      if (sizes_differ) assume("collective comm_size differs across ranks: the largest is used");
      const std::string type = native_collective(*first.comm_type);
      if (type == "all_gather") bytes *= static_cast<std::int64_t>(members.size());
      nlohmann::json body = {{"type", type}, {"bytes", bytes}};
      if (whole_world) {
        body["group"] = "world";
      } else {
        body["ranks"] = members;
      }
      if (type == "broadcast") {
        body["root"] = 0;  // a position in the communicator: its lowest rank
        assume("BROADCAST root is not in Chakra traces: the lowest member rank is used");
      }
      const std::size_t op = add_op(label + "_c" + std::to_string(k), std::move(body));
      for (const std::size_t r : members) bind(op, r, per_rank[r][k]);
    }
  }
}

void Converter::build_p2p() {
  for (const auto& [key, send_nodes] : sends_) {
    const auto [src, dst, tag] = key;
    const auto recv_it = recvs_.find(key);
    const std::size_t recv_count = recv_it == recvs_.end() ? 0 : recv_it->second.size();
    for (std::size_t k = 0; k < send_nodes.size(); ++k) {
      const auto s = static_cast<std::size_t>(src);
      const ChakraNode& n = ranks_[s].nodes[send_nodes[k]];
      const std::size_t op = add_op(concat({"p", std::to_string(src), "_", std::to_string(dst), "_t",
                                                  std::to_string(tag), "_", std::to_string(k)}),
                                    {{"type", "send"}, {"src", src}, {"dst", dst}, {"bytes", *n.comm_size}, {"qp", 0}});
      bind(op, s, send_nodes[k]);
      if (k < recv_count) {
        bind(op, static_cast<std::size_t>(dst), recv_it->second[k]);
      } else {
        assume("COMM_SEND_NODE without a matching COMM_RECV_NODE: sent anyway");
      }
    }
  }
  for (const auto& [key, recv_nodes] : recvs_) {
    const auto send_it = sends_.find(key);
    const std::size_t send_count = send_it == sends_.end() ? 0 : send_it->second.size();
    for (std::size_t k = send_count; k < recv_nodes.size(); ++k) drop("COMM_RECV_NODE without a matching COMM_SEND_NODE");
  }
}

// Only data_deps order execution, as in Chakra's feeder (src/feeder/et_feeder.cpp): every Chakra
// producer writes the execution order there, and the PyTorch converter's ctrl_deps are call-tree
// parents that may point the other way (a CPU op's ctrl dep on the kernel it launched).
std::vector<std::size_t> Converter::parents(std::size_t rank, std::size_t node) const {
  const ChakraNode& n = ranks_[rank].nodes[node];
  std::vector<std::size_t> out;
  out.reserve(n.data_deps.size());
  for (const std::uint64_t dep : n.data_deps) {
    const auto it = index_[rank].find(dep);
    if (it != index_[rank].end()) out.push_back(it->second);  // absent ones: count_dangling()
  }
  return out;
}

// The ops a dropped node stands in for: the ops among its ancestors reached through dropped nodes
// only. Iterative so long chains of dropped nodes cannot overflow the stack.
const std::vector<std::size_t>& Converter::resolve_dropped(std::size_t rank, std::size_t node) {
  auto& memo = dropped_memo_[rank];
  auto& state = dropped_state_[rank];
  std::vector<std::pair<std::size_t, std::vector<std::size_t>>> stack;  // (node, parents still to visit)
  auto enter = [&](std::size_t v) {
    state[v] = 1;
    stack.emplace_back(v, parents(rank, v));
  };
  if (state[node] == 2) return memo[node];
  enter(node);
  while (!stack.empty()) {
    auto& [v, todo] = stack.back();
    if (!todo.empty()) {
      const std::size_t p = todo.back();
      todo.pop_back();
      if (op_of_[rank][p] != kDropped) {
        memo[v].push_back(static_cast<std::size_t>(op_of_[rank][p]));
      } else if (state[p] == 2) {
        memo[v].insert(memo[v].end(), memo[p].begin(), memo[p].end());
      } else if (state[p] == 1) {
        fail(rank, ranks_[rank].nodes[p], "dependency cycle through nodes that are not converted");
      } else {
        enter(p);
      }
      continue;
    }
    std::sort(memo[v].begin(), memo[v].end());
    memo[v].erase(std::unique(memo[v].begin(), memo[v].end()), memo[v].end());
    state[v] = 2;
    const std::size_t done = v;
    stack.pop_back();
    if (!stack.empty()) {
      auto& parent_memo = memo[stack.back().first];
      parent_memo.insert(parent_memo.end(), memo[done].begin(), memo[done].end());
    }
  }
  return memo[node];
}

nlohmann::json Converter::run(const std::string& name) {
  index_nodes();
  count_dangling();
  classify();
  build_collectives();
  build_p2p();
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    for (std::size_t i = 0; i < ranks_[r].nodes.size(); ++i) {
      const ChakraNode& n = ranks_[r].nodes[i];
      const bool comm = n.type == static_cast<std::uint64_t>(ChakraNodeType::kCommColl) ||
                        n.type == static_cast<std::uint64_t>(ChakraNodeType::kCommSend) ||
                        n.type == static_cast<std::uint64_t>(ChakraNodeType::kCommRecv);
      if (comm && !n.is_cpu_op && op_of_[r][i] != kDropped) ++converted_[chakra_node_type_name(n.type)];
    }
  }
  serialize_compute();
  dropped_memo_.resize(ranks_.size());
  dropped_state_.resize(ranks_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    dropped_memo_[r].resize(ranks_[r].nodes.size());
    dropped_state_[r].assign(ranks_[r].nodes.size(), 0);
  }

  // Initial op order: by rank, then file order, at first appearance; the stable topological sort
  // below keeps it wherever dependencies allow.
  std::vector<char> placed(ops_.size(), 0);
  std::vector<std::size_t> order;
  order.reserve(ops_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    for (const int op : op_of_[r]) {
      if (op != kDropped && !placed[static_cast<std::size_t>(op)]) {
        placed[static_cast<std::size_t>(op)] = 1;
        order.push_back(static_cast<std::size_t>(op));
      }
    }
  }

  nlohmann::json ops = nlohmann::json::array();
  std::size_t node_count = 0;
  for (const auto& t : ranks_) node_count += t.nodes.size();
  for (const std::size_t o : order) {
    std::vector<std::size_t> deps;
    for (const auto& [r, i] : ops_[o].nodes) {
      for (const std::size_t p : parents(r, i)) {
        if (op_of_[r][p] != kDropped) {
          deps.push_back(static_cast<std::size_t>(op_of_[r][p]));
        } else {
          const auto& via = resolve_dropped(r, p);
          deps.insert(deps.end(), via.begin(), via.end());
        }
      }
    }
    if (const int prev = serial_prev_[o]; prev >= 0 && std::find(deps.begin(), deps.end(), prev) == deps.end()) {
      deps.push_back(static_cast<std::size_t>(prev));
      assume(queue_of_op_[o] == 0 ? "one CPU op at a time per rank (ASTRA-sim): waits added"
                                  : "one GPU kernel at a time per rank (ASTRA-sim): waits added");
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    nlohmann::json op = std::move(ops_[o].body);
    op["id"] = ops_[o].id;
    if (!deps.empty()) {
      nlohmann::json ids = nlohmann::json::array();
      for (const std::size_t d : deps) ids.push_back(ops_[d].id);
      op["deps"] = std::move(ids);
    }
    ops.push_back(std::move(op));
  }
  const std::string label = ranks_.empty() ? name : ranks_.front().file;
  order_ops_by_deps(ops, label);

  std::map<std::string, std::int64_t> unused;
  for (const auto& t : ranks_) {
    for (const auto& [what, count] : t.unused) unused[what] += count;
    for (const auto& n : t.nodes) {
      if (!n.ctrl_deps.empty()) unused["ctrl_deps (not ordering)"] += static_cast<std::int64_t>(n.ctrl_deps.size());
    }
  }
  nlohmann::json warnings = nlohmann::json::array();
  if (dangling_nodes_ > 0) {
    std::int64_t total = 0;
    std::string kinds;
    for (const auto& [kind, count] : dangling_) {
      total += count;
      kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(count);
    }
    const auto& [r, node, dep] = *first_dangling_;
    warnings.push_back(std::to_string(total) + " dependencies (" + kinds + ") of " + std::to_string(dangling_nodes_) +
                       " nodes name nodes absent from their rank's file (first: " + ranks_[r].file + " node " +
                       std::to_string(node) + " -> " + std::to_string(dep) + "); dropped");
  }
  nlohmann::json report = {{"format", "chakra"},
                           {"ranks", ranks_.size()},
                           {"nodes", node_count},
                           {"ops", ops.size()},
                           {"converted", converted_},
                           {"dropped", dropped_},
                           {"dangling_deps", dangling_},
                           {"unused", unused},
                           {"assumptions", assumptions_},
                           {"warnings", std::move(warnings)},
                           {"communicators", communicators_}};
  if (!ranks_.front().metadata.empty()) report["metadata"] = ranks_.front().metadata;
  if (mem_bytes_ > 0) report["memory_node_bytes_not_modelled"] = mem_bytes_;
  nlohmann::json job = {{"name", name},
                        {"world_size", ranks_.size()},
                        {"start", "0us"},
                        {"iterations", 1},
                        {"placement", {{"kind", "contiguous"}}},
                        {"ops", std::move(ops)}};
  return {{"name", name}, {"jobs", nlohmann::json::array({std::move(job)})}, {"import_report", std::move(report)}};
}

}  // namespace

nlohmann::json chakra_to_native(const std::vector<ChakraRankTrace>& ranks, const std::string& name) {
  if (ranks.empty()) throw ConfigError(name, "", "no Chakra rank traces");
  return Converter(ranks).run(name);
}

nlohmann::json read_chakra(const std::string& path) {
  const std::vector<std::string> files = chakra_rank_files(path);
  std::vector<ChakraRankTrace> ranks;
  ranks.reserve(files.size());
  std::uint64_t held = 0;
  for (const auto& f : files) {
    ranks.push_back(decode_chakra_file(f, held));
    held += ranks.back().decoded_bytes;
  }
  std::string name = fs::path(path).filename().string();
  if (name.empty()) name = fs::path(path).parent_path().filename().string();
  if (fs::is_regular_file(path)) name = fs::path(path).stem().string();
  return chakra_to_native(ranks, name.empty() ? "chakra" : name);
}

}  // namespace rocesim::workload
