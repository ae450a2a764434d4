// NCCL's grouped point-to-point schedule: which peer each rank sends to and receives from in each
// round, which rounds share a batch, and which p2p channels a batch runs on. The all-to-all
// algorithm `nccl` (nccl_all_to_all.cpp) lowers onto it.
//
// Source: NCCL 2.29–2.30 (src/init.cc ncclP2pSchedule, src/include/channel.h
// ncclP2pChannelBaseForRound, src/enqueue.cc addP2pToPlan / ncclAddWorkBatchToPlan,
// src/graph/paths.cc p2p channel counts). Definitions, for n ranks on D scale-up nodes of L ranks:
//   group size  g = L on one node; with D > 1, g = gcd(L, 8) (NCCL_MAX_DEV_WORK_P2P_PER_BATCH = 8)
//   groups      blocks of g consecutive local ranks, numbered node by node; nG = n / g; P = 2^⌈log2 nG⌉
//   order       k = 0..P−1: group delta gd_k = k(k+1)/2 mod P (a permutation of 0..P−1 because P is a
//               power of two), skipped when gd_k >= nG; inside it, local delta δ = 0..g−1 (linear):
//                 send(a, r) = member((G(a) + gd) mod nG, (ℓ(a) + δ) mod g)
//                 recv(a, r) = member((G(a) − gd) mod nG, (ℓ(a) − δ) mod g)
//               with round r = k'·g + δ (k' counts the group deltas not skipped). Round 0 is the
//               rank itself. send(a, r) = b ⇔ recv(b, r) = a: both ends of a transfer are in round r.
//   batch base  multi-node: base(r) = ⌊r / g⌋ (one batch per group delta, up to 8 peers);
//               one node: base(r) = r
//   channels    C p2p channels (a power of two); a message of s bytes uses
//                 k(s) = min(K, 2^⌈log2 ⌈s / 128 KiB⌉⌉)  (≥ 1) channels,
//               the batch with base b the channels (bitrev_{log2 C}(b mod C) + j) mod C, j < k.
//   K default   max(1, ⌈NIC GB/s / 14⌉) rounded up to a power of two (NCCL_P2P_PER_CHANNEL_NET_BW
//               = 14 GB/s), halved while K·⌈n/8⌉ > C so that every peer fits in one wave.
// Concurrency (device side): the works of one batch run together; batches on one channel run in
// order, the next starting when every send and receive of the previous one has finished; batches
// on other channels run in parallel (no barrier between rounds).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

namespace rocesim::workload {

// Chunk size NCCL's planner sizes per-peer channel counts with (NCCL_P2P_NET_CHUNKSIZE).
inline constexpr std::int64_t kP2pChunkBytes = 128 * 1024;
// Per-channel network bandwidth NCCL assumes when it picks channels per peer (bytes/s).
inline constexpr double kP2pPerChannelNetBytesPerS = 14e9;

// The layout the schedule sees: D nodes of L ranks; node_member[a·L + l] is the position of local
// rank l of node a.
struct P2pLayout {
  std::uint32_t nodes = 1;
  std::uint32_t local = 1;
  std::vector<std::uint32_t> node_member;
  std::vector<std::uint32_t> node_of;   // per position: a
  std::vector<std::uint32_t> local_of;  // per position: l
};

class P2pSchedule {
 public:
  // REQUIRES: layout.node_member.size() == nodes·local, local >= 1, node_of/local_of consistent.
  explicit P2pSchedule(P2pLayout layout);

  std::uint32_t group_size() const { return g_; }
  // n rounds; round 0 is the rank itself.
  std::uint32_t rounds() const { return static_cast<std::uint32_t>(deltas_.size()) * g_; }
  std::uint32_t send(std::uint32_t p, std::uint32_t r) const { return peer(p, r, true); }
  std::uint32_t recv(std::uint32_t p, std::uint32_t r) const { return peer(p, r, false); }
  std::uint32_t base(std::uint32_t r) const { return layout_.nodes > 1 ? r / g_ : r; }
  std::uint32_t group_of(std::uint32_t p) const { return layout_.node_of[p] * per_node_ + layout_.local_of[p] / g_; }
  const P2pLayout& layout() const { return layout_; }

 private:
  std::uint32_t peer(std::uint32_t p, std::uint32_t r, bool send) const;

  P2pLayout layout_;
  std::uint32_t g_ = 1, per_node_ = 1, groups_ = 1;
  std::vector<std::uint32_t> deltas_;  // group deltas kept, in order
};

// bitrev over log2(c) bits of (b mod c). REQUIRES: c a power of two.
std::uint32_t p2p_bit_reverse(std::uint32_t b, std::uint32_t c);

// NCCL's default channels per peer K for `ranks` ranks, C channels and a NIC of `nic_bps` bit/s.
std::uint32_t default_channels_per_peer(std::uint32_t ranks, std::uint32_t channels, double nic_bps);

// k(s): channels one message of `bytes` is split over. REQUIRES: per_peer >= 1.
std::uint32_t channels_for_message(std::int64_t bytes, std::uint32_t per_peer);

}  // namespace rocesim::workload
