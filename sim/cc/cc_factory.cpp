// Strategy factory: configuration shape in cc_factory.hpp.
#include "cc/cc_factory.hpp"


#include "cc/admission.hpp"
#include "cc/dcqcn.hpp"
#include "cc/hpcc.hpp"
#include "cc/nscc.hpp"
#include "cc/swift.hpp"
#include "cc/rccc.hpp"
#include "cc/timely.hpp"

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
  if (algo == "dcqcn") {
    out.strategy = std::make_unique<Dcqcn>(dcqcn);
    out.effective["dcqcn"] = to_json(dcqcn);
  } else if (algo == "hpcc") {
    out.strategy = std::make_unique<Hpcc>(hpcc);
    out.effective["hpcc"] = to_json(hpcc);
  } else if (algo == "timely") {
    out.strategy = std::make_unique<Timely>(timely);
    out.effective["timely"] = to_json(timely);
  } else if (algo == "swift") {
    out.strategy = std::make_unique<Swift>(swift, ctx.data_frame, ctx.mtu);
    out.effective["swift"] = to_json(swift);
  } else if (algo == "admission") {
    if (admission.inflight < ctx.data_frame) {
      throw ConfigError(r.file(), r.path_of("admission") + "/inflight",
                        "bound " + to_string(admission.inflight) + " is below one data frame (" +
                            to_string(ctx.data_frame) + ")");
    }
    out.strategy = std::make_unique<Admission>(admission, ctx.data_frame);
    out.effective["admission"] = to_json(admission);
  } else if (algo == "nscc") {
    out.strategy = std::make_unique<Nscc>(nscc, ctx.data_frame);
    out.effective["nscc"] = to_json(nscc);
  } else if (algo == "rccc" || algo == "nscc+rccc") {
    const bool both = algo == "nscc+rccc";
    out.strategy = std::make_unique<Rccc>(rccc, both ? std::optional<NsccParams>(nscc) : std::nullopt, ctx.data_frame);
    if (both) out.effective["nscc"] = to_json(nscc);
    out.effective["rccc"] = to_json(rccc);
  } else {
    out.strategy = std::make_unique<net::NoCc>();
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
  const std::string_view algo = setup.strategy->name();
  if ((algo == "nscc" || algo == "rccc" || algo == "nscc+rccc") && p.nic.transport != net::Transport::uet) {
    throw ConfigError(file, path + "/cc/algorithm",
                      std::string(algo) + " is UET's congestion control: it needs nic.transport = \"uet\"");
  }
  if (effective_cc != nullptr) *effective_cc = setup.effective;
  return std::make_unique<net::PacketNet>(sim, fabric, router, std::move(p), std::move(setup.strategy));
}

}  // namespace rocesim::cc
