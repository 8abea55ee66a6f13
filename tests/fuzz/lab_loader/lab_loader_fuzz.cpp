// libFuzzer target over the lab loader: any bytes, parsed as a lab file and as a check file,
// must give diagnostics or a lab, never a crash, a hang or a sanitizer report. A lab that loads
// is also resolved and printed, so the whole path behind the loader is exercised too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "common/lab/lab_json.h"
#include "common/lab/loader.h"
#include "common/lab/variant.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  atelier::lab::LoadOptions options;
  options.check_files = false;  // no file system: the fuzzer tests the parser and validator
  auto report = atelier::lab::parse_lab_report(text, "fuzz/lab.yaml", options);
  for (const auto& d : report.diagnostics) (void)d.to_string();
  if (report.ok()) {
    auto resolved = atelier::lab::resolve(*report.lab, "fuzz", 1);
    if (resolved.ok()) (void)boost::json::serialize(atelier::lab::to_json(*resolved));
    (void)atelier::lab::to_text(*report.lab);
  }
  auto checks = atelier::lab::parse_check_file_report(text, "fuzz/checks.yaml");
  for (const auto& c : checks.checks) {
    auto json = atelier::lab::to_json(c);
    (void)atelier::lab::check_from_json(json);
  }
  return 0;
}
