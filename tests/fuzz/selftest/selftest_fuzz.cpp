// The fuzz runner's self-test target (tests/fuzz/selftest_test.sh): a defect planted on purpose,
// so that a test proves run_fuzz.sh fails, and names the input, when fuzzing finds a crash.
// ATELIER_FUZZ_SELFTEST chooses what the target does:
//   unset or "find"  inputs starting "ATELIER!" read one byte past their end (an ASan report);
//                    the seed "ATELIER?" is one mutation away
//   "replay"         the same defect; crashers.py writes such an input, which the runner replays
//   "clean"          no defect: the runner must pass
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

bool defect_planted() {
  static const bool planted = [] {
    const char* mode = std::getenv("ATELIER_FUZZ_SELFTEST");
    return mode == nullptr || std::string_view(mode) != "clean";
  }();
  return planted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kTrigger = "ATELIER!";
  if (!defect_planted() || size < kTrigger.size()) return 0;
  if (std::memcmp(data, kTrigger.data(), kTrigger.size()) != 0) return 0;
  // The planted defect: a read one past the end of libFuzzer's exact-size copy of the input.
  volatile std::uint8_t past_the_end = data[size];
  return past_the_end == 0xff ? 1 : 0;
}
