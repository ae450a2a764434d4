// Names of the link tiers reports group by, so summary.json, links.csv and the plots agree.
//
// A link's tier label: "nic" (accelerator ↔ tier-1 switch), "<lower>-<upper>" for switch-to-switch
// links from the two tiers' declared names (e.g. "leaf-spine", "rail-leaf-spine", "agg-core"; a
// tier without a name is "tier<t>"), "scale-up" for scale-up-domain links. A port (one direction)
// adds "up" (toward the higher tier) or "down". tier_order() sorts labels bottom-up.
#pragma once

#include <string>

#include "topology/fabric.hpp"

namespace rocesim::report {

std::string link_tier_name(const topology::Fabric& fabric, topology::LinkId link);
// Position of the link's tier bottom-up: 0 scale-up, 1 nic, t for the tier-(t-1)↔t links.
int link_tier_rank(const topology::Fabric& fabric, topology::LinkId link);
// True if port p carries traffic toward the link's upper end.
bool port_goes_up(const topology::Fabric& fabric, topology::PortId p);

}  // namespace rocesim::report
