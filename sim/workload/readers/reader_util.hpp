// Small helpers shared by the trace readers: whole-file reading, exact decimal time parsing and the
// deterministic topological ordering of native ops.
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::workload {

// The whole file as bytes. Throws ConfigError(path, "", "cannot open file") when unreadable.
std::string read_whole_file(const std::string& path);

// `field` quoted for an error message: "text", with control and non-ASCII bytes as \xNN (a stray
// byte-order mark shows as \xEF\xBB\xBF), cut after 64 bytes with the full length noted, so a
// 5 MB field does not become a 5 MB message.
std::string quote_field(std::string_view field);

// Parses a non-negative decimal number of `unit_ps` picoseconds per unit exactly (no binary floating
// point): "12", "0.5", "1.000001". Returns nullopt for anything else or when the value is not a whole
// number of picoseconds or overflows.
std::optional<std::int64_t> parse_decimal_ps(std::string_view text, std::int64_t unit_ps);

// Parses a non-negative base-10 integer that fits in int64 (no sign, no spaces).
std::optional<std::int64_t> parse_uint(std::string_view text);

// Concatenation by appending. Used for op ids: GCC 12 emits a false -Wrestrict warning for
// `"literal" + std::to_string(x)` chains.
std::string concat(std::initializer_list<std::string_view> parts);

// Orders `ops` (native op objects with "id" and optional "deps") so that every op follows its deps,
// keeping the given order wherever the deps allow it (stable Kahn order by original index).
// Throws ConfigError(file, "", ...) naming an unknown dep or listing one dependency cycle.
void order_ops_by_deps(nlohmann::json& ops, const std::string& file);

}  // namespace rocesim::workload
