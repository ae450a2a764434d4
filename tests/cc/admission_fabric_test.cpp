// Receiver-driven admission inside the packet fabric (issue 5, test 7): the per-peer in-flight
// bound holds at every packet, and an incast builds no queue beyond bound × senders.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "cc/admission.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

namespace {

constexpr std::int64_t kFrame = 4082;  // 4000 B payload + 82 B overhead (NetParams defaults)

// Admission plus an independent count of each (src, dst) pair's frames in flight (sent − acknowledged), taken
// at every send: the bound must hold whatever the strategy believes. ack_every = 1 and a lossless
// fabric make "frames acknowledged" = ceil(newly acked payload / MTU).
class CheckedAdmission final : public net::CcStrategy {
 public:
  explicit CheckedAdmission(Bytes bound) : inner_(AdmissionParams{bound}, Bytes{kFrame}) {}
  std::string_view name() const override { return "checked-admission"; }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override {
    if (pair_of_.size() <= info.qp) pair_of_.resize(info.qp + 1);
    pair_of_[info.qp] = (static_cast<std::uint64_t>(info.src) << 32) | info.dst;
    inner_.on_qp_start(info, ctl);
  }
  void on_send(std::uint32_t qp, Bytes wire, Time now, net::CcControl& ctl) override {
    max_frames_ = std::max(max_frames_, ++inflight_[pair_of_[qp]]);
    inner_.on_send(qp, wire, now, ctl);
  }
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override {
    inflight_[pair_of_[ack.qp]] -= (ack.newly_acked.n + 3999) / 4000;
    inner_.on_ack(ack, ctl);
  }
  void on_qp_done(std::uint32_t qp) override { inner_.on_qp_done(qp); }
  std::int64_t max_frames() const { return max_frames_; }  // per (src, dst) pair
  std::int64_t credits() const { return inner_.credits(); }

 private:
  Admission inner_;
  std::vector<std::uint64_t> pair_of_;
  std::map<std::uint64_t, std::int64_t> inflight_;  // test bookkeeping, per pair
  std::int64_t max_frames_ = 0;
};

}  // namespace

TEST_CASE("admission fabric: in-flight bytes per peer never exceed the bound; incast queue <= bound x senders") {
  // 8 hosts send 4 MB each to host 8 of one switch (8:1 incast, 100 Gb/s links). Bound 64 KiB →
  // floor(65536 / 4082) = 16 frames = 65312 wire bytes per peer. At every send each QP has at most
  // 16 frames outstanding (and reaches 16: the window binds). All 8 × 65312 = 522 KB in flight
  // can sit in the bottleneck queue at most, so its peak is ≤ 522 KB and no ingress reaches the
  // PFC threshold (~3 MB dynamic): zero pauses. Without admission the same incast fills the
  // queue to the PFC level (several MB) and pauses. Throughput stays at line rate either way:
  // 8 × 65 KB far exceeds the 100 Gb/s × ~5 us ≈ 60 KB bandwidth-delay product, so the makespan
  // is 32 MB · 4082/4000 / 100 Gb/s = 2.61 ms within 3 %.
  const auto run = [](bool admission, std::int64_t& max_frames, std::uint64_t& pauses) {
    net::NetParams p;
    auto owned = std::make_unique<CheckedAdmission>(Bytes{65536});
    CheckedAdmission* checked = owned.get();
    CcHarness h(net::testing::leaf_spine(1, 9, 0), p,
                admission ? std::unique_ptr<net::CcStrategy>(std::move(owned)) : nullptr);
    for (std::uint32_t s = 0; s < 8; ++s) h.send(s, 8, 4'000'000, s);
    h.sim.run();
    net::testing::check_conservation(h.net, true);
    max_frames = admission ? checked->max_frames() : 0;
    pauses = h.net.counters().pause_frames;
    if (admission) CHECK(checked->credits() == 16);
    return std::pair{h.net.port_counters(net::testing::port_to(h.fabric, 9, 8)).max_queue_bytes, h.rec.makespan()};
  };
  std::int64_t frames = 0, unused = 0;
  std::uint64_t pauses_on = 0, pauses_off = 0;
  const auto [q_on, span_on] = run(true, frames, pauses_on);
  const auto [q_off, span_off] = run(false, unused, pauses_off);
  MESSAGE("admission: max " << frames << " frames in flight per peer, peak queue " << q_on << " B, " << pauses_on
                            << " pauses, makespan " << span_on.us() << " us; none: peak queue " << q_off << " B, "
                            << pauses_off << " pauses");
  CHECK(frames == 16);
  CHECK(q_on <= 8 * 16 * kFrame);
  CHECK(pauses_on == 0);
  CHECK(q_off > 8 * 16 * kFrame);
  CHECK(pauses_off > 0);
  CHECK(net::testing::within(span_on.seconds(), 32e6 * 4082 / 4000 * 8 / 100e9, 0.03));
}

TEST_CASE("admission fabric: the bound is per peer pair when a connection is striped over QPs") {
  // 4 hosts send 4 MB each to host 4, each transfer striped over 2 QPs (nic.qps_per_connection =
  // 2). Bound 64 KiB = 16 frames per pair, so each QP holds 8 while both run and the last one
  // inherits 16. The QPs of a transfer start in one call, before the port can emit a second
  // frame, so the pair never has more than 16 frames outstanding and reaches exactly 16.
  net::NetParams p;
  p.nic.qps_per_connection = 2;
  auto owned = std::make_unique<CheckedAdmission>(Bytes{65536});
  CheckedAdmission* checked = owned.get();
  CcHarness h(net::testing::leaf_spine(1, 5, 0), p, std::move(owned));
  for (std::uint32_t s = 0; s < 4; ++s) h.send(s, 4, 4'000'000, s);
  h.sim.run();
  net::testing::check_conservation(h.net, true);
  CHECK(h.net.qps().size() == 8);
  CHECK(checked->max_frames() == 16);
  CHECK(h.net.port_counters(net::testing::port_to(h.fabric, 5, 4)).max_queue_bytes <= 4 * 16 * kFrame);
}
