// CompletionQueue: pending finish times of fluid flows, bucketed by time.
//
// Flows that start together at equal rates finish at the same picosecond (a ring step of
// thousands of flows), so entries are grouped in one bucket per distinct time: a 4-ary min-heap
// orders the distinct times only, a hash table finds the bucket of a time, and a bucket's entries
// sit contiguously. Popping a step of n flows is then one heap pop and an n-element sort, not n
// heap pops through a heap of every active flow (each a cache miss per level at 10^5 flows).
// Order: buckets by ascending time; inside a bucket, entries by (item, version) ascending: the
// same order as one heap of (time, item) entries, independent of push order.
// Liveness: the owner counts, per bucket, the entries it still needs (push() adds one,
// release() removes one, e.g. when the item's finish time changed and it was pushed again).
// A bucket whose count drops to 0 is dropped when it reaches the top (drop_dead()), so
// top_time() is always the time of a bucket holding at least one live entry. Entries that were
// released stay in their bucket until it is popped or compact() filters them: the owner tells
// stale from live (e.g. by a version) when it pops.
// Cost: push O(1) expected plus O(log4 B) for a new time (B buckets); pop O(log4 B + n log n).
// No allocation once the bucket pool, the heap and the table reached their high-water mark
// (a released bucket keeps its vector's capacity for the next time).
// Thread safety: none.
#pragma once

#include <cstdint>
#include <vector>

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
  std::int64_t top_time() const { return heap_.front(); }
  // Appends the earliest bucket's entries (all, stale or not) to `out` sorted by (item, version)
  // and removes the bucket. REQUIRES: !empty().
  void pop_top(std::vector<Entry>& out);
  // Entries held, stale ones included.
  std::size_t entries() const { return entries_; }
  // Removes every entry for which stale(entry) holds, and every bucket without live entries.
  template <class Stale>
  void compact(Stale stale) {
    std::vector<std::int64_t> times;
    times.swap(heap_);
    for (std::int64_t t : times) {
      const std::uint32_t b = find(t);
      Bucket& k = buckets_[b];
      std::size_t kept = 0;
      for (const Entry& e : k.items)
        if (!stale(e)) k.items[kept++] = e;
      entries_ -= k.items.size() - kept;
      k.items.resize(kept);
      if (k.live == 0) {
        erase(t);
        free_bucket(b);
      } else {
        heap_push(t);
      }
    }
  }

 private:
  struct Bucket {
    std::int64_t at = 0;
    std::uint32_t live = 0;
    std::vector<Entry> items;
  };
  struct Slot {
    std::int64_t at;
    std::uint32_t bucket;  // kNoBucket: empty slot
  };

  std::uint32_t find(std::int64_t at) const;  // bucket of `at`, or kNoBucket
  void insert(std::int64_t at, std::uint32_t bucket);
  void erase(std::int64_t at);
  void grow();
  std::size_t home(std::int64_t at) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(at) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void heap_push(std::int64_t t);
  void heap_pop();
  void free_bucket(std::uint32_t b);

  std::vector<std::int64_t> heap_;  // distinct times with a bucket, 4-ary min-heap
  std::vector<Bucket> buckets_;
  std::vector<std::uint32_t> free_buckets_;
  std::vector<Slot> table_;         // open addressing, linear probing, power-of-two size
  std::size_t table_used_ = 0;
  int shift_ = 64;
  std::size_t entries_ = 0;
  std::int64_t last_at_ = -1;       // the last pushed time and its bucket (a step pushes one time many times)
  std::uint32_t last_bucket_ = kNoBucket;
};

}  // namespace rocesim::flow
