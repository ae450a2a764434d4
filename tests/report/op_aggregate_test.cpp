// The aggregated ops of summary.json (report/op_aggregate.hpp).
#include <doctest/doctest.h>

#include "report/op_aggregate.hpp"

using namespace rocesim;
using nlohmann::json;

TEST_CASE("slowest_of_groups: the k longest per (job, iteration, type), ties to the lower op index") {
  // Group send/0: durations 5, 9, 9, 1 (ops 0, 1, 2, 4); k = 2 → ops 1 and 2 (both 9; 0 has 5).
  // Group compute/0: op 3 only. Op 5 (send/0) did not complete (−1): never chosen.
  const std::vector<report::OpGroupKey> keys{{0, 0, "send"}, {0, 0, "send"}, {0, 0, "send"},
                                             {0, 0, "compute"}, {0, 0, "send"}, {0, 0, "send"}};
  const std::vector<double> d{5, 9, 9, 2, 1, -1};
  CHECK(report::slowest_of_groups(keys, d, 2) == std::vector<char>{0, 1, 1, 1, 0, 0});
  // Ties at the cut: 9, 9 both fit k = 2; with k = 1 the lower index wins.
  CHECK(report::slowest_of_groups(keys, d, 1) == std::vector<char>{0, 1, 0, 1, 0, 0});
}

TEST_CASE("OpAggregator: per-group count, nearest-rank percentiles, the slowest ops longest first") {
  // Five sends of durations 1..5 µs and busbw 10·d GB/s, one never completed: count 6,
  // completed 5; nearest rank on 5 values: p50 = x_3 = 3, p90 = x_5 = 5, p99 = 5, mean 3, min 1.
  report::OpAggregator agg;
  for (int d = 1; d <= 5; ++d) {
    std::string id = "f";  // appended, not "f" + ...: GCC 12 warns falsely (-Wrestrict) on that
    id += std::to_string(d);
    json op{{"job", "j"}, {"id", id}, {"type", "send"}, {"bytes", 100}, {"completed", true},
            {"duration_us", d}, {"busbw_GBps", 10.0 * d}};
    agg.add({0, 0, "send"}, std::move(op), d >= 3);
  }
  agg.add({0, 0, "send"}, json{{"job", "j"}, {"id", "never"}, {"type", "send"}, {"bytes", 100}, {"completed", false}}, false);
  agg.add({0, 1, "send"}, json{{"job", "j"}, {"id", "g"}, {"type", "send"}, {"bytes", 7}, {"completed", true}, {"duration_us", 2}},
          true);
  const json ops = agg.finish();
  REQUIRE(ops.size() == 2);  // (job 0, iteration 0, send), (job 0, iteration 1, send)
  const json& g = ops[0];
  CHECK(g["id"] == "send");
  CHECK(g["aggregated"] == true);
  CHECK(g["iteration"] == 0);
  CHECK(g["count"] == 6);
  CHECK(g["completed"] == 5);
  CHECK(g["bytes"] == 600);
  CHECK(g["duration_us"]["p50"] == 3.0);
  CHECK(g["duration_us"]["p90"] == 5.0);
  CHECK(g["duration_us"]["max"] == 5.0);
  CHECK(g["duration_us"]["min"] == 1.0);
  CHECK(g["duration_us"]["mean"] == 3.0);
  CHECK(g["busbw_GBps"]["p50"] == 30.0);
  REQUIRE(g["slowest"].size() == 3);
  CHECK(g["slowest"][0]["id"] == "f5");
  CHECK(g["slowest"][2]["id"] == "f3");
  CHECK(ops[1]["iteration"] == 1);
  CHECK(ops[1]["count"] == 1);
  CHECK_FALSE(ops[1].contains("busbw_GBps"));  // no busbw in that group
}
