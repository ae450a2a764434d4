// FCT slowdown (report/slowdown.hpp): per flow fct / ideal, percentiles overall and per size bucket.
#include <doctest/doctest.h>

#include "report/slowdown.hpp"

using namespace rocesim;

namespace {

observe::TransferRecord flow(std::int64_t bytes, double fct_us, double ideal_us) {
  observe::TransferRecord t;
  t.bytes = bytes;
  t.start = Time::from_us(10);
  t.end = t.start + Time{static_cast<std::int64_t>(fct_us * 1e6)};
  t.ideal = Time{static_cast<std::int64_t>(ideal_us * 1e6)};
  return t;
}

}  // namespace

TEST_CASE("slowdown: fct / ideal; undefined without an ideal or a completion") {
  CHECK(report::slowdown_of(flow(1000, 30, 10)) == doctest::Approx(3.0));
  CHECK(report::slowdown_of(flow(1000, 30, 0)) < 0);
  observe::TransferRecord open = flow(1000, 30, 10);
  open.end = Time::max();
  CHECK(report::slowdown_of(open) < 0);
  observe::RunRecord empty;
  empty.transfers.push_back(open);
  CHECK(report::slowdown_json(empty).is_null());
}

TEST_CASE("slowdown: nearest-rank p50/p95/p99 over all flows and per decade bucket from 10 KB to 10 MB") {
  observe::RunRecord r;
  // 100 flows of 5 KB with slowdowns 1..100 (bucket [0, 10 KB)): p50 = 50, p95 = 95, p99 = 99.
  for (int k = 1; k <= 100; ++k) r.transfers.push_back(flow(5000, k, 1));
  // 2 flows of exactly 100 KB (a bucket's lower edge belongs to it: [100 KB, 1 MB)), slowdown 2 and 4:
  // p50 = 2 (rank ⌈0.5·2⌉ = 1), p95 = p99 = 4.
  r.transfers.push_back(flow(100'000, 20, 10));
  r.transfers.push_back(flow(100'000, 40, 10));
  // A 50 MB flow, slowdown 1.5, in the open last bucket.
  r.transfers.push_back(flow(50'000'000, 6000, 4000));
  const nlohmann::json s = report::slowdown_json(r);
  // Overall 103 values: 1..100 plus 2, 4, 1.5; sorted ranks: p50 = ⌈51.5⌉ = 52nd = 49.
  CHECK(s["count"] == 103);
  CHECK(s["p50"] == 49.0);
  CHECK(s["max"] == 100.0);
  REQUIRE(s["buckets"].size() == 5);
  const nlohmann::json& b = s["buckets"];
  CHECK(b[0]["id"] == "<10KB");
  CHECK(b[1]["id"] == "10KB-100KB");
  CHECK(b[3]["id"] == "1MB-10MB");
  CHECK(b[4]["id"] == ">=10MB");
  CHECK(b[0]["bytes_min"] == 0);
  CHECK(b[0]["bytes_max"] == 10000);
  CHECK(b[0]["count"] == 100);
  CHECK(b[0]["p50"] == 50.0);
  CHECK(b[0]["p95"] == 95.0);
  CHECK(b[0]["p99"] == 99.0);
  CHECK(b[1]["count"] == 0);
  CHECK(b[1]["p50"].is_null());
  CHECK(b[2]["bytes_min"] == 100000);
  CHECK(b[2]["count"] == 2);
  CHECK(b[2]["p50"] == 2.0);
  CHECK(b[2]["p99"] == 4.0);
  CHECK(b[3]["count"] == 0);
  CHECK(b[4]["bytes_max"].is_null());
  CHECK(b[4]["p50"] == 1.5);
}
