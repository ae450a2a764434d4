// Trace import: turns foreign workload formats into the native workload JSON document.
//
// Every reader produces the same native document ({"name", "jobs": [...]}, see workloads/traces.md),
// so the workload core, `rocesim run` and `rocesim convert` have one input format. Formats:
//   flows  : CSV flow list `id,src,dst,bytes,start_us,after` (readers/flow_csv_reader.hpp)
//   chakra : MLCommons Chakra execution traces, one .et file per rank (readers/chakra_reader.hpp)
//   simai  : SimAI / AICB workload text (readers/simai_reader.hpp)
// A reader that drops or approximates anything says so in a top-level "import_report" object; callers
// that print should echo import_report_summary() on stderr.
// Thread safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rocesim::workload {

// Reads `path` as `format` ("auto", "chakra", "simai", "flows") and returns the native document.
// "auto" decides by name, then content: a directory, a `*.et` file or a prefix P with files P.<rank>.et
// is Chakra; `*.csv` is a flow list; `*.txt` is SimAI; `*.json` (or text starting with '{') is already
// native and yields std::nullopt so the caller loads it itself.
// Throws ConfigError (file + location) for unreadable, undetectable or malformed input.
std::optional<nlohmann::json> import_trace(const std::string& path, std::string_view format = "auto");

// The format "auto" would choose for `path`: "chakra", "simai", "flows" or "native".
// Throws ConfigError when nothing matches.
std::string detect_trace_format(const std::string& path);

// One line describing doc["import_report"] (e.g. "chakra import: 3 unsupported nodes (2 REDUCE, ...)"),
// or an empty string when the document has no report.
std::string import_report_summary(const nlohmann::json& doc);

}  // namespace rocesim::workload
