// Construction of the packet backend from a JSON parameter object (what `rocesim run --backend
// packet --set key=value` hands over): the NetParams keys of net_params.hpp plus
//   "cc": congestion-control strategy name; "none" (line rate + PFC) is the only one built here.
// Strategies living above sim/net (sim/cc) plug in through `cc_factory`: it returns the strategy
// for a name it knows, or nullptr to fall through to the built-in names.
// Throws ConfigError naming `file` and the JSON path for unknown keys or impossible values.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "net/packet_net.hpp"

namespace rocesim::net {

using CcFactory = std::unique_ptr<CcStrategy> (*)(std::string_view name);

std::unique_ptr<PacketNet> make_packet_net(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router,
                                           const nlohmann::json& params, const std::string& file = "--set",
                                           const std::string& path = "/backend", CcFactory cc_factory = nullptr);

// new PacketNet(…): the constructor checks what needs the fabric (e.g. nic.rx_buffer against the
// links' headroom) and names only the parameter (/nic/...); this names `file` and `path` too.
std::unique_ptr<PacketNet> construct_packet_net(Simulator& sim, const topology::Fabric& fabric,
                                                const routing::Router& router, NetParams params,
                                                std::unique_ptr<CcStrategy> cc, const std::string& file,
                                                const std::string& path);

// The parameters a run with `params` uses, every default filled in (for reports); "cc" is copied
// as given (a name or a sim/cc parameter object). Throws ConfigError on bad NetParams keys.
nlohmann::json effective_packet_params(const nlohmann::json& params, const std::string& file = "--set",
                                       const std::string& path = "/backend");

}  // namespace rocesim::net
