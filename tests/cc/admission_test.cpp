// Receiver-driven admission driven directly: credits per (src, dst) pair and their split over the
// pair's active QPs (admission.hpp).
#include <doctest/doctest.h>

#include "cc/admission.hpp"
#include "cc_fixtures.hpp"
#include "core/config_error.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using rocesim::cc::testing::qp_info;

TEST_CASE("admission: the bound in whole frames, split over a pair's active QPs") {
  // 100000 B / 4082 B frames = 24 credits. One QP: window 24 frames = 97968 B. A second QP of
  // the same pair: 12 frames each; a QP of another pair keeps its own 24. When the first QP
  // finishes the second gets all 24 again.
  Admission a(AdmissionParams{Bytes{100000}}, Bytes{4082});
  CHECK(a.credits() == 24);
  net::CcControl c0, c1, c2;
  a.on_qp_start(qp_info(0, Rate::gbps(100), Time::from_us(10), 0, 1), c0);
  CHECK(c0.window == Bytes{24 * 4082});
  CHECK(c0.rate == Rate::gbps(100));
  a.on_qp_start(qp_info(1, Rate::gbps(100), Time::from_us(10), 0, 1), c1);
  a.on_qp_start(qp_info(2, Rate::gbps(100), Time::from_us(10), 2, 1), c2);
  CHECK(c1.window == Bytes{12 * 4082});
  CHECK(c2.window == Bytes{24 * 4082});
  a.on_send(0, Bytes{4082}, Time{}, c0);  // the older QP picks up its new share at its next hook
  CHECK(c0.window == Bytes{12 * 4082});
  a.on_qp_done(0);
  a.on_ack(net::AckSample{1, Time{}, Time{}, Bytes{4000}, false, {}}, c1);
  CHECK(c1.window == Bytes{24 * 4082});
}

TEST_CASE("admission: more QPs than credits still get one frame each") {
  Admission a(AdmissionParams{Bytes{8164}}, Bytes{4082});  // 2 credits
  net::CcControl c[3];
  for (std::uint32_t i = 0; i < 3; ++i) a.on_qp_start(qp_info(i), c[i]);
  CHECK(a.window_of(2) == Bytes{4082});
}

TEST_CASE("admission: a bound below one frame is a ConfigError") {
  CHECK_THROWS_AS(Admission(AdmissionParams{Bytes{4000}}, Bytes{4082}), ConfigError);
}
