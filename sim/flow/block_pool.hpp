// BlockPool<T>: variable-length arrays carved out of one growing vector, for per-flow lists that
// are created and freed at event rate (a flow's incidences, a pending flow's path).
//
// A block of n elements is taken from size class k = ceil(log2 n) (capacity 2^k) and returned to
// that class's free list when released, so once warm the pool allocates nothing per event and
// holds at most 2× the live elements plus what peak demand left in the free lists. Blocks are
// addressed by offset (stable across growth); pointers from data() are invalidated by allocate().
// Thread safety: none.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace rocesim::flow {

template <class T>
class BlockPool {
 public:
  struct Block {
    std::uint32_t off = 0;
    std::uint8_t size_class = 0;
  };

  // A block with room for n elements (n >= 0; an empty request still takes a 1-element block).
  Block allocate(std::uint32_t n) {
    const auto k = static_cast<std::uint8_t>(std::bit_width(std::max<std::uint32_t>(n, 1) - 1));
    auto& free = free_[k];
    if (!free.empty()) {
      const std::uint32_t off = free.back();
      free.pop_back();
      return Block{off, k};
    }
    const std::size_t off = items_.size();
    if (off + (std::size_t{1} << k) > UINT32_MAX) throw std::length_error("BlockPool: more than 2^32 elements");
    items_.resize(off + (std::size_t{1} << k));
    return Block{static_cast<std::uint32_t>(off), k};
  }
  void release(Block b) { free_[b.size_class].push_back(b.off); }

  T* data(Block b) { return items_.data() + b.off; }
  const T* data(Block b) const { return items_.data() + b.off; }

 private:
  std::vector<T> items_;
  std::array<std::vector<std::uint32_t>, 33> free_;
};

}  // namespace rocesim::flow
