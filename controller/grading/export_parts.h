// What the exports' two files (export.cpp, export_html.cpp) share; internal to atelier_grading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controller/grading/export.h"

namespace atelier::grading::detail {

// The candidates an export covers: options.candidate alone (kNotFound if the session has no such
// candidate), else every candidate in the session's order.
Result<std::vector<const CandidateGrade*>> selected(const SessionGrades& grades,
                                                    const ExportOptions& options);
std::string join(const std::vector<std::string>& v, std::string_view sep);
// The text in `lang`, else in the other language when it has none in `lang`.
const std::string& pick(const lab::Text& t, Language lang);
// One decimal: "87.5".
std::string percent(double p);

}  // namespace atelier::grading::detail
