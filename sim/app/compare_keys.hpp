// How an element of a summary array is named, so that arrays from two runs (compare) or from many
// points (sweep columns) are matched by what an element is rather than by where it sits.
//
// An array is keyed when every element is an object carrying one of the primary identity fields,
// tried in this order: "id", "name", the pair "from"/"to" (a link: label "t1.2>t2.2"), "tier",
// "port", "link". The label is the primary value, then qualified by the fields that vary between
// elements: prefixed by "<job>." ("job"), suffixed by ":<direction>" ("direction": tiers[] holds
// one entry per tier and direction, "leaf-spine:up") and by "#<iteration>" ("iteration": ops[] of a
// two-iteration job, "ar#0", "ar#1"). When labels still repeat and the elements carry "port"
// (parallel links between one pair of nodes), "@<port>" is appended. Labels must end up unique;
// any other array is matched by index.
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
