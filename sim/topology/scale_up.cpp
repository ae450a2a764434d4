// Scale-up domains: JSON, links, bisection (formulas in the header).
#include "topology/scale_up.hpp"

#include <algorithm>
#include <vector>

#include "topology/switch_buffer.hpp"

namespace rocesim::topology {
namespace {

constexpr std::int64_t kMaxDomainSize = 1 << 24;  // the reader's count limit (spec_parse.cpp)

// One Infinity Fabric (xGMI) link of an 8-GPU MI300X platform: 128 GB/s bidirectional, i.e.
// 64 GB/s = 512 Gb/s per direction (AMD's 896 GB/s over 7 links; topologies/README.md).
const Rate kMeshLinkDefault = Rate::gbps(512);

}  // namespace

const char* to_string(ScaleUpShape s) { return s == ScaleUpShape::full_mesh ? "full_mesh" : "switched"; }

void parse_scale_up(JsonReader& top, ScaleUpSpec& s) {
  auto o = top.object_opt("scale_up");
  if (!o) return;
  s.size = static_cast<std::uint32_t>(o->integer_or("size", s.size, 0, kMaxDomainSize));
  s.shape = o->choice_or("shape", {"switched", "full_mesh"}, "switched") == "full_mesh" ? ScaleUpShape::full_mesh
                                                                                         : ScaleUpShape::switched;
  const bool mesh = s.shape == ScaleUpShape::full_mesh;
  s.link.rate = o->rate_or("rate", mesh ? kMeshLinkDefault : s.link.rate);
  if (s.link.rate.bps == 0) o->fail("rate", "rate must be positive");
  s.link.latency = o->time_or("latency", s.link.latency);
  if (!mesh) {
    if (o->has("links_per_pair")) o->fail("links_per_pair", "only meaningful with \"shape\": \"full_mesh\"");
    s.buffer = parse_switch_buffer(*o, "buffer");
  } else {
    if (o->has("buffer")) {
      o->fail("buffer", "a full mesh has no scale-up switch to hold a buffer (only meaningful with \"shape\": \"switched\")");
    }
    s.links_per_pair = static_cast<std::uint32_t>(o->integer_or("links_per_pair", 1, 1, kMaxLinksPerPair));
    if (s.size < 2 || s.size > kMaxMeshSize) {
      o->fail("size", "a full mesh needs 2 to " + std::to_string(kMaxMeshSize) + " accelerators (each has size - 1 peers), got " +
                          std::to_string(s.size) + "; use \"shape\": \"switched\" for larger domains");
    }
  }
  o->finish();
}

nlohmann::json scale_up_to_json(const ScaleUpSpec& s) {
  nlohmann::json j{{"size", s.size}, {"rate", to_string(s.link.rate)}, {"latency", to_string(s.link.latency)}};
  if (s.shape == ScaleUpShape::full_mesh) {
    j["shape"] = to_string(s.shape);
    j["links_per_pair"] = s.links_per_pair;
  }
  if (s.buffer.n > 0) j["buffer"] = to_string(s.buffer);
  return j;
}

std::uint64_t scale_up_switch_count(const ScaleUpSpec& s, std::uint64_t endpoints) {
  if (s.size == 0 || s.shape == ScaleUpShape::full_mesh) return 0;
  return endpoints / s.size;
}

std::uint64_t scale_up_link_count(const ScaleUpSpec& s, std::uint64_t endpoints) {
  if (s.size == 0) return 0;
  if (s.shape == ScaleUpShape::switched) return endpoints;
  // E/n domains × m·n(n-1)/2 links = E·m·(n-1)/2.
  return endpoints * s.links_per_pair * (s.size - 1) / 2;
}

NodeId add_scale_up_switches(FabricBuilder& b, const ScaleUpSpec& s, std::uint32_t endpoints) {
  NodeId first = kNone;
  const auto n = static_cast<std::uint32_t>(scale_up_switch_count(s, endpoints));
  if (n > 0) b.set_switch_buffer(0, SwitchBuffer{s.buffer, "scale_up.buffer"});
  for (std::uint32_t d = 0; d < n; ++d) {
    const NodeId id = b.add_scale_up_switch(d);
    if (d == 0) first = id;
  }
  return first;
}

void add_scale_up_links(FabricBuilder& b, const ScaleUpSpec& s, NodeId e, NodeId first_switch) {
  if (s.shape == ScaleUpShape::switched) {
    b.add_link(e, first_switch + e / s.size, s.link.rate, s.link.latency, LinkKind::scale_up);
    return;
  }
  const NodeId domain_end = (e / s.size + 1) * s.size;
  for (NodeId peer = e + 1; peer < domain_end; ++peer) {
    for (std::uint32_t k = 0; k < s.links_per_pair; ++k) b.add_link(e, peer, s.link.rate, s.link.latency, LinkKind::scale_up);
  }
}

ScaleUpShape scale_up_shape(const Fabric& f) {
  for (const Link& l : f.links()) {
    if (l.kind == LinkKind::scale_up) {
      const bool mesh = f.node(l.a).role == NodeRole::accelerator && f.node(l.b).role == NodeRole::accelerator;
      return mesh ? ScaleUpShape::full_mesh : ScaleUpShape::switched;
    }
  }
  return ScaleUpShape::switched;
}

ScaleUpSummary scale_up_summary(const Fabric& f) {
  ScaleUpSummary s;
  s.shape = scale_up_shape(f);
  const bool mesh = s.shape == ScaleUpShape::full_mesh;
  // Members of each domain, in id order (accelerators come first and in order).
  std::vector<std::uint32_t> size_of;
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    const std::uint32_t d = f.node(e).scale_up_domain;
    if (d == kNone) continue;
    if (d >= size_of.size()) size_of.resize(std::size_t{d} + 1, 0);
    ++size_of[d];
  }
  // Rank of each accelerator inside its domain, in id order: half A holds ranks < ⌊n/2⌋.
  std::vector<std::uint32_t> rank(f.endpoints(), 0), seen(size_of.size(), 0);
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    const std::uint32_t d = f.node(e).scale_up_domain;
    if (d != kNone) rank[e] = seen[d]++;
  }
  const auto in_half_a = [&](NodeId e) { return rank[e] < size_of[f.node(e).scale_up_domain] / 2; };
  // Per domain: mesh → Σ rate of A–B links; switched → min(Σ rate of A's links, Σ of B's).
  std::vector<std::uint64_t> cut(size_of.size(), 0), side_a(size_of.size(), 0), side_b(size_of.size(), 0);
  for (LinkId id = 0; id < f.link_count(); ++id) {
    const Link& l = f.link(id);
    if (l.kind != LinkKind::scale_up) continue;
    ++s.links;
    s.link_bps = std::max(s.link_bps, l.rate.bps);
    if (!f.link_up(id)) continue;
    const std::uint32_t d = f.node(l.a).scale_up_domain;
    if (d == kNone) continue;
    if (mesh) {
      if (in_half_a(l.a) != in_half_a(l.b)) cut[d] += l.rate.bps;
    } else {
      (in_half_a(l.a) ? side_a[d] : side_b[d]) += l.rate.bps;
    }
  }
  if (s.links == 0) return s;
  s.domain_bisection_bps = UINT64_MAX;
  for (std::size_t d = 0; d < size_of.size(); ++d) {
    if (size_of[d] == 0) continue;
    ++s.domains;
    s.size = std::max(s.size, size_of[d]);
    const std::uint64_t b = mesh ? cut[d] : std::min(side_a[d], side_b[d]);
    s.domain_bisection_bps = std::min(s.domain_bisection_bps, b);
    s.bisection_bps += b;
  }
  if (s.domains == 0) s.domain_bisection_bps = 0;
  for (const Port& p : f.ports_of(0)) {
    if (f.link(p.link).kind != LinkKind::scale_up) continue;
    ++s.ports_per_accelerator;
  }
  if (mesh && s.size > 1) s.links_per_pair = s.ports_per_accelerator / (s.size - 1);
  return s;
}

}  // namespace rocesim::topology
