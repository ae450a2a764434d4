#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "app/progress.hpp"

using namespace rocesim;

TEST_CASE("progress text: simulated time, wall time, event rate, done fraction and ETA") {
  // 2.5 ms simulated, 4 s wall, 8 M events → 2 M events/s; a quarter done after 4 s leaves
  // 3 quarters: ETA = 4 · 0.75 / 0.25 = 12 s.
  CHECK(app::format_progress(Time::from_us(2500), 4.0, 8'000'000, 0.25) ==
        "sim 2.500 ms | wall 4.0 s | 2.00 M events/s | 25% | ETA 12 s");
  CHECK(app::format_progress(Time::from_us(1), 1.0, 0, -1.0) == "sim 0.001 ms | wall 1.0 s | 0 events/s");
  // A contended fluid run: 29,100 events in 10 s = 2.91 k events/s (not "0.00 M").
  CHECK(app::format_progress(Time::from_us(343), 10.0, 29'100, -1.0) == "sim 0.343 ms | wall 10.0 s | 2.91 k events/s");
  CHECK(app::format_progress(Time::from_us(343), 10.0, 9'990, -1.0) == "sim 0.343 ms | wall 10.0 s | 999 events/s");
}

TEST_CASE("ETA from the pace of the last 20 s of redraws, not of the whole run") {
  app::EtaWindow w;
  // No redraw yet: the pace since the start, 0.25 done after 4 s → 0.75 · 4 / 0.25 = 12 s.
  CHECK(w.eta(4.0, 0.25) == doctest::Approx(12.0));
  // Cheap pieces first: 20 % after 2 s, then 1 % per second: (1 − 0.3) · 10 / 0.1 = 70 s
  // (the whole-run pace would say 0.7 · 12 / 0.3 = 28 s).
  w.add(2.0, 0.20);
  CHECK(w.eta(12.0, 0.30) == doctest::Approx(70.0));
  // Samples older than the window drop out: at 30 s the oldest kept is (10 s, 0.25),
  // so (1 − 0.3) · 20 / 0.05 = 280 s.
  w.add(10.0, 0.25);
  w.add(30.0, 0.30);
  CHECK(w.eta(30.0 + 1e-9, 0.30 + 1e-12) == doctest::Approx(280.0).epsilon(1e-3));
  // No progress inside the window: no estimate.
  app::EtaWindow still;
  still.add(5.0, 0.5);
  CHECK(std::isinf(still.eta(9.0, 0.5)));
  // … and the line shows the percentage without an ETA.
  CHECK(app::format_progress(Time::from_us(2500), 9.0, 0, 0.5, std::numeric_limits<double>::infinity()) ==
        "sim 2.500 ms | wall 9.0 s | 0 events/s | 50%");
  CHECK(app::format_progress(Time::from_us(2500), 12.0, 0, 0.3, 70.0) == "sim 2.500 ms | wall 12.0 s | 0 events/s | 30% | ETA 70 s");
}

TEST_CASE("a disabled progress line writes nothing; an enabled one redraws in place and erases itself") {
  std::ostringstream off, on;
  app::ProgressLine quiet(off, false, 0.0, 0.0), shown(on, true, 0.0, 0.0);
  for (int i = 0; i < 3; ++i) {
    quiet.update(Time::from_us(i), 10, 0.5);
    shown.update(Time::from_us(i), 10, 0.5);
  }
  quiet.finish();
  shown.finish();
  CHECK(off.str().empty());
  const std::string s = on.str();
  CHECK(std::count(s.begin(), s.end(), '\r') == 3 + 2);  // three redraws, then blank and return
  CHECK(s.find("events/s") != std::string::npos);
  CHECK(s.back() == '\r');
}
