// CompletionQueue: pending finish times of fluid flows, bucketed by time.
//
// Flows that start together at equal rates finish at the same picosecond (a ring step of
// thousands of flows), so entries are grouped in buckets of one time each: a 4-ary min-heap
// orders the buckets by time, and a bucket's entries sit contiguously. A push joins the bucket of
// its time if one of the last few buckets pushed to has it (no hash table: asynchronous traffic,
// where times rarely repeat, pays no lookup miss), else opens a bucket; so one time may have
// several buckets, and pop_top() takes all of them. Popping a step of n flows is then a few heap
// pops and an n-element sort, not n heap pops through a heap of every active flow (each a cache
// miss per level at 10^5 flows).
// Order: ascending time; at one time, entries by (item, version) ascending: the same order as
// one heap of (time, item) entries, independent of push order and of how they were bucketed.
// Liveness: the owner counts, per bucket, the entries it still needs (push() adds one,
// release() removes one, e.g. when the item's finish time changed and it was pushed again).
// A bucket whose count drops to 0 is dropped when it reaches the top (drop_dead()), so
// top_time() is always the time of a bucket holding at least one live entry. Entries that were
// released stay in their bucket until it is popped or compact() filters them: the owner tells
// stale from live (e.g. by a version) when it pops.
// Cost: push O(1) plus O(log4 B) for a new bucket (B buckets); pop O(k log4 B + n log n) for k
// buckets of n entries. No allocation once the bucket pool and the heap reached their high-water mark
// (a released bucket keeps its vector's capacity for the next time).
// Thread safety: none.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "flow/quad_heap.hpp"

namespace rocesim::flow {

class CompletionQueue {
 public:
  static constexpr std::uint32_t kNoBucket = UINT32_MAX;
  struct Entry {
    std::uint32_t item;
    std::uint32_t version;
  };

  // Adds (item, version) at time `at` (>= 0) and returns the id of its bucket, valid until that
  // bucket is popped or dropped.
  std::uint32_t push(std::int64_t at, std::uint32_t item, std::uint32_t version);
  // One live entry of `bucket` is no longer needed. REQUIRES: the bucket still counts one.
  void release(std::uint32_t bucket) { --buckets_[bucket].live; }
  // Removes buckets without live entries from the top; afterwards empty() or the top is live.
  void drop_dead();
  // REQUIRES: drop_dead() since the last change, for the top to be live.
  bool empty() const { return heap_.empty(); }
  // REQUIRES: !empty().
  std::int64_t top_time() const { return heap_.front().at; }
  // Appends the entries (all, stale or not) of every bucket at the earliest time to `out`, sorted
  // by (item, version), and removes those buckets. REQUIRES: !empty().
  void pop_top(std::vector<Entry>& out);
  // Entries held, stale ones included.
  std::size_t entries() const { return entries_; }
  // Removes every entry for which stale(entry) holds, and every bucket without live entries.
  // REQUIRES: stale(e) holds exactly for the entries that were released (live counts exact).
  template <class Stale>
  void compact(Stale stale) {
    std::size_t kept_buckets = 0;
    for (const Node& node : heap_) {
      Bucket& k = buckets_[node.bucket];
      // A bucket with as many live entries as entries (most under asynchronous traffic, where
      // buckets hold one entry) or none needs no per-entry test.
      if (k.live != 0 && k.live != k.items.size()) {
        std::size_t kept = 0;
        for (const Entry& e : k.items)
          if (!stale(e)) k.items[kept++] = e;
        entries_ -= k.items.size() - kept;
        k.items.resize(kept);
      }
      if (k.live == 0) {
        entries_ -= k.items.size();
        free_bucket(node.bucket);
      } else {
        heap_[kept_buckets++] = node;
      }
    }
    heap_.resize(kept_buckets);
    std::sort(heap_.begin(), heap_.end(), [](const Node& a, const Node& b) { return a < b; });  // a heap
  }

 private:
  struct Bucket {
    std::int64_t at = 0;
    std::uint32_t live = 0;
    std::vector<Entry> items;
  };
  struct Node {
    std::int64_t at;
    std::uint32_t bucket;
    bool operator<(const Node& o) const { return at != o.at ? at < o.at : bucket < o.bucket; }
  };
  static constexpr std::size_t kRecent = 8;

  void free_bucket(std::uint32_t b);

  std::vector<Node> heap_;  // buckets by time, 4-ary min-heap (four 16-byte children per line)
  std::vector<Bucket> buckets_;
  std::vector<std::uint32_t> free_buckets_;
  std::size_t entries_ = 0;
  // The last buckets pushed to (a step pushes one time many times, maybe interleaved with a few
  // other times); kNoBucket: unused.
  std::array<std::uint32_t, kRecent> recent_{kNoBucket, kNoBucket, kNoBucket, kNoBucket,
                                            kNoBucket, kNoBucket, kNoBucket, kNoBucket};
  std::size_t recent_next_ = 0;
};

}  // namespace rocesim::flow
