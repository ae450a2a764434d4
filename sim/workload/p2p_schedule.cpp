#include "workload/p2p_schedule.hpp"

#include <bit>
#include <cmath>
#include <numeric>
#include <utility>

namespace rocesim::workload {

P2pSchedule::P2pSchedule(P2pLayout layout) : layout_(std::move(layout)) {
  g_ = layout_.nodes <= 1 ? layout_.local : std::gcd(layout_.local, 8u);
  per_node_ = layout_.local / g_;
  groups_ = layout_.nodes * per_node_;
  const std::uint32_t pow2 = std::bit_ceil(groups_);
  std::uint32_t gd = 0;
  for (std::uint32_t k = 0; k < pow2; ++k) {
    gd = (gd + k) & (pow2 - 1);  // k(k+1)/2 mod P, incrementally
    if (gd < groups_) deltas_.push_back(gd);
  }
}

std::uint32_t P2pSchedule::peer(std::uint32_t p, std::uint32_t r, bool send) const {
  const std::uint32_t gd = deltas_[r / g_], d = r % g_;
  const std::uint32_t group = group_of(p), own = layout_.local_of[p] % g_;
  const std::uint32_t h = send ? (group + gd) % groups_ : (group + groups_ - gd) % groups_;
  const std::uint32_t x = send ? (own + d) % g_ : (own + g_ - d) % g_;
  return layout_.node_member[(h / per_node_) * layout_.local + (h % per_node_) * g_ + x];
}

std::uint32_t p2p_bit_reverse(std::uint32_t b, std::uint32_t c) {
  const int bits = std::countr_zero(c);
  std::uint32_t x = b & (c - 1), out = 0;
  for (int i = 0; i < bits; ++i) {
    out = (out << 1) | (x & 1u);
    x >>= 1;
  }
  return out;
}

std::uint32_t default_channels_per_peer(std::uint32_t ranks, std::uint32_t channels, double nic_bps) {
  const double per_channel = kP2pPerChannelNetBytesPerS;
  const auto want = static_cast<std::uint32_t>(std::max(1.0, std::ceil(nic_bps / 8.0 / per_channel)));
  std::uint32_t k = std::bit_ceil(want);
  const std::uint64_t batches = (static_cast<std::uint64_t>(ranks) + 7) / 8;
  while (k > 1 && static_cast<std::uint64_t>(k) * batches > channels) k /= 2;
  return std::min(k, channels);
}

std::uint32_t channels_for_message(std::int64_t bytes, std::uint32_t per_peer) {
  const std::int64_t chunks = std::max<std::int64_t>(1, (bytes + kP2pChunkBytes - 1) / kP2pChunkBytes);
  const std::uint64_t pow2 = std::bit_ceil(static_cast<std::uint64_t>(chunks));
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(per_peer, pow2));
}

}  // namespace rocesim::workload
