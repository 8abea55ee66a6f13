// JSON form of the grading types (Boost.JSON): the `--format json` export (everything), and the
// input file of `atelier results render` (a SessionInput). Field names are documented in
// docs/evaluator-guide.md. Times are UTC RFC 3339 with milliseconds; durations are seconds.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/result.h"
#include "controller/grading/model.h"

namespace atelier::grading {

inline constexpr const char* kGradesFormat = "atelier.grades/1";
inline constexpr const char* kInputFormat = "atelier.results-input/1";

// "2026-11-30T08:00:00.000Z".
std::string time_to_json(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z"; nullopt otherwise.
std::optional<TimePoint> time_from_json(std::string_view text);

boost::json::value to_json(const CheckResult& r);
boost::json::value to_json(const CheckRun& run);
boost::json::value to_json(const Override& o);
boost::json::value to_json(const Annotation& a);
boost::json::value to_json(const LabSpec& lab);
boost::json::value to_json(const SessionInput& input);    // {"format": kInputFormat, ...}
boost::json::value to_json(const SessionGrades& grades);  // {"format": kGradesFormat, ...}

Result<CheckResult> check_result_from_json(const boost::json::value& v);
Result<CheckRun> check_run_from_json(const boost::json::value& v);
Result<Override> override_from_json(const boost::json::value& v);
Result<Annotation> annotation_from_json(const boost::json::value& v);
Result<LabSpec> lab_spec_from_json(const boost::json::value& v);
// Errors (kInvalidArgument) name the JSON path: "candidates[0].runs[2].started_at: expected ...".
// With `lab` given (e.g. from a lab folder), the file's "lab" is optional and `lab` is used.
Result<SessionInput> session_input_from_json(const boost::json::value& v,
                                             const LabSpec* lab = nullptr);
// Parses text first; a syntax error says where.
Result<SessionInput> session_input_from_json_text(std::string_view text,
                                                  const LabSpec* lab = nullptr);

}  // namespace atelier::grading
