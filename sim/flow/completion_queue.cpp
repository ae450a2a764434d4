#include "flow/completion_queue.hpp"

#include <algorithm>

namespace rocesim::flow {

std::uint32_t CompletionQueue::push(std::int64_t at, std::uint32_t item, std::uint32_t version) {
  std::uint32_t b = at == last_at_ ? last_bucket_ : find(at);
  if (b == kNoBucket) {
    if (!free_buckets_.empty()) {
      b = free_buckets_.back();
      free_buckets_.pop_back();
    } else {
      b = static_cast<std::uint32_t>(buckets_.size());
      buckets_.emplace_back();
    }
    buckets_[b].at = at;
    buckets_[b].live = 0;
    insert(at, b);
    heap_push(at);
  }
  last_at_ = at;
  last_bucket_ = b;
  Bucket& k = buckets_[b];
  ++k.live;
  k.items.push_back(Entry{item, version});
  ++entries_;
  return b;
}

void CompletionQueue::drop_dead() {
  while (!heap_.empty()) {
    const std::int64_t t = heap_.front();
    const std::uint32_t b = find(t);
    if (buckets_[b].live > 0) return;
    entries_ -= buckets_[b].items.size();
    heap_pop();
    erase(t);
    free_bucket(b);
  }
}

void CompletionQueue::pop_top(std::vector<Entry>& out) {
  const std::int64_t t = heap_.front();
  const std::uint32_t b = find(t);
  Bucket& k = buckets_[b];
  const std::size_t first = out.size();
  out.insert(out.end(), k.items.begin(), k.items.end());
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](const Entry& x, const Entry& y) {
    return x.item != y.item ? x.item < y.item : x.version < y.version;
  });
  entries_ -= k.items.size();
  heap_pop();
  erase(t);
  free_bucket(b);
}

void CompletionQueue::free_bucket(std::uint32_t b) {
  buckets_[b].items.clear();
  buckets_[b].live = 0;
  free_buckets_.push_back(b);
  if (last_bucket_ == b) {
    last_bucket_ = kNoBucket;
    last_at_ = -1;
  }
}

std::uint32_t CompletionQueue::find(std::int64_t at) const {
  if (table_.empty()) return kNoBucket;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = home(at);; i = (i + 1) & mask) {
    const Slot& s = table_[i];
    if (s.bucket == kNoBucket) return kNoBucket;
    if (s.at == at) return s.bucket;
  }
}

void CompletionQueue::insert(std::int64_t at, std::uint32_t bucket) {
  if (2 * (table_used_ + 1) > table_.size()) grow();
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(at);
  while (table_[i].bucket != kNoBucket) i = (i + 1) & mask;
  table_[i] = Slot{at, bucket};
  ++table_used_;
}

// Backward-shift deletion: no tombstones, so probe lengths stay short under churn.
void CompletionQueue::erase(std::int64_t at) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(at);
  while (table_[i].at != at || table_[i].bucket == kNoBucket) i = (i + 1) & mask;
  for (std::size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    const Slot& s = table_[j];
    if (s.bucket == kNoBucket) break;
    const std::size_t h = home(s.at);
    // s may move into the hole at i iff its home is not cyclically in (i, j].
    if (((j - h) & mask) >= ((j - i) & mask)) {
      table_[i] = s;
      i = j;
    }
  }
  table_[i].bucket = kNoBucket;
  --table_used_;
}

void CompletionQueue::grow() {
  std::vector<Slot> old;
  old.swap(table_);
  const std::size_t size = old.empty() ? 64 : 2 * old.size();
  table_.assign(size, Slot{0, kNoBucket});
  shift_ = 64 - __builtin_ctzll(size);
  table_used_ = 0;
  const std::size_t mask = size - 1;
  for (const Slot& s : old) {
    if (s.bucket == kNoBucket) continue;
    std::size_t i = home(s.at);
    while (table_[i].bucket != kNoBucket) i = (i + 1) & mask;
    table_[i] = s;
    ++table_used_;
  }
}

void CompletionQueue::heap_push(std::int64_t t) {
  std::size_t i = heap_.size();
  heap_.push_back(t);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (heap_[parent] <= t) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = t;
}

void CompletionQueue::heap_pop() {
  const std::int64_t x = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t last = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < last; ++c)
      if (heap_[c] < heap_[best]) best = c;
    if (heap_[best] >= x) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = x;
}

}  // namespace rocesim::flow
