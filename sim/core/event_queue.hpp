// Pending-event set: a vector-backed 4-ary min-heap of 16-byte keys plus a slab of payloads.
//
// Order: (time, seq) ascending, where seq is the insertion sequence number, so events at the same
// picosecond fire in the order they were scheduled (OMNeT++/ns-3/SST semantics). Never pointer order,
// never randomness. The key is one unsigned 128-bit integer, time·2^64 + seq·2^26 + slot, so a
// comparison is one branch-free 128-bit compare and four children share one 64-byte cache line.
// Limits: time >= 0; at most 2^26 (67 M) events pending at once; 2^38 (2.7e11) events per queue.
// Cost: push and pop O(log4 n); no allocation once the vectors reach their high-water mark.
// Cancellation is not done here: Simulator keeps timer slots and skips stale records when popped.
// Thread safety: none; one queue belongs to one Simulator.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/units.hpp"

namespace rocesim {

class EventHandler;

struct Event {
  Time time;
  std::uint64_t seq = 0;
  EventHandler* target = nullptr;
  std::uint64_t arg = 0;   // meaning chosen by the target (a port index, a QP id, ...)
  std::uint32_t kind = 0;  // meaning chosen by the target
};

class EventQueue {
 public:
  static constexpr int kSlotBits = 26;
  static constexpr std::uint64_t kSlotMask = (1ULL << kSlotBits) - 1;

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Time top_time() const { return Time{static_cast<std::int64_t>(heap_.front() >> 64)}; }
  std::uint64_t pushed() const { return next_seq_; }

  // Returns the event's sequence number. REQUIRES: at >= 0.
  std::uint64_t push(Time at, EventHandler* target, std::uint32_t kind, std::uint64_t arg) {
    std::uint32_t slot;
    if (free_ != kNoSlot) {
      slot = free_;
      free_ = payload_[slot].next_free;
    } else {
      if (payload_.size() > kSlotMask) throw std::length_error("event queue: more than 2^26 pending events");
      slot = static_cast<std::uint32_t>(payload_.size());
      payload_.push_back({});
    }
    payload_[slot] = Payload{target, arg, kind, kNoSlot};
    const std::uint64_t seq = next_seq_++;
    const Key key = (static_cast<Key>(static_cast<std::uint64_t>(at.ps)) << 64) | (seq << kSlotBits) | slot;
    heap_.push_back(key);
    sift_up(heap_.size() - 1, key);
    return seq;
  }

  // REQUIRES: !empty().
  Event pop() {
    const Key top = heap_.front();
    const Key last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(last);
    const auto low = static_cast<std::uint64_t>(top);
    const auto slot = static_cast<std::uint32_t>(low & kSlotMask);
    Payload& p = payload_[slot];
    Event e{Time{static_cast<std::int64_t>(top >> 64)}, low >> kSlotBits, p.target, p.arg, p.kind};
    p.next_free = free_;
    free_ = slot;
    return e;
  }

 private:
  using Key = unsigned __int128;
  static constexpr std::size_t kArity = 4;
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;

  struct Payload {
    EventHandler* target;
    std::uint64_t arg;
    std::uint32_t kind;
    std::uint32_t next_free;
  };

  void sift_up(std::size_t i, Key k) {
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(k < heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = k;
  }

  // Places `k` (the former last element) starting from the root hole.
  void sift_down(Key k) {
    const std::size_t n = heap_.size();
    Key* h = heap_.data();
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      std::size_t best;
      if (first + kArity <= n) {
        // Branch-free selection among four children.
        const std::size_t a = first + (h[first + 1] < h[first] ? 1 : 0);
        const std::size_t b = first + 2 + (h[first + 3] < h[first + 2] ? 1 : 0);
        best = h[b] < h[a] ? b : a;
      } else {
        if (first >= n) break;
        best = first;
        for (std::size_t c = first + 1; c < n; ++c) {
          if (h[c] < h[best]) best = c;
        }
      }
      if (!(h[best] < k)) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = k;
  }

  std::vector<Key> heap_;
  std::vector<Payload> payload_;
  std::uint32_t free_ = kNoSlot;
  std::uint64_t next_seq_ = 1;
};

}  // namespace rocesim
