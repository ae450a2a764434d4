#include "flow/completion_queue.hpp"

#include <functional>

namespace rocesim::flow {

std::uint32_t CompletionQueue::push(std::int64_t at, std::uint32_t item, std::uint32_t version) {
  std::uint32_t b = kNoBucket;
  for (std::uint32_t r : recent_) {
    if (r != kNoBucket && buckets_[r].at == at) {
      b = r;
      break;
    }
  }
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
    quad_heap_push(heap_, Node{at, b}, std::less<>{});
    recent_[recent_next_] = b;
    recent_next_ = (recent_next_ + 1) % kRecent;
  }
  Bucket& k = buckets_[b];
  ++k.live;
  k.items.push_back(Entry{item, version});
  ++entries_;
  return b;
}

void CompletionQueue::drop_dead() {
  while (!heap_.empty()) {
    const std::uint32_t b = heap_.front().bucket;
    if (buckets_[b].live > 0) return;
    entries_ -= buckets_[b].items.size();
    quad_heap_pop(heap_, std::less<>{});
    free_bucket(b);
  }
}

void CompletionQueue::pop_top(std::vector<Entry>& out) {
  const std::int64_t t = heap_.front().at;
  const std::size_t first = out.size();
  while (!heap_.empty() && heap_.front().at == t) {
    const std::uint32_t b = heap_.front().bucket;
    Bucket& k = buckets_[b];
    out.insert(out.end(), k.items.begin(), k.items.end());
    entries_ -= k.items.size();
    quad_heap_pop(heap_, std::less<>{});
    free_bucket(b);
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](const Entry& x, const Entry& y) {
    return x.item != y.item ? x.item < y.item : x.version < y.version;
  });
}

void CompletionQueue::free_bucket(std::uint32_t b) {
  buckets_[b].items.clear();
  buckets_[b].live = 0;
  free_buckets_.push_back(b);
  for (std::uint32_t& r : recent_)
    if (r == b) r = kNoBucket;
}

}  // namespace rocesim::flow
