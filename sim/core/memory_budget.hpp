// Memory budget: refuse a build whose estimated size exceeds the machine, before allocating it,
// and name what was running when an allocation fails anyway.
//
// Units: bytes (std::uint64_t). The limit defaults to min(physical memory, RLIMIT_AS): physical
// memory = sysconf(_SC_PHYS_PAGES) × sysconf(_SC_PAGE_SIZE); RLIMIT_AS is the address-space cap
// (`ulimit -v`), infinite unless set. `rocesim run/topo --max-memory SIZE` replaces it.
// Estimates are lower bounds of the structures' own arrays (elements × bytes each, stated where the
// estimate is made), so a refusal is never a false alarm by more than the estimate's slack.
// Exit code 3 (kExitResources) for both a refusal and a std::bad_alloc: the input may be valid, the
// machine is too small for it.
// Thread safety: the limit and the activity are process-wide; set them from the main thread only.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/config_error.hpp"

namespace rocesim {

class MemoryLimitError : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

std::uint64_t physical_memory_bytes();
// The current limit: the value set by set_memory_limit, else min(physical memory, RLIMIT_AS).
std::uint64_t memory_limit_bytes();
void set_memory_limit_bytes(std::uint64_t bytes);

// Throws MemoryLimitError("<what> needs an estimated X GiB (<detail>), more than the Y GiB
// limit ...") when `estimate` exceeds memory_limit_bytes().
void require_memory(std::uint64_t estimate, const std::string& what, const std::string& detail);

// The process's resident set now (/proc/self/statm), 0 where it cannot be read. For run-time
// guards: a structure about to grow checks resident_bytes() + its growth against the limit.
std::uint64_t resident_bytes();

// "X.YZ GiB" for a byte count.
std::string gib_string(std::uint64_t bytes);

// What the program is doing, for the out-of-memory message ("building the fabric of t.json").
// A scope sets it and restores the previous one on a normal exit; when an exception unwinds
// through it the activity stays, so main() can still name it.
class ActivityScope {
 public:
  explicit ActivityScope(std::string what);
  ~ActivityScope();
  ActivityScope(const ActivityScope&) = delete;
  ActivityScope& operator=(const ActivityScope&) = delete;

 private:
  std::string previous_;
  int exceptions_;
};
// "" when no scope is active.
const std::string& current_activity();

}  // namespace rocesim
