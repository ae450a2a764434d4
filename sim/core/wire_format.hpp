// Data framing shared by the packet and fluid tiers: a data packet carries at most `mtu` payload
// bytes and occupies `data_overhead` more on the wire (RoCEv2/IPv4/Ethernet headers, FCS,
// preamble, inter-frame gap: 82 B). A transfer of B payload bytes is ⌈B/mtu⌉ packets and
// W(B) = B + ⌈B/mtu⌉·data_overhead wire bytes.
// Units: bytes. Thread safety: constants and a pure function.
#pragma once

#include <cstdint>

#include "core/units.hpp"

namespace rocesim {

inline constexpr Bytes kDefaultMtu{4000};
inline constexpr Bytes kDefaultDataOverhead{82};
inline constexpr Bytes kMinMtu{256};
inline constexpr Bytes kMaxMtu{65536};

// REQUIRES: mtu > 0, payload >= 0.
constexpr Bytes wire_bytes(Bytes payload, Bytes mtu, Bytes data_overhead) {
  const std::int64_t packets = (payload.n + mtu.n - 1) / mtu.n;
  return Bytes{payload.n + packets * data_overhead.n};
}

}  // namespace rocesim
