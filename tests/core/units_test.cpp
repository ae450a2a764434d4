#include <doctest/doctest.h>

#include "core/units.hpp"

using namespace rocesim;

TEST_CASE("serialization time is exact integer math, rounded up") {
  // 8 bits / 400e9 bit/s = 20e-12 s: exactly 20 ps per byte.
  CHECK(serialization_time(Bytes{1}, parse_rate("400Gbps")).ps == 20);
  CHECK(serialization_time(Bytes{4096}, parse_rate("400Gbps")).ps == 4096 * 20);
  // 56 Gb/s: 8e12/56e9 = 142.857... ps per byte. 7 bytes = 1000 ps exactly; 1 byte rounds up to 143.
  CHECK(serialization_time(Bytes{7}, parse_rate("56Gbps")).ps == 1000);
  CHECK(serialization_time(Bytes{1}, parse_rate("56Gbps")).ps == 143);
  // 1 MB at 56 Gb/s: 8e6·1e12/56e9 = 142857142.857 → 142857143 (a cached 142 ps/B would give 142000000).
  CHECK(serialization_time(Bytes{1000000}, parse_rate("56Gbps")).ps == 142857143);
  // No overflow for large transfers: 1 TB at 100 Gb/s = 80 s.
  CHECK(serialization_time(Bytes{1000000000000LL}, parse_rate("100Gbps")) == Time::from_ms(80000));
  CHECK(bytes_in(Time::from_us(1), parse_rate("400Gbps")).n == 50000);
}

TEST_CASE("rate parsing") {
  CHECK(parse_rate("400Gbps").bps == 400000000000ULL);
  CHECK(parse_rate("100G").bps == 100000000000ULL);
  CHECK(parse_rate("25Gb/s").bps == 25000000000ULL);
  CHECK(parse_rate("1.6Tbps").bps == 1600000000000ULL);
  CHECK(parse_rate("800Mbps").bps == 800000000ULL);
  CHECK(parse_rate("56e9bps").bps == 56000000000ULL);
  CHECK_THROWS_AS(parse_rate("400"), UnitError);
  CHECK_THROWS_AS(parse_rate("fast"), UnitError);
  CHECK_THROWS_AS(parse_rate("0Gbps"), UnitError);
  CHECK_THROWS_AS(parse_rate("-5Gbps"), UnitError);
  CHECK_THROWS_AS(parse_rate("400Gbit"), UnitError);
}

TEST_CASE("time parsing") {
  CHECK(parse_time("1us").ps == 1000000);
  CHECK(parse_time("500ns").ps == 500000);
  CHECK(parse_time("2ms").ps == 2000000000);
  CHECK(parse_time("1s").ps == 1000000000000LL);
  CHECK(parse_time("250ps").ps == 250);
  CHECK(parse_time("0.5us").ps == 500000);
  CHECK(parse_time("0").ps == 0);
  CHECK_THROWS_AS(parse_time("5"), UnitError);
  CHECK_THROWS_AS(parse_time("5 parsecs"), UnitError);
  CHECK_THROWS_AS(parse_time("-1us"), UnitError);
}

TEST_CASE("size parsing: decimal and binary prefixes") {
  CHECK(parse_bytes("32MiB").n == 32LL * 1024 * 1024);
  CHECK(parse_bytes("4KB").n == 4000);
  CHECK(parse_bytes("4KiB").n == 4096);
  CHECK(parse_bytes("4000").n == 4000);
  CHECK(parse_bytes("1.5GiB").n == 1610612736LL);
  CHECK_THROWS_AS(parse_bytes("4 bananas"), UnitError);
  CHECK_THROWS_AS(parse_bytes(""), UnitError);
}

TEST_CASE("unit strings round-trip through to_string") {
  for (const char* s : {"400Gbps", "100Gbps", "1600Gbps", "56Gbps", "800Mbps", "10bps"}) {
    const Rate r = parse_rate(s);
    CHECK(parse_rate(to_string(r)) == r);
  }
  CHECK(to_string(parse_rate("1.6Tbps")) == "1600Gbps");
  for (const char* s : {"1us", "500ns", "2ms", "1s", "250ps", "1234567ps"}) {
    const Time t = parse_time(s);
    CHECK(parse_time(to_string(t)) == t);
  }
  CHECK(to_string(parse_time("1000ns")) == "1us");
  for (const char* s : {"32MiB", "4KB", "4000B", "1GiB", "12345B"}) {
    const Bytes b = parse_bytes(s);
    CHECK(parse_bytes(to_string(b)) == b);
  }
}

TEST_CASE("saturating_add clamps instead of wrapping") {
  CHECK(Time::from_us(3).saturating_add(Time::from_us(4)) == Time::from_us(7));
  CHECK(Time::max().saturating_add(Time{1}) == Time::max());
  CHECK(Time{INT64_MAX - 10}.saturating_add(Time{INT64_MAX - 10}) == Time::max());
  CHECK(Time{INT64_MIN + 5}.saturating_add(Time{-10}) == Time{INT64_MIN});
  CHECK(Time::from_us(1).saturating_add(Time{-1}) == Time{999999});
}
