// RadixHeap: a monotone min-priority queue on 64-bit keys (Ahuja, Mehlhorn, Orlin and Tarjan,
// "Faster algorithms for the shortest path problem", 1990), for the max-min fill, whose water
// level only rises: every pushed key is >= the last popped one.
//
// Bucket 0 holds the entries whose key equals the last popped key `last`; bucket i (1..64) those
// whose highest bit differing from `last` is bit i − 1. A pop that finds bucket 0 empty takes the
// lowest non-empty bucket, makes its minimum the new `last` and redistributes that bucket into
// lower ones (each entry lands strictly lower, so it moves at most 64 times, in practice a few).
// Every operation is an append or a sequential scan: no sift through a large array, which is
// what a binary or 4-ary heap of 10^5 entries spends its time on (cache misses per level).
// Non-negative doubles order like their bit patterns, so a level is its own key.
// A key below `last` (rounding) goes to a small 4-ary heap of its own, which yields first: all of
// it is below every bucket, as any heap would pop it. (Scanning bucket 0 for it instead was
// quadratic when 10^5 flows share one level.)
// Entries with equal keys pop in an order fixed by the operations alone (deterministic).
// Thread safety: none.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "flow/quad_heap.hpp"

namespace rocesim::flow {

template <class T, class KeyOf>
class RadixHeap {
 public:
  explicit RadixHeap(KeyOf key = KeyOf{}) : key_(key) {}

  void clear() {
    for (std::uint64_t m = mask_; m != 0; m &= m - 1) buckets_[1 + std::countr_zero(m)].clear();
    buckets_[0].clear();
    mask_ = 0;
    last_ = 0;
    size_ = 0;
    low_.clear();
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const T& e) {
    place(e);
    ++size_;
  }
  // REQUIRES: !empty().
  const T& top() {
    if (!low_.empty()) return low_.front();
    if (buckets_[0].empty()) refill();
    return buckets_[0].back();
  }
  T pop() {
    --size_;
    if (!low_.empty()) return quad_heap_pop(low_, Lower{key_});
    if (buckets_[0].empty()) refill();
    const T e = buckets_[0].back();
    buckets_[0].pop_back();
    return e;
  }

 private:
  struct Lower {
    KeyOf key;
    bool operator()(const T& a, const T& b) const { return key(a) < key(b); }
  };
  void place(const T& e) {
    const std::uint64_t k = key_(e);
    if (k < last_) {
      quad_heap_push(low_, e, Lower{key_});
      return;
    }
    if (k == last_) {
      buckets_[0].push_back(e);
      return;
    }
    const auto i = static_cast<unsigned>(64 - std::countl_zero(k ^ last_));
    buckets_[i].push_back(e);
    mask_ |= std::uint64_t{1} << (i - 1);
  }
  void refill() {
    const unsigned i = 1 + static_cast<unsigned>(std::countr_zero(mask_));
    std::vector<T>& b = buckets_[i];
    std::uint64_t m = key_(b[0]);
    for (const T& e : b) m = std::min(m, key_(e));
    last_ = m;
    mask_ &= ~(std::uint64_t{1} << (i - 1));
    // Swap out first: place() appends to lower buckets only, never to b.
    scratch_.swap(b);
    for (const T& e : scratch_) place(e);
    scratch_.clear();
  }

  KeyOf key_;
  std::array<std::vector<T>, 65> buckets_;
  std::vector<T> scratch_;
  std::uint64_t mask_ = 0;  // bit i − 1: bucket i is non-empty
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
  std::vector<T> low_;  // keys below last_ (rounding), a 4-ary heap: they are the minimum
};

}  // namespace rocesim::flow
