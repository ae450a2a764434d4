// Issue 20: inputs whose times or byte sums a run cannot represent are rejected while lowering, with
// the JSON path, instead of wrapping int64 (negative durations in the analytic tier, a stuck fluid
// clock, UBSan overflows in the per-op, recorder and report sums).
// Horizon: kRunHorizon = INT64_MAX/4 ps = 2^61 - 1 ps. At 400 Gb/s (20 ps/B) a rank can send
// ⌊(2^61 - 1)·400e9 / 8e12⌋ = 115292150460684697 B within it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "chakra_test_encoder.hpp"
#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "fixtures.hpp"
#include "workload/lower_workload.hpp"
#include "workload/trace_import.hpp"
#include "workload/workload_spec.hpp"

using nlohmann::json;
using namespace rocesim;
using namespace rocesim::workload;

namespace {

constexpr std::int64_t kMaxRankBytes = 115292150460684697;  // derivation above

std::string lower_error(const json& doc, std::uint32_t servers = 2) {
  const topology::Fabric f = test::star_fabric(servers);
  try {
    (void)lower_workload(parse_workload(doc, "w.json"), f);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

json one_send(const json& bytes) {
  return {{"name", "w"},
          {"jobs", {{{"name", "j"}, {"world_size", 2}, {"ops", {{{"id", "s"}, {"type", "send"}, {"src", 0}, {"dst", 1}, {"bytes", bytes}}}}}}}};
}

}  // namespace

TEST_CASE("a transfer longer than the horizon at the slowest NIC is a ConfigError naming its JSON path") {
  CHECK(lower_error(one_send(kMaxRankBytes)).empty());
  CHECK(lower_error(one_send(kMaxRankBytes + 1)).find("w.json: /jobs/0/ops/0/bytes: 115292150460684698 B at the slowest NIC (400Gbps)") == 0);
  CHECK(lower_error(one_send(2000000000000000000LL)).find("/jobs/0/ops/0/bytes") != std::string::npos);
  CHECK(lower_error(one_send(INT64_MAX)).find("/jobs/0/ops/0/bytes") != std::string::npos);
}

TEST_CASE("per-rank byte totals and delay sums past the horizon are rejected, not wrapped") {
  // Two sends of 0.6 × the limit from rank 0: each fits, their sum (1.2 ×) does not.
  json doc = one_send(kMaxRankBytes / 10 * 6);
  doc["jobs"][0]["ops"].push_back({{"id", "t"}, {"type", "send"}, {"src", 0}, {"dst", 1}, {"bytes", kMaxRankBytes / 10 * 6}});
  CHECK(lower_error(doc).find("/jobs/0/ops/1/bytes: rank 0 would send") != std::string::npos);
  // Compute: 20 days on one rank, twice over two iterations = 40 days > 26.7 days.
  json compute = {{"name", "w"},
                  {"jobs", {{{"name", "j"}, {"world_size", 2}, {"iterations", 2},
                             {"ops", {{{"id", "c"}, {"type", "compute"}, {"duration", "1728000s"}}}}}}}};
  CHECK(lower_error(compute).find("/jobs/0/ops/0/duration: the compute of rank 0 adds up to more than") != std::string::npos);
  compute["jobs"][0]["iterations"] = 1;
  CHECK(lower_error(compute).empty());
}

TEST_CASE("chakra: a comm_size of 2^63-1 is rejected at lowering with the op's path") {
  using namespace rocesim::test::chakra_encoder;
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / "chakra-huge";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int r = 0; r < 2; ++r) {
    std::ofstream(dir / ("t." + std::to_string(r) + ".et"), std::ios::binary)
        << encode_trace({coll(1, kAllReduce, INT64_MAX, "")});
  }
  const auto doc = import_trace(dir.string());
  REQUIRE(doc.has_value());
  const std::string e = lower_error(*doc);
  CHECK(e.find("/bytes: 9223372036854775807 B at the slowest NIC") != std::string::npos);
}

TEST_CASE("the DAG memory check refuses a lowering above the limit before building it") {
  // Ring all-reduce on 2 ranks, 1 channel, 10^6 chunks: 2·1·2·10^6 = 4·10^6 transfers. The check
  // counts one node and two edges per transfer on top of the 2 nodes and 1 edge already built:
  // 4,000,002 · 28 B + 8,000,001 · 8 B = 176,000,064 B = 0.16 GiB, above a 100 MB limit.
  const json doc = {{"name", "w"},
                    {"jobs", {{{"name", "j"}, {"world_size", 2},
                               {"ops", {{{"id", "ar"}, {"type", "all_reduce"}, {"bytes", "1GiB"}, {"algorithm", "ring"}, {"chunks", 1000000}}}}}}}};
  set_memory_limit_bytes(100000000);
  const topology::Fabric f = test::star_fabric(2);
  std::string what;
  try {
    (void)lower_workload(parse_workload(doc, "w.json"), f);
  } catch (const MemoryLimitError& e) {
    what = e.what();
  }
  set_memory_limit_bytes(0);
  CHECK(what.find("lowering the workload needs an estimated 0.16 GiB (a transfer DAG of 4000002 nodes at 28 B and "
                  "8000001 edges at 8 B") == 0);
}
