#include "report/link_tiers.hpp"

namespace rocesim::report {
namespace {

std::string tier_label(const topology::Fabric& f, int t) {
  const std::string& n = f.tier_info(t).name;
  return n.empty() ? "tier" + std::to_string(t) : n;
}

}  // namespace

std::string link_tier_name(const topology::Fabric& f, topology::LinkId l) {
  const topology::Link& link = f.link(l);
  switch (link.kind) {
    case topology::LinkKind::nic: return "nic";
    case topology::LinkKind::scale_up: return "scale-up";
    case topology::LinkKind::fabric: break;
  }
  const int upper = f.node(link.b).tier;
  const int lower = f.node(link.a).tier;
  return tier_label(f, lower) + "-" + tier_label(f, upper);
}

int link_tier_rank(const topology::Fabric& f, topology::LinkId l) {
  const topology::Link& link = f.link(l);
  if (link.kind == topology::LinkKind::scale_up) return 0;
  if (link.kind == topology::LinkKind::nic) return 1;
  return f.node(link.b).tier;
}

bool port_goes_up(const topology::Fabric& f, topology::PortId p) {
  const topology::Port& port = f.port(p);
  return f.link(port.link).b == port.peer;
}

}  // namespace rocesim::report
