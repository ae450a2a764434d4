#include <doctest/doctest.h>

#include <algorithm>
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
