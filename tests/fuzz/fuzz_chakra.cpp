// libFuzzer target: the Chakra execution-trace decoder (protobuf wire format, plain or gzip; see
// fuzz_common.hpp).
#include "fuzz_common.hpp"
#include "workload/readers/chakra_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rocesim;
  fuzz::expect_clean_rejection([&] {
    (void)workload::decode_chakra_bytes(std::string_view(reinterpret_cast<const char*>(data), size), "<fuzz>");
  });
  return 0;
}
