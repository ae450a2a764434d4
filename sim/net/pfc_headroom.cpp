#include "net/pfc_headroom.hpp"

namespace rocesim::net {

Bytes pfc_headroom(Rate rate, Time latency, Bytes frame_bytes, Bytes pause_bytes, int lossless_classes) {
  // ⌈r·d/8⌉ with r in bit/s and d in ps: r·d can exceed 2^64 (1.6 Tb/s · 10 µs = 1.6e19), so in 128 bits.
  const unsigned __int128 bits_ps = static_cast<unsigned __int128>(rate.bps) *
                                    static_cast<unsigned __int128>(latency.ps > 0 ? latency.ps : 0);
  constexpr unsigned __int128 kPsPerByteBit = 8'000'000'000'000ULL;  // 8 bit/B · 1e12 ps/s
  const auto in_flight = static_cast<std::int64_t>((bits_ps + kPsPerByteBit - 1) / kPsPerByteBit);
  return Bytes{2 * in_flight + 4 * frame_bytes.n + lossless_classes * pause_bytes.n};
}

}  // namespace rocesim::net
