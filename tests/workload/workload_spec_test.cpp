#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "fixtures.hpp"
#include "workload/lower_workload.hpp"
#include "workload/parallel_groups.hpp"
#include "workload/workload_spec.hpp"

using namespace rocesim;
using namespace rocesim::workload;
using nlohmann::json;

namespace {

WorkloadSpec spec_of(const std::string& text) { return parse_workload(json::parse(text), "w.json"); }

struct Executed {
  LoweredWorkload lw;
  std::vector<Time> start, end;
  std::vector<std::int64_t> sent;
  bool finished = false;
};

Executed execute(const std::string& text, const topology::Fabric& f) {
  Executed x{lower_workload(spec_of(text), f), {}, {}, {}, false};
  Simulator sim;
  routing::Router router(f, routing::RoutingParams{});
  AnalyticBackend backend(sim, router);
  DagExecutor ex(sim, backend, x.lw.dag, x.lw.rank_endpoint, x.lw.ops.size());
  ex.start();
  sim.run();
  for (std::uint32_t i = 0; i < x.lw.ops.size(); ++i) {
    x.start.push_back(ex.op_start(i));
    x.end.push_back(ex.op_end(i));
  }
  x.sent.assign(ex.bytes_sent().begin(), ex.bytes_sent().end());
  x.finished = ex.finished();
  return x;
}

std::string error_of(const std::string& text, const topology::Fabric* f = nullptr) {
  try {
    const WorkloadSpec s = spec_of(text);
    if (f != nullptr) lower_workload(s, *f);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

Time ser(std::int64_t bytes) { return serialization_time(Bytes{bytes}, test::kNic); }

}  // namespace

TEST_CASE("Megatron groups: order tp-cp-ep-dp-pp, first dimension fastest") {
  Parallelism p;
  p.tp = 2, p.dp = 2, p.pp = 2;
  // rank = tp_i + 2·(dp_i + 2·pp_i)
  CHECK(parallel_groups(p, "tp") == std::vector<std::vector<std::uint32_t>>{{0, 1}, {2, 3}, {4, 5}, {6, 7}});
  CHECK(parallel_groups(p, "dp") == std::vector<std::vector<std::uint32_t>>{{0, 2}, {1, 3}, {4, 6}, {5, 7}});
  CHECK(parallel_groups(p, "pp") == std::vector<std::vector<std::uint32_t>>{{0, 4}, {1, 5}, {2, 6}, {3, 7}});
  CHECK(parallel_groups(p, "tp_dp") == std::vector<std::vector<std::uint32_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}});
  CHECK(parallel_groups(p, "world").size() == 1);
  // Order "pp-dp-tp-cp-ep": pp fastest, so pipeline stages are adjacent ranks.
  REQUIRE(parse_order("pp-dp-tp-cp-ep", p.order).empty());
  CHECK(parallel_groups(p, "pp")[0] == std::vector<std::uint32_t>{0, 1});
  CHECK(parallel_groups(p, "tp")[0] == std::vector<std::uint32_t>{0, 4});
  CHECK_THROWS_AS(parallel_groups(p, "xp"), std::invalid_argument);
}

TEST_CASE("expert groups: ep subdivides dp; edp is the expert-data-parallel group") {
  Parallelism p;
  p.dp = 4, p.ep = 2;
  CHECK(validate(p, 4).empty());
  CHECK(parallel_groups(p, "dp") == std::vector<std::vector<std::uint32_t>>{{0, 1, 2, 3}});
  CHECK(parallel_groups(p, "ep") == std::vector<std::vector<std::uint32_t>>{{0, 1}, {2, 3}});
  CHECK(parallel_groups(p, "edp") == std::vector<std::vector<std::uint32_t>>{{0, 2}, {1, 3}});
  p.ep = 3;
  CHECK(validate(p, 4).find("must divide dp") != std::string::npos);
}

TEST_CASE("placement: contiguous jobs share the fabric in order; strided and random are exact") {
  std::vector<bool> used(16, false);
  CHECK(place({}, 4, used) == std::vector<std::uint32_t>{0, 1, 2, 3});
  for (int e = 0; e < 4; ++e) used[e] = true;
  CHECK(place({}, 2, used) == std::vector<std::uint32_t>{4, 5});
  PlacementSpec strided{PlacementSpec::Kind::strided, 4, 0, {}};
  // Free: 4..15 (12 endpoints); stride 4 → indices 0,4,8 then 1,5,9 → endpoints 4,8,12,5,9,13.
  CHECK(place(strided, 6, used) == std::vector<std::uint32_t>{4, 8, 12, 5, 9, 13});
  PlacementSpec random{PlacementSpec::Kind::random, 1, 7, {}};
  const auto a = place(random, 8, used), b = place(random, 8, used);
  CHECK(a == b);
  std::vector<bool> seen(16, false);
  for (auto e : a) {
    CHECK(!used[e]);
    CHECK(!seen[e]);
    seen[e] = true;
  }
  CHECK_THROWS_WITH(place({}, 13, used), doctest::Contains("only 12 of the fabric's 16 are free"));
}

TEST_CASE("effective workload: defaults filled, and it parses back to itself") {
  const WorkloadSpec s = spec_of(R"({"jobs": [{"world_size": 4, "ops": [
      {"id": "c", "type": "compute", "duration": "5us"},
      {"id": "ar", "type": "all_reduce", "bytes": "1MiB", "deps": ["c"]}]}]})");
  const json eff = to_json(s);
  CHECK(eff["jobs"][0]["ops"][1]["algorithm"] == "ring");
  CHECK(eff["jobs"][0]["ops"][1]["group"] == "world");
  CHECK(eff["jobs"][0]["ops"][1]["bytes"] == 1048576);
  CHECK(eff["jobs"][0]["parallelism"]["dp"] == 4);
  CHECK(eff["jobs"][0]["placement"]["kind"] == "contiguous");
  CHECK(to_json(parse_workload(eff, "eff.json")) == eff);
}

TEST_CASE("bad workloads are ConfigErrors naming file, path and cause") {
  CHECK(error_of(R"({"jobs": [{"world_size": 2, "ops": [
      {"id": "a", "type": "compute", "duration": "1us", "deps": ["c"]},
      {"id": "b", "type": "compute", "duration": "1us", "deps": ["a"]},
      {"id": "c", "type": "compute", "duration": "1us", "deps": ["b"]}]}]})")
            .find("dependency cycle: a -> c -> b -> a") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 2, "ops": [{"type": "compute", "duration": "1us", "deps": ["x"]}]}]})")
            .find("w.json: /jobs/0/ops/0/deps/0: unknown op id \"x\"") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 2, "ops": [{"type": "allreduce", "bytes": 8}]}]})")
            .find("/jobs/0/ops/0/type: unknown value \"allreduce\"") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 2, "ops": [{"type": "compute", "duration": "1us", "bytes": 4}]}]})")
            .find("unknown key \"bytes\"") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 4, "ops": [{"type": "all_to_all", "ranks": [0, 4], "bytes": 8}]}]})")
            .find("/jobs/0/ops/0/ranks/1: expected a rank in [0, 4)") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 8, "parallelism": {"tp": 2, "dp": 2}, "ops": []}]})")
            .find("does not equal world_size 8") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 4, "ops": [{"type": "all_gather", "bytes": 8, "algorithm": "halving_doubling"}]}]})")
            .find("inapplicable algorithm \"halving_doubling\" for all_gather (valid: ring, direct)") != std::string::npos);
  const auto f = test::star_fabric(6);
  // Fabric-dependent checks happen when lowering.
  CHECK(error_of(R"({"jobs": [{"world_size": 8, "ops": []}]})", &f).find("/jobs/0/placement: the job needs 8 endpoints") !=
        std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 2, "placement": {"kind": "explicit", "endpoints": [1, 6]}, "ops": []}]})", &f)
            .find("endpoint 6, outside the fabric's 6 endpoints") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 6, "ops": [{"type": "all_reduce", "bytes": 8, "algorithm": "halving_doubling"}]}]})", &f)
            .find("/jobs/0/ops/0/algorithm: halving_doubling needs a power-of-two group size, got 6") != std::string::npos);
  CHECK(error_of(R"({"jobs": [{"world_size": 6, "ops": [{"type": "all_reduce", "bytes": 8, "group": "dq"}]}]})", &f)
            .find("/jobs/0/ops/0/group: unknown group \"dq\"") != std::string::npos);
}

TEST_CASE("execution: compute, then a dependent ring all-reduce; per-op start and end") {
  const auto f = test::star_fabric(4);
  const auto x = execute(R"({"jobs": [{"world_size": 4, "ops": [
      {"id": "c0", "type": "compute", "duration": "250us"},
      {"id": "ar", "type": "all_reduce", "group": "world", "bytes": "4MiB", "deps": ["c0"]}]}]})", f);
  REQUIRE(x.finished);
  REQUIRE(x.lw.ops.size() == 2);
  CHECK(x.start[0] == Time{});
  CHECK(x.end[0] == Time::from_us(250));
  // The all-reduce starts when the compute ends and takes 2(n−1)(α + S/(nB)), α = 1 µs.
  CHECK(x.start[1] == Time::from_us(250));
  CHECK(x.end[1] - x.start[1] == (Time::from_us(1) + ser((4 << 20) / 4)) * 6);
  CHECK(x.lw.ops[1].transfers == 2 * 3 * 4);
  CHECK(x.lw.ops[1].wire_bytes == 2 * 3 * (4 << 20));
}

TEST_CASE("several jobs on one fabric: own placement, own start time; iterations run back to back") {
  const auto f = test::star_fabric(8);
  const auto x = execute(R"({"jobs": [
      {"name": "a", "world_size": 4, "iterations": 2, "ops": [
        {"id": "c", "type": "compute", "duration": "10us"},
        {"id": "ar", "type": "all_reduce", "bytes": "1MiB", "deps": ["c"]}]},
      {"name": "b", "world_size": 4, "start": "7us", "ops": [
        {"id": "s", "type": "send", "src": 0, "dst": 3, "bytes": "1MiB", "start": "3us"}]}]})", f);
  REQUIRE(x.finished);
  // Job a: 2 iterations × 2 ops; job b: 1 op. Records in (job, iteration, op) order.
  REQUIRE(x.lw.ops.size() == 5);
  CHECK(x.lw.rank_endpoint == std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7});
  const Time ar = (Time::from_us(1) + ser((1 << 20) / 4)) * 6;
  CHECK(x.end[1] == Time::from_us(10) + ar);
  CHECK(x.start[2] == x.end[1]);  // iteration 2 starts when iteration 1 has completed
  CHECK(x.end[3] == (Time::from_us(10) + ar) * 2);
  // Job b starts at 7 µs, its send 3 µs later: one transfer of α + S/B.
  CHECK(x.start[4] == Time::from_us(10));
  CHECK(x.end[4] == Time::from_us(10) + Time::from_us(1) + ser(1 << 20));
  CHECK(x.sent[4] == 1 << 20);  // global rank 4 = job b's rank 0
}

TEST_CASE("groups instantiate once per communicator; pipeline sends with shift") {
  const auto f = test::star_fabric(8);
  const auto x = execute(R"({"jobs": [{"world_size": 8, "parallelism": {"tp": 2, "dp": 2, "pp": 2}, "ops": [
      {"id": "tp", "type": "all_reduce", "group": "tp", "bytes": "64KiB"},
      {"id": "pp", "type": "send", "group": "pp", "shift": 1, "bytes": "1MiB", "deps": ["tp"]},
      {"id": "dp", "type": "reduce_scatter", "group": "dp", "bytes": "2MiB", "deps": ["pp"]}]}]})", f);
  REQUIRE(x.finished);
  CHECK(x.lw.ops[0].groups == 4);
  CHECK(x.lw.ops[0].group_size == 2);
  // pp groups {0,4},{1,5},{2,6},{3,7}: stage 0 sends to stage 1, one transfer per group.
  CHECK(x.lw.ops[1].transfers == 4);
  CHECK(x.lw.ops[1].wire_bytes == 4 * (1 << 20));
  // 4 dp groups of 2, each reduce-scatter sends (n−1)/n·S per rank: 8 ranks × 1 MiB.
  CHECK(x.lw.ops[2].wire_bytes == 8 * (1 << 20));
  CHECK(busbw_factor(OpType::all_reduce, 8) == doctest::Approx(1.75));
  CHECK(busbw_factor(OpType::all_to_all, 4) == doctest::Approx(0.75));
}

TEST_CASE("plain sends lower to one transfer node each; ops with one start offset share its delay") {
  const auto f = test::star_fabric(4);
  // a and b start at 5 µs, c at 0; d waits for a, then e (a compute) waits for d.
  const auto x = execute(R"({"jobs": [{"world_size": 4, "ops": [
      {"id": "a", "type": "send", "src": 0, "dst": 1, "bytes": "1MiB", "start": "5us"},
      {"id": "b", "type": "send", "src": 2, "dst": 3, "bytes": "1MiB", "start": "5us", "qp": 7},
      {"id": "c", "type": "send", "src": 1, "dst": 2, "bytes": "1MiB", "start": "0us"},
      {"id": "d", "type": "send", "src": 1, "dst": 0, "bytes": "1MiB", "deps": ["a"]},
      {"id": "e", "type": "compute", "duration": "2us", "ranks": [0], "deps": ["d"]}]}]})", f);
  REQUIRE(x.finished);
  // Nodes: the iteration start, one delay per distinct offset (0 and 5 µs), four transfers, and
  // the compute's start join, delay and end join: 1 + 2 + 4 + 3 = 10 (was 16 with two joins per send
  // and one delay per offset given).
  CHECK(x.lw.dag.size() == 10);
  CHECK(x.lw.dag.transfer_count() == 4);
  // One transfer of α + S/B = 1 µs + 2^20·20 ps each; a and b from 5 µs, c from 0, d after a.
  const Time one = Time::from_us(1) + ser(1 << 20);
  CHECK(x.start[0] == Time::from_us(5));
  CHECK(x.end[0] == Time::from_us(5) + one);
  CHECK(x.start[1] == Time::from_us(5));
  CHECK(x.start[2] == Time{});
  CHECK(x.end[2] == one);
  CHECK(x.start[3] == x.end[0]);
  CHECK(x.end[3] == x.end[0] + one);
  CHECK(x.start[4] == x.end[3]);
  CHECK(x.end[4] == x.end[3] + Time::from_us(2));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(x.lw.ops[i].transfers == 1);
    CHECK(x.lw.ops[i].wire_bytes == 1 << 20);
    CHECK(x.lw.ops[i].groups == 1);
    CHECK(x.lw.ops[i].group_size == 2);
  }
  // The transfer carries the op's QP as its flow label.
  bool qp7 = false;
  for (NodeIndex v = 0; v < x.lw.dag.size(); ++v) {
    qp7 = qp7 || (x.lw.dag.node(v).kind == DagNodeKind::transfer && x.lw.dag.node(v).channel == 7);
  }
  CHECK(qp7);
}
