#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "core/json_reader.hpp"
#include "fixtures.hpp"
#include "topology/topology.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

using namespace rocesim;
using namespace rocesim::workload;

namespace {

std::vector<std::string> shipped_workloads() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ROCESIM_SOURCE_DIR) + "/workloads")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// 16384 accelerators in 2048 servers of 8 with a scale-up switch each, NICs on one switch: enough
// structure (scale-up nodes and rails) to lower the 16K-accelerator example without a 16K fabric's
// routing tables.
topology::Fabric big_fabric() {
  using namespace topology;
  FabricBuilder b("big", "test");
  const std::uint32_t servers = 2048, gpus = 8;
  b.reserve(servers * gpus + servers + 1, servers * gpus * 2);
  for (std::uint32_t e = 0; e < servers * gpus; ++e) b.add_accelerator(e / gpus, e % gpus, e / gpus, 0);
  const NodeId leaf = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  std::vector<NodeId> su;
  for (std::uint32_t s = 0; s < servers; ++s) su.push_back(b.add_scale_up_switch(s));
  for (std::uint32_t e = 0; e < servers * gpus; ++e) {
    b.add_link(e, leaf, test::kNic, test::kNicLatency, LinkKind::nic);
    b.add_link(e, su[e / gpus], test::kScaleUp, test::kScaleUpLatency, LinkKind::scale_up);
  }
  return std::move(b).build();
}

}  // namespace

TEST_CASE("every shipped workload parses, lowers, and (on the default fabric) runs to completion") {
  const auto files = shipped_workloads();
  REQUIRE(files.size() >= 4);
  const topology::Fabric def =
      topology::build_fabric(topology::parse_topology(topology::default_topology_json(), "<default>"));
  for (const auto& file : files) {
    CAPTURE(file);
    const WorkloadSpec spec = load_workload_file(file);
    std::uint64_t ranks = 0;
    for (const auto& j : spec.jobs) ranks += j.world_size;
    if (ranks > def.endpoints()) continue;  // the 16K example: lowered below
    const LoweredWorkload lw = lower_workload(spec, def);
    Simulator sim;
    routing::Router router(def, routing::RoutingParams{});
    AnalyticBackend backend(sim, router);
    DagExecutor ex(sim, backend, lw.dag, lw.rank_endpoint, lw.ops.size());
    ex.start();
    sim.run();
    CHECK(ex.finished());
    // Every byte sent is received: per-rank sums agree.
    std::int64_t sent = 0, received = 0;
    for (auto b : ex.bytes_sent()) sent += b;
    for (auto b : ex.bytes_received()) received += b;
    CHECK(sent == received);
    CHECK(sent > 0);
  }
}

TEST_CASE("the Llama-3-405B-like 16K example lowers to the transfer count its groups imply") {
  const WorkloadSpec spec = load_workload_file(std::string(ROCESIM_SOURCE_DIR) + "/workloads/llama3_405b_16k.json");
  const topology::Fabric f = big_fabric();
  const LoweredWorkload lw = lower_workload(spec, f);
  // TP 8, PP 16, DP 128 = 16384 ranks: 2048 TP groups, 1024 PP groups, 128 DP groups.
  //   tp_fwd, tp_bwd   ring all-reduce n=8:    2·7·8 = 112 transfers × 2048 groups, twice
  //   pp_fwd, pp_bwd   15 stage-to-stage sends × 1024 groups, twice
  //   dp_rs, dp_ag     ring n=128: 127·128 = 16256 × 128 groups, twice
  //   dp_ar            double binary tree: 2 trees × 2·127 = 508 × 128 groups
  const std::uint64_t expected = 2 * 112 * 2048 + 2 * 15 * 1024 + 2 * 16256 * 128 + 508 * 128;
  CHECK(lw.dag.transfer_count() == expected);
  // TP groups stay inside one 8-GPU server (scale-up); DP peers are on the same rail.
  for (const OpRecord& op : lw.ops) {
    const OpSpec& s = spec.jobs[0].ops[op.spec_index];
    if (s.id == "tp_fwd") CHECK(op.groups == 2048);
    if (s.id == "dp_rs_bucket0") {
      CHECK(op.groups == 128);
      CHECK(op.group_size == 128);
      // Ring reduce-scatter sends (n−1)/n·S per rank: 127/128 GiB × 16384 ranks.
      CHECK(op.wire_bytes == std::int64_t{127} * (std::int64_t{1} << 30) / 128 * 16384);
    }
  }
  std::uint64_t cross = 0;
  for (NodeIndex v = 0; v < lw.dag.size(); ++v) {
    const DagNode& n = lw.dag.node(v);
    if (n.kind != DagNodeKind::transfer || lw.ops[n.op].spec_index != 1) continue;  // tp_fwd
    cross += lw.rank_endpoint[n.src] / 8 != lw.rank_endpoint[n.dst] / 8;
  }
  CHECK(cross == 0);
  MESSAGE("16K example: " << lw.dag.transfer_count() << " transfers, " << lw.dag.size() << " nodes, "
                          << lw.dag.edge_count() << " edges, " << lw.dag.memory_bytes() << " bytes of DAG ("
                          << static_cast<double>(lw.dag.memory_bytes()) / static_cast<double>(lw.dag.transfer_count())
                          << " B per transfer)");
}
