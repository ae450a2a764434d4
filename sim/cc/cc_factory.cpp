// Strategy factory: configuration shape in cc_factory.hpp.
#include "cc/cc_factory.hpp"


#include "cc/admission.hpp"
#include "cc/dcqcn.hpp"
#include "cc/hpcc.hpp"
#include "cc/nscc.hpp"
#include "cc/per_transport.hpp"
#include "cc/swift.hpp"
#include "cc/rccc.hpp"
#include "cc/timely.hpp"
#include "net/make_packet_net.hpp"

namespace rocesim::cc {

CcContext cc_context(const net::NetParams& net) { return CcContext{net.wire.mtu + net.wire.data_overhead, net.wire.mtu}; }

namespace {

template <class Params, class ReadFn>
Params read_section(JsonReader& r, std::string_view key, ReadFn read) {
  if (auto sub = r.object_opt(key)) return read(*sub);
  return Params{};
}

}  // namespace

CcSetup read_cc(JsonReader& r, const CcContext& ctx) {
  const std::string algo = r.choice_or(
      "algorithm", {"none", "dcqcn", "hpcc", "timely", "swift", "admission", "nscc", "rccc", "nscc+rccc"}, "none");
  // Only with RoCE and UET classes in one run (cc/per_transport.hpp): the UET QPs' algorithm.
  const std::string uet_algo = r.has("uet_algorithm") ? r.choice("uet_algorithm", {"none", "nscc", "rccc", "nscc+rccc"}) : "";
  const DcqcnParams dcqcn = read_section<DcqcnParams>(r, "dcqcn", read_dcqcn_params);
  const HpccParams hpcc = read_section<HpccParams>(r, "hpcc", read_hpcc_params);
  const TimelyParams timely = read_section<TimelyParams>(r, "timely", read_timely_params);
  const SwiftParams swift = read_section<SwiftParams>(r, "swift", read_swift_params);
  const AdmissionParams admission = read_section<AdmissionParams>(r, "admission", read_admission_params);
  const NsccParams nscc = read_section<NsccParams>(r, "nscc", read_nscc_params);
  const net::RcccParams rccc = read_section<net::RcccParams>(r, "rccc", read_rccc_params);
  r.finish();
  CcSetup out;
  out.effective = nlohmann::json{{"algorithm", algo}};
  const auto make = [&](const std::string& a) -> std::unique_ptr<net::CcStrategy> {
    if (a == "dcqcn") {
      out.effective["dcqcn"] = to_json(dcqcn);
      return std::make_unique<Dcqcn>(dcqcn);
    }
    if (a == "hpcc") {
      out.effective["hpcc"] = to_json(hpcc);
      return std::make_unique<Hpcc>(hpcc);
    }
    if (a == "timely") {
      out.effective["timely"] = to_json(timely);
      return std::make_unique<Timely>(timely);
    }
    if (a == "swift") {
      out.effective["swift"] = to_json(swift);
      return std::make_unique<Swift>(swift, ctx.data_frame, ctx.mtu);
    }
    if (a == "admission") {
      if (admission.inflight < ctx.data_frame) {
        throw ConfigError(r.file(), r.path_of("admission") + "/inflight",
                          "bound " + to_string(admission.inflight) + " is below one data frame (" +
                              to_string(ctx.data_frame) + ")");
      }
      out.effective["admission"] = to_json(admission);
      return std::make_unique<Admission>(admission, ctx.data_frame);
    }
    if (a == "nscc") {
      out.effective["nscc"] = to_json(nscc);
      return std::make_unique<Nscc>(nscc, ctx.data_frame);
    }
    if (a == "rccc" || a == "nscc+rccc") {
      const bool both = a == "nscc+rccc";
      if (both) out.effective["nscc"] = to_json(nscc);
      out.effective["rccc"] = to_json(rccc);
      return std::make_unique<Rccc>(rccc, both ? std::optional<NsccParams>(nscc) : std::nullopt, ctx.data_frame);
    }
    return std::make_unique<net::NoCc>();
  };
  out.strategy = make(algo);
  if (!uet_algo.empty()) {
    if (algo == "nscc" || algo == "rccc" || algo == "nscc+rccc") {
      r.fail("algorithm", "with uet_algorithm set, algorithm is the RoCE classes' (none, dcqcn, hpcc, timely, swift, admission)");
    }
    out.effective["uet_algorithm"] = uet_algo;
    out.strategy = std::make_unique<PerTransportCc>(std::move(out.strategy), make(uet_algo));
  }
  return out;
}

CcSetup make_cc_strategy(const nlohmann::json& cc, const std::string& file, const CcContext& ctx,
                         const std::string& path) {
  if (cc.is_null()) {
    const nlohmann::json empty = nlohmann::json::object();
    JsonReader r(empty, file, path);
    return read_cc(r, ctx);
  }
  JsonReader r(cc, file, path);
  return read_cc(r, ctx);
}

std::unique_ptr<net::PacketNet> make_packet_net_with_cc(Simulator& sim, const topology::Fabric& fabric,
                                                        const routing::Router& router, const nlohmann::json& params,
                                                        const std::string& file, const std::string& path,
                                                        nlohmann::json* effective_cc) {
  nlohmann::json doc = params.is_null() ? nlohmann::json::object() : params;
  nlohmann::json cc = nlohmann::json::object();
  if (doc.is_object() && doc.contains("cc")) {
    const nlohmann::json& c = doc["cc"];
    if (c.is_string()) {
      cc["algorithm"] = c;
    } else if (c.is_object()) {
      cc = c;
    } else {
      throw ConfigError(file, path + "/cc", "expected an algorithm name or an object with \"algorithm\"");
    }
    doc.erase("cc");
  }
  JsonReader net_reader(doc, file, path);
  net::NetParams p = net::read_net_params(net_reader);
  JsonReader cc_reader(cc, file, path + "/cc");
  CcSetup setup = read_cc(cc_reader, cc_context(p));
  const std::string algo = setup.effective["algorithm"];
  const bool uet_algo = algo == "nscc" || algo == "rccc" || algo == "nscc+rccc";
  const bool per_transport = setup.effective.contains("uet_algorithm");
  if (per_transport && !p.mixed_transports()) {
    throw ConfigError(file, path + "/cc/uet_algorithm",
                      "uet_algorithm is for runs with RoCE and UET classes (nic.transport per class, e.g. "
                      "[\"roce\", \"uet\"]); otherwise algorithm applies");
  }
  if (p.mixed_transports() && !per_transport) {
    if (uet_algo) {
      throw ConfigError(file, path + "/cc/algorithm",
                        "RoCE and UET classes in one run: algorithm is the RoCE classes' (none, dcqcn, hpcc, timely, swift, "
                        "admission); set uet_algorithm=" + algo + " for the UET classes");
    }
    // The UET classes run without CC unless uet_algorithm says otherwise.
    setup.strategy = std::make_unique<PerTransportCc>(std::move(setup.strategy), std::make_unique<net::NoCc>());
    setup.effective["uet_algorithm"] = "none";
  }
  if (uet_algo && p.nic.transport != net::Transport::uet) {
    throw ConfigError(file, path + "/cc/algorithm", algo + " is UET's congestion control: it needs nic.transport = \"uet\"");
  }
  if (effective_cc != nullptr) *effective_cc = setup.effective;
  return net::construct_packet_net(sim, fabric, router, std::move(p), std::move(setup.strategy), file, path);
}

}  // namespace rocesim::cc
