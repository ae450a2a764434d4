#include <doctest/doctest.h>

#include <vector>

#include "core/simulator.hpp"

using namespace rocesim;

namespace {

// Records (time, kind, arg) of every event it receives.
class Recorder final : public EventHandler {
 public:
  struct Hit {
    std::int64_t t;
    std::uint32_t kind;
    std::uint64_t arg;
  };
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override {
    hits.push_back({sim.now().ps, kind, arg});
    if (kind == 99) sim.stop();
  }
  std::vector<Hit> hits;
};

}  // namespace

TEST_CASE("events run in time order, ties in scheduling order") {
  Simulator sim;
  Recorder r;
  sim.schedule_at(Time::from_ns(5), &r, 1, 0);
  sim.schedule_at(Time::from_ns(1), &r, 2, 0);
  for (std::uint64_t i = 0; i < 10; ++i) sim.schedule_at(Time::from_ns(3), &r, 3, i);
  sim.schedule_at(Time::from_ns(1), &r, 4, 0);
  CHECK(sim.run() == 13);
  REQUIRE(r.hits.size() == 13);
  CHECK(r.hits[0].kind == 2);  // t=1, scheduled before kind 4
  CHECK(r.hits[1].kind == 4);
  for (std::uint64_t i = 0; i < 10; ++i) {
    CHECK(r.hits[2 + i].kind == 3);
    CHECK(r.hits[2 + i].arg == i);  // the ten ties at t=3 keep insertion order
  }
  CHECK(r.hits[12].kind == 1);
  CHECK(sim.now() == Time::from_ns(5));
}

TEST_CASE("run_until stops at the limit and resumes later") {
  Simulator sim;
  Recorder r;
  sim.schedule_at(Time::from_ns(1), &r, 1);
  sim.schedule_at(Time::from_ns(10), &r, 2);
  CHECK(sim.run_until(Time::from_ns(5)) == 1);
  CHECK(sim.now() == Time::from_ns(5));
  CHECK(sim.pending() == 1);
  CHECK(sim.run() == 1);
  CHECK(sim.now() == Time::from_ns(10));
}

TEST_CASE("stop() returns after the current event") {
  Simulator sim;
  Recorder r;
  sim.schedule_at(Time::from_ns(1), &r, 99);
  sim.schedule_at(Time::from_ns(2), &r, 1);
  CHECK(sim.run() == 1);
  CHECK(r.hits.size() == 1);
  CHECK(sim.run() == 1);
}

TEST_CASE("timers: cancel and re-arm are O(1) and stale firings are skipped") {
  Simulator sim;
  Recorder r;
  const TimerId a = sim.make_timer(&r, 7, 1);
  const TimerId b = sim.make_timer(&r, 8, 2);
  sim.arm(a, Time::from_ns(10));
  sim.arm(b, Time::from_ns(20));
  CHECK(sim.armed(a));
  sim.cancel(a);
  CHECK(!sim.armed(a));
  sim.arm(b, Time::from_ns(30));  // re-arm: the t=20 firing becomes stale
  CHECK(sim.expiry(b) == Time::from_ns(30));
  sim.run();
  REQUIRE(r.hits.size() == 1);
  CHECK(r.hits[0].kind == 8);
  CHECK(r.hits[0].t == Time::from_ns(30).ps);
  CHECK(!sim.armed(b));
  CHECK(sim.events_executed() == 1);
}

TEST_CASE("two simulators in one process are independent") {
  Simulator s1, s2;
  Recorder r1, r2;
  for (int i = 0; i < 100; ++i) {
    s1.schedule_at(Time::from_ns(i), &r1, 1, static_cast<std::uint64_t>(i));
    s2.schedule_at(Time::from_ns(1000 - i), &r2, 2, static_cast<std::uint64_t>(i));
  }
  // Interleave their loops: neither sees the other's clock or events.
  s1.run_until(Time::from_ns(49));
  s2.run_until(Time::from_ns(950));
  CHECK(r1.hits.size() == 50);
  CHECK(r2.hits.size() == 50);
  s1.run();
  s2.run();
  CHECK(r1.hits.size() == 100);
  CHECK(r2.hits.size() == 100);
  CHECK(s1.now() == Time::from_ns(99));
  CHECK(s2.now() == Time::from_ns(1000));
  for (const auto& h : r1.hits) CHECK(h.kind == 1);
}

TEST_CASE("a large random schedule pops in nondecreasing (time, seq) order") {
  Simulator sim;
  Recorder r;
  std::uint64_t x = 12345;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    sim.schedule_at(Time::from_ps(static_cast<std::int64_t>(x >> 54)), &r, 0, i);
  }
  sim.run();
  REQUIRE(r.hits.size() == 5000);
  for (std::size_t i = 1; i < r.hits.size(); ++i) {
    CHECK(r.hits[i - 1].t <= r.hits[i].t);
    if (r.hits[i - 1].t == r.hits[i].t) CHECK(r.hits[i - 1].arg < r.hits[i].arg);
  }
}

TEST_CASE("a limit behind the clock never moves it backwards") {
  // A progress loop once passed a wrapped (negative) limit; the clock must stay where it is and
  // the pending event must still run at its own time.
  Simulator sim;
  Recorder r;
  sim.schedule_at(Time::from_us(5), &r, 1, 0);
  sim.run_until(Time::from_us(2));
  REQUIRE(sim.now() == Time::from_us(2));
  sim.run_until(Time{-1000});
  CHECK(sim.now() == Time::from_us(2));
  sim.run_until(Time::from_us(1));
  CHECK(sim.now() == Time::from_us(2));
  sim.run();
  REQUIRE(r.hits.size() == 1);
  CHECK(r.hits[0].t == Time::from_us(5).ps);
}
