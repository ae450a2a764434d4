// CompletionQueue: buckets by time pop in ascending time, entries inside a bucket by (item,
// version) whatever the push order, released buckets never reach the top, and compaction keeps
// exactly the live entries; checked against a sorted reference on random push/release streams.
#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/rng.hpp"
#include "flow/completion_queue.hpp"

using namespace rocesim;
using namespace rocesim::flow;

namespace {

std::vector<std::uint32_t> items(const std::vector<CompletionQueue::Entry>& es) {
  std::vector<std::uint32_t> out;
  for (const auto& e : es) out.push_back(e.item);
  return out;
}

}  // namespace

TEST_CASE("completion queue: ties at one time pop as one bucket sorted by item; times ascend") {
  // Pushed out of order at times 20, 10, 20, 10, 20: the 10 bucket pops first with items 3, 7,
  // then the 20 bucket with 1, 5, 9.
  CompletionQueue q;
  q.push(20, 9, 0);
  q.push(10, 7, 0);
  q.push(20, 1, 0);
  q.push(10, 3, 0);
  q.push(20, 5, 0);
  CHECK(q.entries() == 5);
  q.drop_dead();
  REQUIRE(!q.empty());
  CHECK(q.top_time() == 10);
  std::vector<CompletionQueue::Entry> out;
  q.pop_top(out);
  CHECK(items(out) == std::vector<std::uint32_t>{3, 7});
  out.clear();
  q.drop_dead();
  CHECK(q.top_time() == 20);
  q.pop_top(out);
  CHECK(items(out) == std::vector<std::uint32_t>{1, 5, 9});
  q.drop_dead();
  CHECK(q.empty());
  CHECK(q.entries() == 0);
}

TEST_CASE("completion queue: a bucket whose entries were all released is dropped, not popped") {
  // Item 4 finishes at 10, then is re-pushed at 30 (its entry at 10 released): the top is 30.
  CompletionQueue q;
  const std::uint32_t b10 = q.push(10, 4, 0);
  q.push(30, 4, 1);
  q.release(b10);
  q.drop_dead();
  REQUIRE(!q.empty());
  CHECK(q.top_time() == 30);
  // A new push at the dropped time makes a fresh bucket.
  q.push(10, 2, 0);
  q.drop_dead();
  CHECK(q.top_time() == 10);
}

TEST_CASE("completion queue: random pushes and releases match a sorted reference, with compaction") {
  // Reference: the set of live (time, item, version) triples; the queue must pop, time by time,
  // every live triple of that time (stale ones may come along and are filtered by version).
  Rng rng(derive_seed(7, "completion-queue-test"));
  for (int trial = 0; trial < 20; ++trial) {
    CompletionQueue q;
    const std::uint32_t n_items = 1 + static_cast<std::uint32_t>(rng.below(60));
    std::vector<std::uint32_t> version(n_items, 0), bucket(n_items, CompletionQueue::kNoBucket);
    std::vector<std::int64_t> at(n_items, -1);
    std::int64_t now = 0;
    for (int step = 0; step < 400; ++step) {
      const auto i = static_cast<std::uint32_t>(rng.below(n_items));
      // (Re)schedule item i at a time from a small range, so many ties occur.
      if (bucket[i] != CompletionQueue::kNoBucket) q.release(bucket[i]);
      ++version[i];
      at[i] = now + static_cast<std::int64_t>(rng.below(8));
      bucket[i] = q.push(at[i], i, version[i]);
      if (rng.below(10) == 0)
        q.compact([&](const CompletionQueue::Entry& e) { return e.version != version[e.item]; });
      if (rng.below(4) != 0) continue;
      // Pop one time and compare with the reference.
      q.drop_dead();
      REQUIRE(!q.empty());
      const std::int64_t t = q.top_time();
      std::vector<std::tuple<std::int64_t, std::uint32_t>> expect;
      std::int64_t min_t = INT64_MAX;
      for (std::uint32_t k = 0; k < n_items; ++k)
        if (bucket[k] != CompletionQueue::kNoBucket) min_t = std::min(min_t, at[k]);
      CHECK(t == min_t);
      std::vector<std::uint32_t> expect_items;
      for (std::uint32_t k = 0; k < n_items; ++k)
        if (bucket[k] != CompletionQueue::kNoBucket && at[k] == t) expect_items.push_back(k);
      std::vector<CompletionQueue::Entry> out;
      q.pop_top(out);
      CHECK(std::is_sorted(out.begin(), out.end(), [](const auto& x, const auto& y) {
        return x.item != y.item ? x.item < y.item : x.version < y.version;
      }));
      std::vector<std::uint32_t> got;
      for (const auto& e : out)
        if (e.version == version[e.item]) got.push_back(e.item);
      CHECK(got == expect_items);
      for (std::uint32_t k : expect_items) bucket[k] = CompletionQueue::kNoBucket;
      now = t;
    }
  }
}
