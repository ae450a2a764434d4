// How an element of a summary array is named, so that arrays from two runs (compare) or from many
// points (sweep columns) are matched by what an element is rather than by where it sits.
//
// An array is keyed when every element is an object carrying one of the primary identity fields
// "id", "tier", "port", "link" or "name" (the first one present, in that order), and the resulting
// labels are unique. A label is the primary field's value, prefixed by "<job>." when the elements
// have a "job" field whose value differs between elements, and suffixed by "#<iteration>" when an
// "iteration" field differs between elements (ops[] of a two-iteration job: "ar#0", "ar#1").
// Any other array is matched by index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::app {

// One label per element, or nullopt when the array is matched by index (see above).
std::optional<std::vector<std::string>> element_labels(const nlohmann::json& array);

// "/a/b~1c/*" → {"a", "b/c", "*"} (RFC 6901 unescaping); "" → {}.
std::vector<std::string> pointer_segments(const std::string& pointer);

}  // namespace rocesim::app
