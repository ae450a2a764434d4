// Poisson flow traffic (workload/flow_traffic.hpp): CDF reading and sampling, offered load, flow
// list format, determinism.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "core/config_error.hpp"
#include "workload/flow_traffic.hpp"

using namespace rocesim;
using namespace rocesim::workload;

namespace {

std::string source_file(const std::string& rel) { return std::string(ROCESIM_SOURCE_DIR) + "/" + rel; }

std::string error_of(const std::string& text) {
  try {
    parse_size_cdf(text, "t.csv");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("size CDF: mean of the piecewise-linear CDF and inverse sampling") {
  // Points (0 B, 0 %), (100 B, 50 %), (300 B, 100 %): uniform on [0, 100) with mass 0.5, uniform
  // on [100, 300) with mass 0.5: E[S] = 0.5·50 + 0.5·200 = 125 B. u = 0.25 → 50 B, u = 0.75 → 200 B.
  const SizeCdf cdf = parse_size_cdf("# comment\nbytes,percent\n0,0\n100 50\n\n300,100\n", "t.csv");
  CHECK(cdf.points() == 3);
  CHECK(cdf.mean_bytes() == doctest::Approx(125));
  CHECK(cdf.size_at(0.25) == doctest::Approx(50));
  CHECK(cdf.size_at(0.75) == doctest::Approx(200));
  CHECK(cdf.size_at(0.0) == doctest::Approx(0));
  // A first point above 0 % is a point mass: (1000 B, 40 %), (2000 B, 100 %): E[S] = 0.4·1000 +
  // 0.6·1500 = 1300 B; every u < 0.4 gives 1000 B.
  const SizeCdf mass = parse_size_cdf("1000,40\n2000,100\n", "m.csv");
  CHECK(mass.mean_bytes() == doctest::Approx(1300));
  CHECK(mass.size_at(0.1) == doctest::Approx(1000));
  CHECK(mass.size_at(0.7) == doctest::Approx(1500));
}

TEST_CASE("size CDF: bad files name the file and line") {
  CHECK(error_of("0,0\n100,fifty\n") == "t.csv: line 2: percent \"fifty\" is not in [0, 100]");
  CHECK(error_of("0,0\n100,50\n50,100\n").find("t.csv: line 3: points must not decrease") == 0);
  CHECK(error_of("0,0\n100,90\n").find("last point must be at 100 percent") != std::string::npos);
  CHECK(error_of("# nothing\n").find("no CDF points") != std::string::npos);
  CHECK(error_of("0,0\n-5,100\n").find("line 2: flow size \"-5\"") != std::string::npos);
  CHECK(error_of("0,0\n100,101\n").find("line 2") != std::string::npos);
  CHECK(error_of("12\n").find("line 1: expected") != std::string::npos);
}

TEST_CASE("shipped CDFs: WebSearch and FB_Hadoop as published with the HPCC simulator") {
  // WebSearch mean: Σ (x_{i−1}+x_i)/2 · Δp over its 12 points = 1,711,250 B (hand sum:
  // 750 + 750 + 2500 + 4000 + 8450 + 9800 + 60000 + 150000 + 350000 + 525000 + 600000).
  const SizeCdf web = read_size_cdf(source_file("workloads/cdf/websearch.csv"));
  CHECK(web.points() == 12);
  CHECK(web.mean_bytes() == doctest::Approx(1711250));
  // FB_Hadoop: 20 points, mean 120,420.75 B (the same sum; over half of it from the 2–10 MB
  // tail that holds 1 % of the flows).
  const SizeCdf fb = read_size_cdf(source_file("workloads/cdf/fb_hadoop.csv"));
  CHECK(fb.points() == 20);
  CHECK(fb.mean_bytes() == doctest::Approx(120420.75));
}

TEST_CASE("traffic: offered load within 2 % of the target over 0.5 s, per-host Poisson, deterministic") {
  // 320 hosts at 100 Gb/s (the HPCC paper's fat tree), WebSearch at 30 % for 0.5 s:
  // lambda = 0.3 · 100e9 / (8 · 1,711,250) = 2191 flows/s per host, so ~350,600 flows.
  // The offered load is a compound Poisson sum: its relative standard deviation is
  // sqrt(E[S²] / (n · E[S]²)); with E[S²] = 1.87e13 B² (the 10–30 MB segment dominates:
  // 0.03 · (1e14 + 3e14 + 9e14)/3) that is sqrt(1.87e13 / (350600 · 2.93e12)) = 0.43 %, so 2 %
  // is a 4.7-sigma bound. FB_Hadoop at 50 % over 0.1 s: E[S] = 120,420.75 B, ~1.66 M flows,
  // E[S²] = 4.63e11 B²: sqrt(4.63e11 / (1.66e6 · 1.45e10)) = 0.44 %.
  const SizeCdf web = read_size_cdf(source_file("workloads/cdf/websearch.csv"));
  TrafficSpec spec{320, Rate::gbps(100), 0.3, Time::from_ms(500), 7};
  const auto flows = generate_traffic(spec, web, "test");
  const double expect_n = expected_flows(spec, web);
  CHECK(expect_n == doctest::Approx(320 * 0.5 * 0.3 * 100e9 / (8 * 1711250.0)));
  MESSAGE("websearch 30 %: " << flows.size() << " flows (expected " << expect_n << "), offered load "
                             << offered_load(flows, spec));
  CHECK(std::abs(static_cast<double>(flows.size()) - expect_n) < 4 * std::sqrt(expect_n));  // Poisson count
  CHECK(offered_load(flows, spec) == doctest::Approx(0.3).epsilon(0.02));
  // Per host too, over 0.5 s each host has ~1096 flows: a looser 4-sigma check on the busiest
  // and idlest (sigma_rel = sqrt(E[S²]/(1096·E[S]²)) = 7.6 %: within ±30 %).
  std::vector<double> host_bits(320);
  std::size_t bad = 0, unordered = 0;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const auto& f = flows[i];
    if (f.src == f.dst || f.dst >= 320 || f.bytes < 1 || f.start >= spec.duration) ++bad;
    if (i > 0 && flows[i - 1].start > f.start) ++unordered;
    host_bits[f.src] += 8.0 * static_cast<double>(f.bytes);
  }
  CHECK(bad == 0);
  CHECK(unordered == 0);
  for (double b : host_bits) CHECK(b / (100e9 * 0.5) == doctest::Approx(0.3).epsilon(0.3));

  const SizeCdf fb = read_size_cdf(source_file("workloads/cdf/fb_hadoop.csv"));
  TrafficSpec fb_spec{320, Rate::gbps(100), 0.5, Time::from_ms(100), 3};
  const auto fb_flows = generate_traffic(fb_spec, fb, "test");
  MESSAGE("fb_hadoop 50 %: " << fb_flows.size() << " flows, offered load " << offered_load(fb_flows, fb_spec));
  CHECK(offered_load(fb_flows, fb_spec) == doctest::Approx(0.5).epsilon(0.02));

  // Same seed → the same list, byte for byte; another seed → another list.
  TrafficSpec small{8, Rate::gbps(100), 0.3, Time::from_ms(2), 7};
  CHECK(traffic_csv(generate_traffic(small, web, "t")) == traffic_csv(generate_traffic(small, web, "t")));
  small.seed = 8;
  const std::string other = traffic_csv(generate_traffic(small, web, "t"));
  small.seed = 7;
  CHECK(other != traffic_csv(generate_traffic(small, web, "t")));
}

TEST_CASE("traffic: flow-list format and parameter checks") {
  const SizeCdf cdf = parse_size_cdf("0,0\n1000,100\n", "t.csv");
  const std::vector<GeneratedFlow> flows{{0, 1, 500, Time::from_ps(1'500'001)}, {1, 0, 7, Time::from_ps(12'000'000)}};
  CHECK(traffic_csv(flows) == "id,src,dst,bytes,start_us,after\n1,0,1,500,1.500001,\n2,1,0,7,12.000000,\n");
  const auto err = [&](TrafficSpec s) {
    try {
      generate_traffic(s, cdf, "cli");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(err({1, Rate::gbps(100), 0.3, Time::from_ms(1), 1}) == "cli: hosts: need at least 2 hosts, got 1");
  CHECK(err({4, Rate::gbps(100), 0.0, Time::from_ms(1), 1}).find("cli: load: must be in (0, 1]") == 0);
  CHECK(err({4, Rate::gbps(100), 1.5, Time::from_ms(1), 1}).find("cli: load") == 0);
  CHECK(err({4, Rate::gbps(100), 0.3, Time{}, 1}).find("cli: duration") == 0);
  // 1000 hosts · 100 s of 500 B flows at 100 Gb/s is 7.5e12 flows: refused before allocating.
  CHECK(err({1000, Rate::gbps(100), 1.0, Time::from_ms(100000), 1}).find("shorten the duration") != std::string::npos);
}
