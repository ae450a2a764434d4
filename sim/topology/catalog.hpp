// Catalog forms: rail-only, multi-plane, dual-ToR and explicit graphs, beside the Clos generators of
// topology.hpp. This header is the seam between them and the shared spec code: spec_parse.cpp and
// topology.cpp call these functions for the generator names catalog_generator_names() lists.
//
// Shapes and formulas (G accelerators per server, U units, N servers per unit, E = U·N·G):
//   rail_only    leaves U·G (leaf of e: unit(e)·G + e mod G, as rail-optimized); S spines per rail,
//                G·S spines; each leaf has u1 uplinks (from rail_leaf, as rail-optimized) spread over
//                its rail's S spines, p12 = u1/S parallel links; no tier joins rails. Cross-rail
//                traffic relays through the scale-up domain (routing/router.hpp), so a scale-up
//                domain is required and must lie inside one unit. With `core` each rail is a 3-tier
//                fat tree (P = U/units_per_pod pods, S spines per pod, S planes of C cores per
//                rail): G·P·S spines, G·S·C cores, U·G·u1 + G·P·S·u2 fabric links (rail_only.cpp).
//   multi_plane  P copies of the per-plane fabric (a Clos form, or rail_only: P copies of the rail-only
//                fabric above, the scale-up domain shared); every accelerator has P NIC ports, port q
//                to the plane-q copy of its leaf: switches P·(per-plane switches), NIC links P·E,
//                fabric links P·(per-plane fabric links). Cross-rail traffic of a rail-only plane set
//                relays through the scale-up domain once, then takes any plane (the relay's NIC
//                hashes over its P ports, as every multi-plane source does).
//   dual_tor     the base Clos with every tier-1 switch doubled into a ToR pair; every accelerator
//                links once to each ToR of its pair: tier-1 switches 2·L, NIC links 2·E, tier-1 ↔
//                tier-2 links twice the base's; tiers above unchanged.
//   explicit     topology/explicit_graph.hpp.
// Declared radixes are checked on the built fabric (ports in use per switch ≤ radix).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {

template <class T>
inline constexpr bool is_catalog_form_v =
    std::is_same_v<T, RailOnlySpec> || std::is_same_v<T, MultiPlaneSpec> || std::is_same_v<T, DualTorSpec> ||
    std::is_same_v<T, ExplicitGraphSpec>;

const std::vector<std::string>& catalog_generator_names();
bool is_catalog_generator(std::string_view generator);
bool is_catalog_spec(const TopologySpec& spec);

// Reads the form object of catalog generator `generator` (already validated as one) into
// spec.form; spec's name, source, server and scale-up fields are already filled. `top` is the
// document's top-level reader. Throws ConfigError.
void parse_catalog_form(const std::string& generator, JsonReader& form, JsonReader& top, TopologySpec& spec);

// Effective JSON of each form (what parse_catalog_form reads back into an equal spec).
nlohmann::json form_json(const RailOnlySpec& s);
nlohmann::json form_json(const MultiPlaneSpec& s);
nlohmann::json form_json(const DualTorSpec& s);
nlohmann::json form_json(const ExplicitGraphSpec& s);

std::uint64_t catalog_endpoint_count(const TopologySpec& spec);

// Builds (and checks connectivity and declared radixes of) a catalog spec. REQUIRES is_catalog_spec.
Fabric build_catalog_fabric(const TopologySpec& spec);

// A topology spec from an ns-3 / SimAI text file. `overrides` must be empty (--set edits JSON).
TopologySpec load_ns3_topology_spec(const std::string& path, const std::vector<std::string>& overrides);

// Per-form builders (rail_only.cpp, plane_forms.cpp). build_rail_only builds `planes` copies of
// the rail-only switches (multi_plane with a rail_only plane), under `generator`; radix errors name
// `path`.
Fabric build_rail_only(const TopologySpec& spec, const RailOnlySpec& s, std::uint32_t planes = 1,
                       const std::string& generator = "rail_only", const std::string& path = "/rail_only");
Fabric build_multi_plane(const TopologySpec& spec, const MultiPlaneSpec& s);
Fabric build_dual_tor(const TopologySpec& spec, const DualTorSpec& s);

// The Clos spec a dual-ToR form wraps: `form` ({"generator": g, g: {...}}) with the outer spec's
// server and scale-up description; errors are reported under `path`.
TopologySpec nested_clos_spec(const TopologySpec& outer, const nlohmann::json& form, const std::string& path);
// The same for a multi-plane form's plane, which may also be rail_only.
TopologySpec nested_plane_spec(const TopologySpec& outer, const nlohmann::json& form, const std::string& path);

// Throws ConfigError(file, path, ...) naming the first switch whose ports in use exceed its
// tier's declared radix (0 = not declared).
void check_built_radix(const Fabric& f, const std::string& file, const std::string& path);

}  // namespace rocesim::topology
