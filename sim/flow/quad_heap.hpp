// 4-ary min-heap operations on a std::vector, for the flow tier's priority queues (the solver's
// saturation levels, the completion buckets). `before(a, b)` is true when a belongs nearer the top.
// Why 4-ary: half the levels of a binary heap, so a pop moves half as many entries (the moves, not
// the compares, dominate), and a node's four children of 16-byte entries share a cache line.
// Children of node i: 4i + 1 … 4i + 4; parent of i > 0: (i − 1) / 4. Pops follow `before`; entries
// equal under it pop in an order fixed by the operations alone (deterministic, not stable).
// Thread safety: none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace rocesim::flow {

// Moves h[i] down to its place among its descendants.
template <class T, class Before>
void quad_heap_sift_down(std::vector<T>& h, std::size_t i, Before before) {
  const std::size_t n = h.size();
  const T x = h[i];
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t last = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < last; ++c)
      if (before(h[c], h[best])) best = c;
    if (!before(h[best], x)) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = x;
}

template <class T, class Before>
void quad_heap_push(std::vector<T>& h, const T& x, Before before) {
  std::size_t i = h.size();
  h.push_back(x);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!before(x, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = x;
}

// Removes and returns the top. REQUIRES: !h.empty().
template <class T, class Before>
T quad_heap_pop(std::vector<T>& h, Before before) {
  const T top = h.front();
  h.front() = h.back();
  h.pop_back();
  if (!h.empty()) quad_heap_sift_down(h, 0, before);
  return top;
}

// Orders an arbitrary vector as a heap in O(n).
template <class T, class Before>
void quad_heap_make(std::vector<T>& h, Before before) {
  if (h.size() < 2) return;
  for (std::size_t i = (h.size() - 2) / 4 + 1; i-- > 0;) quad_heap_sift_down(h, i, before);
}

}  // namespace rocesim::flow
