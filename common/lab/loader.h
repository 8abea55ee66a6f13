// Loading lab files and check files: YAML text -> typed, validated model, with every error found
// reported as FILE:LINE:COL: error: MESSAGE (all of them, sorted by position).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/check_spec.h"
#include "common/lab/lab.h"
#include "common/result.h"

namespace atelier::lab {

struct LoadOptions {
  // Where roles/NAME.yaml, incidents/..., solutions/... are looked up, given by the caller
  // (nothing is guessed from the lab's folder). Empty: a lab that names a role or recipe gets
  // an error saying so (with check_files); one that names none loads.
  std::filesystem::path recipes_root;
  // Check that ticket files and recipes exist, and read ticket bodies. Off for the fuzzer and
  // for parse-only uses; references inside the file are checked either way.
  bool check_files = true;
  // When set, the lab's own files (ticket texts) come from this map, keyed by their path
  // relative to the lab folder as the lab names it, instead of the disk: a session's copy of its
  // lab taken at creation (controller/sessions). A path absent from it is an error.
  const std::map<std::string, std::string>* lab_files = nullptr;
};

// Everything a load found: the lab when there was no error, and every diagnostic.
struct LoadReport {
  std::optional<Lab> lab;               // set iff diagnostics is empty and !io_failure
  std::vector<Diagnostic> diagnostics;  // sorted by (line, column), file order for ties
  bool io_failure = false;              // the lab file itself could not be read
  bool ok() const { return lab.has_value(); }
  // All diagnostics, one a line, each "FILE:LINE:COL: error: MESSAGE".
  std::string to_string() const;
};

// `path` is a lab folder or its lab.yaml.
LoadReport load_lab_report(const std::filesystem::path& path, const LoadOptions& options = {});
// Parses lab YAML from memory; `file_name` is used in diagnostics and its parent folder is the
// lab folder. Never throws, whatever the input (fuzzed).
LoadReport parse_lab_report(std::string_view text, const std::string& file_name,
                            const LoadOptions& options = {});

// The same as Results: on failure an Error whose message is LoadReport::to_string()
// (code kInvalidArgument, or kIo when the file could not be read).
Result<Lab> load_lab(const std::filesystem::path& path, const LoadOptions& options = {});
Result<Lab> parse_lab(std::string_view text, const std::string& file_name,
                      const LoadOptions& options = {});

// A standalone check file (atelier-agent run --checks FILE): either a list of checks or a map
// {checks: [...]}. `on` is optional there and kept when given; {{templates}} are errors, since
// nothing resolves them. Errors as for labs.
struct CheckFileReport {
  std::vector<checks::Check> checks;
  std::vector<Diagnostic> diagnostics;
  bool io_failure = false;
  bool ok() const { return diagnostics.empty() && !io_failure; }
  std::string to_string() const;
};
CheckFileReport parse_check_file_report(std::string_view text, const std::string& file_name);
Result<std::vector<checks::Check>> load_check_file(const std::filesystem::path& path);
Result<std::vector<checks::Check>> parse_check_file(std::string_view text,
                                                    const std::string& file_name);

// ---- pieces, exposed for tests and other loaders ----------------------------------------

// "2h", "30m", "1h30m", "45s", "500ms"; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// "512MiB", "1GiB", "64KiB", "1TiB", or a plain byte count; nullopt when malformed or overflows.
std::optional<std::uint64_t> parse_size(std::string_view text);
// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate to `word` if it is near enough (distance <= max(1, |word|/3)), else "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// The competency codes compiled in (common/data/competencies.yaml): C01..C19, then EPREUVE.
const std::vector<std::string>& competency_codes();
// Template names that are not variables: candidate, lab, seed, host.NAME.ip,
// host.NAME.ip.NETWORK, network.NETWORK.cidr / .netmask / .prefix. Whether `name` is one of
// them for this lab (it must name a declared host/network, and the host a nic on it).
bool is_builtin_template(const Lab& lab, std::string_view name);

// Pure checks over a parsed model: references, addresses, uniqueness, templates. Appends to
// `out`. load_lab runs it; exposed so that tools building a Lab in code can validate it too.
void validate(const Lab& lab, std::vector<Diagnostic>& out);

}  // namespace atelier::lab
