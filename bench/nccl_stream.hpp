// NcclStream: the `nccl` all-to-all of sim/workload/nccl_all_to_all.cpp for bench_fluid's stream
// driver, without a DAG (memory O(ranks · batches)): EP groups of `ep` ranks, one per node (so the
// group size g is 1 and every round is its own batch), NCCL's round order and channel map from
// workload/p2p_schedule.hpp. Rank r's batch u starts once its previous batch on each of u's
// channels is done; a transfer p → q of batch u starts once both p and q have started u; a batch
// is done for a rank when its k sends and k receives are. Like the lowering, transfers are in
// traffic class 0 and lane j of round u uses the flow label of its channel, (first(u) + j) mod 32
// (tests/bench/nccl_stream_test.cpp checks the two give the same finishes).
// Thread safety: none.
#pragma once

#include <cstdint>
#include <algorithm>
#include <vector>

#include "core/transfer_backend.hpp"
#include "workload/collectives.hpp"
#include "workload/p2p_schedule.hpp"

namespace rocesim::bench {

class NcclStream {
 public:
  // bench_fluid's layout: rank r has DP position pos(r) = ⌊r / stride⌋ and its EP group is the
  // ep consecutive positions from ⌊pos/ep⌋·ep, same r mod stride.
  NcclStream(TransferBackend& net, std::uint32_t n, std::uint32_t ep, std::uint32_t stride, std::int64_t bytes,
             double nic_bps, std::uint64_t tag_base)
      : net_(net), ep_(ep), stride_(stride), bytes_(bytes), tag_base_(tag_base) {
    workload::P2pLayout layout;
    layout.nodes = ep;
    layout.local = 1;
    for (std::uint32_t e = 0; e < ep; ++e) {
      layout.node_member.push_back(e);
      layout.node_of.push_back(e);
      layout.local_of.push_back(0);
    }
    const workload::P2pSchedule sched(layout);
    u_ = sched.rounds();
    k_ = workload::channels_for_message(workload::piece(bytes, ep, 0),
                                        workload::default_channels_per_peer(ep, kChannels, nic_bps));
    send_.resize(static_cast<std::size_t>(ep) * u_);
    for (std::uint32_t e = 0; e < ep; ++e)
      for (std::uint32_t u = 0; u < u_; ++u) send_[e * u_ + u] = sched.send(e, u);
    std::vector<std::uint32_t> last(kChannels, UINT32_MAX);
    next_.resize(u_);
    prev_count_.assign(u_, 0);
    for (std::uint32_t u = 0; u < u_; ++u) {
      const std::uint32_t first = workload::p2p_bit_reverse(sched.base(u), kChannels);
      first_.push_back(first);
      std::vector<std::uint32_t> prev;
      for (std::uint32_t j = 0; j < k_; ++j) {
        const std::uint32_t c = (first + j) % kChannels;
        if (last[c] != UINT32_MAX && std::find(prev.begin(), prev.end(), last[c]) == prev.end()) prev.push_back(last[c]);
        last[c] = u;
      }
      for (std::uint32_t p : prev) next_[p].push_back(u);
      prev_count_[u] = static_cast<std::uint8_t>(prev.size());
    }
    const std::size_t cells = static_cast<std::size_t>(n) * u_;
    remaining_.assign(cells, static_cast<std::uint8_t>(2 * k_));
    missing_.resize(cells);
    for (std::size_t i = 0; i < cells; ++i) missing_[i] = prev_count_[i % u_];
    started_.assign(cells, 0);
    batches_done_.assign(n, 0);
  }

  std::uint32_t channels_per_peer() const { return k_; }
  std::uint64_t transfers() const { return transfers_; }

  // Rank r may start its all-to-all.
  void begin(std::uint32_t r) {
    for (std::uint32_t u = 0; u < u_; ++u)
      if (prev_count_[u] == 0) start(r, u);
  }
  bool owns(std::uint64_t tag) const { return tag >= tag_base_; }
  // A transfer of this stream finished; ranks whose all-to-all it completed are appended to
  // `finished`.
  void on_done(std::uint64_t tag, std::vector<std::uint32_t>& finished) {
    finished_ = &finished;
    const std::uint64_t cell = (tag - tag_base_) / k_;
    const auto p = static_cast<std::uint32_t>(cell / u_), u = static_cast<std::uint32_t>(cell % u_);
    const std::uint32_t q = member(p, send_[pos(p) * u_ + u]);
    settle(p, u);
    settle(q, u);
    finished_ = nullptr;
  }

 private:
  std::uint32_t pos(std::uint32_t r) const { return r / stride_ % ep_; }
  std::uint32_t member(std::uint32_t r, std::uint32_t e) const {
    return ((r / stride_) / ep_ * ep_ + e) * stride_ + r % stride_;
  }
  std::size_t at(std::uint32_t r, std::uint32_t u) const { return static_cast<std::size_t>(r) * u_ + u; }

  void start(std::uint32_t r, std::uint32_t u) {
    started_[at(r, u)] = 1;
    const std::uint32_t e = pos(r), to = send_[e * u_ + u];
    if (to == e) {  // round 0: the rank itself
      remaining_[at(r, u)] = 0;
      done(r, u);
      return;
    }
    const std::uint32_t q = member(r, to);
    if (started_[at(q, u)]) launch(r, q, u);
    // The sender to r in round u is the e' whose send lands on e: recv is send's inverse.
    const std::uint32_t p = member(r, recv_of(e, u));
    if (started_[at(p, u)]) launch(p, r, u);
  }

  std::uint32_t recv_of(std::uint32_t e, std::uint32_t u) const {
    for (std::uint32_t x = 0; x < ep_; ++x)
      if (send_[x * u_ + u] == e) return x;
    return e;
  }

  void launch(std::uint32_t p, std::uint32_t q, std::uint32_t u) {
    const std::int64_t s = workload::piece(bytes_, ep_, pos(q));
    for (std::uint32_t j = 0; j < k_; ++j) {
      const std::int64_t b = workload::piece(s, k_, j);
      ++transfers_;
      net_.start(TransferRequest{p, q, Bytes{b > 0 ? b : 1}, (first_[u] + j) % kChannels, 0,
                                 tag_base_ + at(p, u) * k_ + j});
    }
  }

  void settle(std::uint32_t r, std::uint32_t u) {
    if (--remaining_[at(r, u)] == 0) done(r, u);
  }

  void done(std::uint32_t r, std::uint32_t u) {
    if (++batches_done_[r] == u_ && finished_ != nullptr) finished_->push_back(r);
    for (std::uint32_t v : next_[u])
      if (--missing_[at(r, v)] == 0) start(r, v);
  }

  TransferBackend& net_;
  std::uint32_t ep_, stride_;
  std::int64_t bytes_;
  std::uint64_t tag_base_;
  std::vector<std::uint32_t>* finished_ = nullptr;
  std::uint32_t u_ = 0, k_ = 1;
  // NCCL's p2p channels: the lowering's default, so both drivers map rounds to the same labels.
  static constexpr std::uint32_t kChannels = workload::CollectiveArgs{}.p2p_channels;
  std::vector<std::uint32_t> first_;               // [u]: round u's first channel (its transfers' labels follow)
  std::vector<std::uint32_t> send_;                // [e · U + u]: position e sends to in round u
  std::vector<std::vector<std::uint32_t>> next_;   // batches waiting on u (same channel, next)
  std::vector<std::uint8_t> prev_count_;
  std::vector<std::uint8_t> remaining_, missing_, started_;  // [r · U + u]
  std::vector<std::uint32_t> batches_done_;
  std::uint64_t transfers_ = 0;
};

}  // namespace rocesim::bench
