#include "net/make_packet_net.hpp"

#include "core/config_error.hpp"
#include "core/json_reader.hpp"

namespace rocesim::net {

namespace {

// Splits the "cc" name off a copy of `params` (NetParams has no such key).
std::string take_cc(nlohmann::json& doc, const std::string& file, const std::string& path) {
  std::string cc_name = "none";
  if (doc.is_object() && doc.contains("cc")) {
    if (!doc["cc"].is_string()) throw ConfigError(file, path + "/cc", "expected a strategy name such as \"none\"");
    cc_name = doc["cc"].get<std::string>();
    doc.erase("cc");
  }
  return cc_name;
}

}  // namespace

nlohmann::json effective_packet_params(const nlohmann::json& params, const std::string& file, const std::string& path) {
  nlohmann::json doc = params.is_null() ? nlohmann::json::object() : params;
  // "cc" is the strategy's business (a name here, a parameter object for sim/cc): pass it through.
  nlohmann::json cc = "none";
  if (doc.is_object() && doc.contains("cc")) {
    cc = doc["cc"];
    doc.erase("cc");
  }
  JsonReader r(doc, file, path);
  nlohmann::json out = to_json(read_net_params(r));
  out["cc"] = cc;
  return out;
}

std::unique_ptr<PacketNet> make_packet_net(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router,
                                           const nlohmann::json& params, const std::string& file, const std::string& path,
                                           CcFactory cc_factory) {
  nlohmann::json doc = params.is_null() ? nlohmann::json::object() : params;
  const std::string cc_name = take_cc(doc, file, path);
  JsonReader r(doc, file, path);
  NetParams p = read_net_params(r);
  std::unique_ptr<CcStrategy> cc = cc_factory ? cc_factory(cc_name) : nullptr;
  if (!cc) {
    if (cc_name != "none") {
      throw ConfigError(file, path + "/cc", "unknown congestion control \"" + cc_name + "\" (built: none)");
    }
    cc = std::make_unique<NoCc>();
  }
  return construct_packet_net(sim, fabric, router, std::move(p), std::move(cc), file, path);
}

std::unique_ptr<PacketNet> construct_packet_net(Simulator& sim, const topology::Fabric& fabric,
                                                const routing::Router& router, NetParams params,
                                                std::unique_ptr<CcStrategy> cc, const std::string& file,
                                                const std::string& path) {
  try {
    return std::make_unique<PacketNet>(sim, fabric, router, std::move(params), std::move(cc));
  } catch (const ConfigError& e) {
    if (!e.file().empty() || (e.path().rfind("/nic/", 0) != 0 && e.path().rfind("/mmu/", 0) != 0)) throw;
    throw ConfigError(file, path + e.path(), e.message());
  }
}

}  // namespace rocesim::net
