// FailureRoutes: valley-free ECMP sets pruned around down links, for structural fabrics.
//
// Model (topology/fabric.hpp for domains). Healthy structural routing sends a flow for endpoint e
// up from the source until the first tier L whose switches cover e (domain[L] equal, "turn tier"),
// then down the down groups toward e. Every such path has the same length, so the ECMP set of a
// node is exactly the set of next hops on shortest up-down paths. With links down (a down switch =
// all its links down) the router keeps this routing and removes from each ECMP set the ports that
// are down or lead to a node that can no longer reach e the same way:
//   Dn(s, e)  covering switch s reaches e going down only:
//             Dn(s, e) = ∃ live port p in s's down group toward e with Dn(peer(p), e);  Dn(e, e) = 1
//   R(n, e)   n (not covering e) reaches e going up to tier L, then down:
//             R(n, e) = ∃ live up port p to q with  (tier(q) = L ? Dn(q, e) : R(q, e))
// and the pruned set at n is the ports achieving the ∃. The surviving paths still turn at tier L, so
// they are the surviving shortest up-down paths. A path that turns higher than L is never used: in
// the generated Clos forms the switches of a plane above tier L reach L's block only through the
// same tier-L switch, so such a path would revisit it (no path is lost); paths with a valley
// (down, then up again) are never used either, as in BGP-routed Clos fabrics and because valleys
// open PFC deadlock cycles. BFS shortest paths (explicit graphs) may take a valley instead, and do
// when no up-down path survives (tests/routing/failure_equivalence_test.cpp).
//
// Cost: nothing is stored for nodes whose set is unchanged.
//   * blocks   a down link x–y (y one tier above x) damages the block B = (tier(x), x.domain[tier x])
//              below y: only endpoints in B can see a different Dn. Each endpoint's finest damaged
//              block is its group; endpoints in no damaged block are clean (Dn = 1 everywhere).
//   * covering per group, Dn is evaluated bottom-up from the damaged switches only, storing the
//              pruned down group of each switch whose group changed; X_L(g) = the tier-L switches
//              with Dn = 0.
//   * climbing R(n, e) depends on e only through (L, X_L(g)): one table per distinct (L, X), built
//              by propagating from X and from the lower ends of down links, top tier first, storing
//              the pruned up set of nodes whose set changed (empty: R = 0). Groups share tables.
//   * relay    rail-only relays (routing/router.hpp) at a scale-up switch are pruned per table and
//              target rail where a relay's scale-up link is down or its rail path fails (R = 0).
// One link or switch down at 131,072 accelerators stores a few thousand lists.
// Lookups are binary searches over sorted vectors: no allocation on the hot path.
// Thread safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "topology/fabric.hpp"

namespace rocesim::routing {

struct PortRange;

// Down ports of `node` whose peer's domain one tier below node (Fabric::down_key) equals want.
PortRange structural_down_group(const topology::Fabric& f, topology::NodeId node, std::uint32_t want);

// The lowest tier l > tier(node) at which node's and dst's domains meet (the turn tier), or 0.
int turn_tier(const topology::Fabric& f, topology::NodeId node, topology::NodeId dst);

class FailureRoutes {
 public:
  // REQUIRES: f.structural(); link_down has one byte per link (1 = down). `relay` says whether the
  // router relays through scale-up domains (rail-only).
  FailureRoutes(const topology::Fabric& f, std::span<const std::uint8_t> link_down, bool relay);

  bool link_up(topology::LinkId l) const { return down_[l] == 0; }
  bool port_up(topology::PortId p) const { return down_[fabric_.port(p).link] == 0; }

  // Pruned down group of covering switch `node` toward dst; false when unchanged (use the
  // structural group).
  bool covering(topology::NodeId node, topology::NodeId dst, PortRange& out) const;
  // Pruned up set of `node` (not covering dst, turn tier L = turn_tier(node, dst) > 0); false when
  // unchanged (all up ports).
  bool climbing(topology::NodeId node, topology::NodeId dst, int turn, PortRange& out) const;
  // Pruned relay candidates at scale-up switch `su` toward dst (whose rail-side turn tier from the
  // relays is `turn`); false when unchanged.
  bool relay(topology::NodeId su, topology::NodeId dst, int turn, PortRange& out) const;

  // Number of climbing tables and stored lists (for tests and benchmarks).
  std::size_t table_count() const { return tables_.size(); }
  std::size_t stored_lists() const { return cover_.size() + climb_.size() + relay_.size(); }

  // For reachability checks (route_check.hpp): the group of endpoint dst (kClean when no damaged
  // block holds it), the table a group uses at turn tier L, and the nodes with R = 0 in a table.
  static constexpr std::uint32_t kClean = UINT32_MAX;
  std::uint32_t group_of(topology::NodeId dst) const { return group_of_.empty() ? kClean : group_of_[dst]; }
  std::uint32_t table_of(std::uint32_t group, int turn) const;
  std::span<const topology::NodeId> unreachable_in(std::uint32_t table) const { return table_dead_[table]; }
  int table_turn(std::uint32_t table) const { return tables_[table].turn; }
  bool relays() const { return relay_on_; }
  // Accelerators whose scale-up link is down, sorted.
  std::span<const topology::NodeId> scale_up_cut() const { return su_dead_; }

 private:
  struct Entry {
    std::uint64_t key = 0;   // (owner << 32) | node
    std::uint32_t key2 = 0;  // relay entries: the target rail's top-tier domain; 0 otherwise
    std::uint32_t offset = 0;
    std::uint32_t count = 0;
    bool operator<(const Entry& o) const { return key != o.key ? key < o.key : key2 < o.key2; }
  };
  struct Table {
    int turn = 0;
    std::vector<topology::NodeId> dead;  // X: tier-`turn` switches with Dn = 0, sorted
  };

  bool find(const std::vector<Entry>& v, std::uint64_t key, std::uint32_t key2, PortRange& out) const;
  void store(std::vector<Entry>& v, std::uint64_t key, std::uint32_t key2, const std::vector<topology::PortId>& ports);
  void build_groups();
  void build_covering(std::uint32_t group, topology::NodeId rep);
  std::uint32_t intern_table(int turn, std::vector<topology::NodeId> dead);
  void build_table(std::uint32_t table);
  void build_relays(std::uint32_t table);

  const topology::Fabric& fabric_;
  std::vector<std::uint8_t> down_;
  bool relay_on_ = false;
  int top_ = 0;
  std::vector<topology::LinkId> dead_links_;
  std::vector<std::uint32_t> group_of_;  // endpoint → group or kClean; empty when all clean
  std::vector<std::array<std::uint32_t, topology::kMaxTier + 1>> group_tables_;  // [group][L]
  std::array<std::uint32_t, topology::kMaxTier + 1> clean_tables_{};
  std::vector<Table> tables_;
  std::vector<std::vector<topology::NodeId>> table_dead_;  // R = 0 nodes per table, sorted
  std::vector<topology::NodeId> su_dead_;
  std::vector<Entry> cover_;  // owner = group
  std::vector<Entry> climb_;  // owner = table
  std::vector<Entry> relay_;  // owner = table, node = scale-up switch, key2 = rail domain
  std::vector<topology::PortId> lists_;
  // Construction scratch (released when done).
  std::map<std::pair<int, std::vector<topology::NodeId>>, std::uint32_t> table_ids_;
  std::vector<std::uint32_t> stamp_;
  std::vector<std::uint32_t> dead_stamp_;
  std::uint32_t generation_ = 0;
};

}  // namespace rocesim::routing
