#include "flow/fluid_params.hpp"

namespace rocesim::flow {

FluidParams read_fluid_params(JsonReader& r) {
  FluidParams p;
  p.overhead = r.time_or("overhead", p.overhead);
  if (p.overhead < Time::zero()) r.fail("overhead", "must not be negative");
  if (r.has("flow_rate_cap")) {
    p.flow_rate_cap = r.rate("flow_rate_cap");
    if (p.flow_rate_cap.bps == 0) r.fail("flow_rate_cap", "must be positive (omit the key for no cap)");
  }
  p.incremental = r.choice_or("solver", {"incremental", "full"}, "incremental") == "incremental";
  p.resolve_slack = r.number_or("resolve_slack", 0.0, 0.0, 1.0);
  p.bundle_parallel = r.boolean_or("bundle_parallel", false);
  p.fair_tolerance = r.number_or("fair_tolerance", 0.0, 0.0, 0.25);
  if (auto w = r.object_opt("wire")) {
    p.mtu = w->bytes_or("mtu", p.mtu, 1);
    if (p.mtu < kMinMtu || p.mtu > kMaxMtu)
      w->fail("mtu", "MTU " + to_string(p.mtu) + " is outside [" + to_string(kMinMtu) + ", " + to_string(kMaxMtu) + "]");
    p.data_overhead = w->bytes_or("data_overhead", p.data_overhead);
    if (p.data_overhead.n < 0 || p.data_overhead.n > 1024) w->fail("data_overhead", "must be in [0 B, 1 KiB]");
    w->finish();
  }
  r.finish();
  return p;
}

nlohmann::json to_json(const FluidParams& p) {
  nlohmann::json j;
  j["overhead"] = to_string(p.overhead);
  if (p.flow_rate_cap.bps != 0) j["flow_rate_cap"] = to_string(p.flow_rate_cap);
  j["solver"] = p.incremental ? "incremental" : "full";
  j["resolve_slack"] = p.resolve_slack;
  j["bundle_parallel"] = p.bundle_parallel;
  j["fair_tolerance"] = p.fair_tolerance;
  j["wire"] = {{"mtu", to_string(p.mtu)}, {"data_overhead", to_string(p.data_overhead)}};
  return j;
}

}  // namespace rocesim::flow
