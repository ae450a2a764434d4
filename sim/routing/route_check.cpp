#include "routing/route_check.hpp"

#include "core/config_error.hpp"

namespace rocesim::routing {

std::string describe_endpoint(const topology::Fabric& fabric, NodeId e) {
  const topology::Node& n = fabric.node(e);
  std::string s = "endpoint " + std::to_string(e);
  if (n.server != topology::kNone) s += " (server " + std::to_string(n.server) + ", rail " + std::to_string(n.local_index) + ")";
  return s;
}

void require_route(const Router& router, NodeId src, NodeId dst, const std::string& file_label) {
  std::vector<PortId> path;
  if (src == dst || router.path(FlowKey::for_qp(src, dst, 0), path)) return;
  const topology::Fabric& f = router.fabric();
  const auto top = static_cast<std::size_t>(f.max_tier());
  std::string why = "no path in the fabric";
  if (f.structural() && f.node(src).domain[top] != f.node(dst).domain[top]) {
    const bool has_scale_up = f.down_port_count(src) > 0;
    why = has_scale_up ? "they share no scale-out tier and no accelerator of the source's scale-up domain reaches the "
                         "destination's"
                       : "they share no scale-out tier (different rails) and the source has no scale-up domain to "
                         "relay through";
  }
  throw ConfigError(file_label, "/",
                    "no route from " + describe_endpoint(f, src) + " to " + describe_endpoint(f, dst) + ": " + why);
}

}  // namespace rocesim::routing
