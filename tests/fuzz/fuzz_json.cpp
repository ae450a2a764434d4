// libFuzzer target: the strict JSON reader, then the topology and workload parsers on what it
// accepts (see fuzz_common.hpp).
#include "fuzz_common.hpp"
#include "core/json_reader.hpp"
#include "topology/topology.hpp"
#include "workload/workload_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rocesim;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean_rejection([&] {
    const nlohmann::json doc = parse_json_text(text, "<fuzz>");
    fuzz::expect_clean_rejection([&] { (void)topology::parse_topology(doc, "<fuzz>"); });
    fuzz::expect_clean_rejection([&] { (void)workload::parse_workload(doc, "<fuzz>"); });
  });
  return 0;
}
