// RadixHeap against a brute-force minimum: random monotone pushes and pops, with keys equal to
// the last popped one and keys a rounding error below it (the fill's max() clamps leave some).
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "flow/radix_heap.hpp"

using namespace rocesim;
using namespace rocesim::flow;

namespace {
struct Entry {
  double level;
  std::uint32_t id;
};
struct Key {
  std::uint64_t operator()(const Entry& e) const { return std::bit_cast<std::uint64_t>(e.level); }
};
}  // namespace

TEST_CASE("radix heap pops the least key, including keys pushed a rounding error below the last") {
  Rng rng(derive_seed(3, "radix-heap-test"));
  RadixHeap<Entry, Key> h;
  std::vector<Entry> ref;
  double last = 0.0;
  std::uint32_t next_id = 0, popped = 0;
  for (int step = 0; step < 200000; ++step) {
    if (step % 50000 == 49999) {  // a new fill: the water starts again from 0
      h.clear();
      ref.clear();
      last = 0.0;
    }
    if (ref.empty() || rng.below(5) < 3) {
      double level = 0.0;
      switch (rng.below(4)) {
        case 0: level = last; break;                                       // a tie with the water
        case 1: level = last * (1.0 - 1e-15); break;                       // rounding below it
        case 2: level = last + static_cast<double>(rng.below(1000)); break;
        default: level = 2.0 * last + 1.0; break;                          // far above
      }
      h.push(Entry{level, next_id});
      ref.push_back(Entry{level, next_id++});
      continue;
    }
    const auto least = std::min_element(ref.begin(), ref.end(), [](const Entry& a, const Entry& b) { return a.level < b.level; });
    const double top = h.top().level;
    const Entry e = h.pop();
    REQUIRE(e.level == least->level);
    REQUIRE(top == e.level);
    ref.erase(std::find_if(ref.begin(), ref.end(), [&](const Entry& r) { return r.id == e.id; }));
    last = std::max(last, e.level);
    ++popped;
    CHECK(h.size() == ref.size());
  }
  CHECK(popped > 50000);
}

TEST_CASE("radix heap: keys a rounding error below 10^5 ties at the last level pop first, in order") {
  // A symmetric all-to-all gives 10^5 bit-identical saturation levels; a few more come a rounding
  // error below the water. Those must come out first and in order, then the ties in any order.
  RadixHeap<Entry, Key> h;
  h.push(Entry{1.0, 0});
  REQUIRE(h.pop().level == 1.0);
  for (std::uint32_t i = 0; i < 100000; ++i) h.push(Entry{1.0, i});
  for (std::uint32_t i = 0; i < 100; ++i) h.push(Entry{1.0 - 1e-16 * (1 + i % 3), 100000 + i});
  std::uint32_t below = 0, ties = 0;
  double prev = 0.0;
  while (!h.empty()) {
    const Entry e = h.pop();
    if (e.level < 1.0) {
      CHECK(ties == 0);
      CHECK(e.level >= prev);
      prev = e.level;
      ++below;
    } else {
      ++ties;
    }
  }
  CHECK(below == 100);
  CHECK(ties == 100000);
}
