// Issue 20 in the core layer: strict unit grammar, whole bytes, duplicate JSON keys, checked
// serialization time, the memory budget and the simulator's stall watchdog.
#include <doctest/doctest.h>

#include <new>
#include <string>

#include "core/json_reader.hpp"
#include "core/memory_budget.hpp"
#include "core/simulator.hpp"
#include "core/units.hpp"

using namespace rocesim;

namespace {

std::string unit_error(const std::string& s) {
  try {
    (void)parse_rate(s);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "";
}

std::string config_error(const std::string& text) {
  try {
    (void)parse_json_text(text, "f.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Re-schedules itself at the same instant for ever: a livelock.
class Spinner final : public EventHandler {
 public:
  void on_event(Simulator& sim, std::uint32_t, std::uint64_t) override {
    ++runs;
    sim.schedule_at(sim.now(), this, 0);
  }
  std::uint64_t runs = 0;
};

// Advances 1 ps per event: slow, but not stuck.
class Ticker final : public EventHandler {
 public:
  void on_event(Simulator& sim, std::uint32_t, std::uint64_t) override {
    if (++runs < 1000) sim.schedule_in(Time{1}, this, 0);
  }
  std::uint64_t runs = 0;
};

}  // namespace

TEST_CASE("a unit string must match its grammar completely") {
  // Each was read as its longest numeric prefix before (1 Gbps, 1 Gbps, 1 Gbps, 1.2 Gbps).
  CHECK(unit_error("1..5Gbps").find("malformed rate \"1..5Gbps\": more than one decimal point") != std::string::npos);
  CHECK(unit_error("1.2.3Gbps").find("\"1.2.3Gbps\"") != std::string::npos);
  CHECK(unit_error("1e+Gbps").find("malformed rate \"1e+Gbps\": the exponent has no digits") != std::string::npos);
  CHECK(unit_error("1e-Gbps").find("\"1e-Gbps\"") != std::string::npos);
  CHECK_THROWS_AS(parse_time("1eus"), UnitError);
  CHECK_THROWS_AS(parse_bytes("4..0KB"), UnitError);
  // Still accepted: 56e9 bit/s, 1.5e1 Gbps = 15 Gbps, ".5us" = 500 ns, "2E3ns" = 2 us.
  CHECK(parse_rate("56e9bps").bps == 56000000000ULL);
  CHECK(parse_rate("1.5e1Gbps").bps == 15000000000ULL);
  CHECK(parse_time(".5us") == Time::from_ns(500));
  CHECK(parse_time("2E3ns") == Time::from_us(2));
}

TEST_CASE("a byte count must be whole") {
  CHECK_THROWS_WITH_AS(parse_bytes("1.5B"), "size \"1.5B\" is not a whole number of bytes", UnitError);
  // 0.1 KiB = 102.4 B: not whole.
  CHECK_THROWS_AS(parse_bytes("0.1KiB"), UnitError);
  // 0.5 KiB = 512 B, 1.1 KB = 1100 B, 1.5 GiB = 1610612736 B: whole (decimal rounding absorbed).
  CHECK(parse_bytes("0.5KiB").n == 512);
  CHECK(parse_bytes("1.1KB").n == 1100);
  CHECK(parse_bytes("1.5GiB").n == 1610612736);
}

TEST_CASE("duplicate JSON keys are errors naming the key and its JSON path") {
  CHECK(config_error(R"({"a": 1, "a": 2})") == "f.json: /a: duplicate key \"a\" (each key may appear once in an object)");
  // Nested in an array: the second op's "bytes".
  const std::string e = config_error(R"({"ops": [{"bytes": 1}, {"id": "x", "bytes": 1, "bytes": 2}]})");
  CHECK(e.find("f.json: /ops/1/bytes: duplicate key \"bytes\"") == 0);
  // After nested arrays and objects the index is still right; "/" in a key is escaped (RFC 6901).
  const std::string e2 = config_error(R"({"x": [[1, 2], {"k": [3]}, {"a/b": 1, "a/b": 2}]})");
  CHECK(e2.find("f.json: /x/2/a~1b: duplicate key") == 0);
  // The same key in sibling objects is fine.
  CHECK(config_error(R"({"p": {"a": 1}, "q": {"a": 1}})").empty());
}

TEST_CASE("serialization time never wraps to a negative or small time") {
  // 2e18 B at 400 Gb/s = 2e18 · 20 ps = 4e19 ps > INT64_MAX (9.22e18): not representable.
  Time t{};
  CHECK_FALSE(try_serialization_time(Bytes{2000000000000000000LL}, Rate::gbps(400), t));
  CHECK_THROWS_AS(serialization_time(Bytes{2000000000000000000LL}, Rate::gbps(400)), UnitError);
  CHECK_THROWS_AS(serialization_time(Bytes{INT64_MAX}, Rate::gbps(400)), UnitError);
  // 4.6e17 B at 400 Gb/s = 9.2e18 ps: still fits.
  CHECK(try_serialization_time(Bytes{460000000000000000LL}, Rate::gbps(400), t));
  CHECK(t.ps == 9200000000000000000LL);
}

TEST_CASE("the memory budget refuses an estimate above the limit, naming it in GiB") {
  set_memory_limit_bytes(1ULL << 30);
  CHECK_NOTHROW(require_memory(1ULL << 30, "building x", "detail"));
  try {
    require_memory(3ULL << 30, "building x", "10 nodes");
    FAIL("no throw");
  } catch (const MemoryLimitError& e) {
    const std::string w = e.what();
    CHECK(w.find("building x needs an estimated 3.00 GiB (10 nodes), more than the 1.00 GiB limit") == 0);
  }
  set_memory_limit_bytes(0);  // back to the machine's
  CHECK(memory_limit_bytes() <= physical_memory_bytes());
  CHECK(memory_limit_bytes() > 0);
  {
    ActivityScope a("building the fabric");
    CHECK(current_activity() == "building the fabric");
  }
  CHECK(current_activity().empty());
  // An exception unwinding through the scope leaves the activity for main()'s message.
  try {
    ActivityScope a("importing the trace t.et");
    throw std::bad_alloc();
  } catch (const std::bad_alloc&) {
    CHECK(current_activity() == "importing the trace t.et");
  }
}

TEST_CASE("watchdog: a clock stuck for N events stops the loop, a slow clock does not") {
  Simulator sim;
  sim.set_stall_limit(1000);
  Spinner s;
  sim.schedule_at(Time{5}, &s, 0);
  sim.run();  // without the watchdog this never returns
  CHECK(sim.stalled());
  CHECK(s.runs == 1001);  // the first event at t = 5 moved the clock; 1000 more did not
  CHECK(sim.now() == Time{5});

  Simulator sim2;
  sim2.set_stall_limit(2);
  Ticker t;
  sim2.schedule_at(Time{1}, &t, 0);
  sim2.run();
  CHECK_FALSE(sim2.stalled());
  CHECK(t.runs == 1000);
}
