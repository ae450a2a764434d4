// libFuzzer target: the flow-list CSV reader and its conversion to a workload (see
// fuzz_common.hpp).
#include "fuzz_common.hpp"
#include "workload/readers/flow_csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rocesim;
  fuzz::expect_clean_rejection([&] {
    const workload::FlowList flows = workload::parse_flow_csv(fuzz::text_of(data, size), "<fuzz>");
    (void)workload::flow_list_to_spec(flows, "<fuzz>");
  });
  return 0;
}
