// topology::node_names (all names in one pass) against node_name (one node at a time).
#include <doctest/doctest.h>

#include "topology/failures.hpp"
#include "topology/topology.hpp"

using namespace rocesim;

TEST_CASE("node_names equals node_name for every node of the default fabric (accelerators, scale-up, two switch tiers)") {
  const topology::Fabric f = topology::build_fabric(topology::parse_topology(topology::default_topology_json(), "default"));
  const std::vector<std::string> names = topology::node_names(f);
  REQUIRE(names.size() == f.node_count());
  bool scale_up = false, tier2 = false;
  for (topology::NodeId n = 0; n < f.node_count(); ++n) {
    CHECK(names[n] == topology::node_name(f, n));
    scale_up = scale_up || f.node(n).role == topology::NodeRole::scale_up_switch;
    tier2 = tier2 || (f.node(n).role == topology::NodeRole::fabric_switch && f.node(n).tier == 2);
  }
  CHECK(names[0] == "acc0");
  // The fixture covers every naming rule: scale-up switches and switches of more than one tier.
  CHECK(scale_up);
  CHECK(tier2);
}
