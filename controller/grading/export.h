// Exports of a session's grades, as pure functions from grades to text: CSV (one row per
// candidate x task), JSON (everything), JUnit XML (one test case per check) and a printable,
// self-contained HTML report (a sheet per candidate). docs/evaluator-guide.md documents the
// columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/text/html.h"
#include "controller/grading/model.h"

namespace atelier::grading {

enum class Format { kCsv, kJson, kJunit, kHtml, kGrid };
// "csv" "json" "junit" "html" "grid"
std::optional<Format> parse_format(std::string_view text);

enum class Language { kFr, kEn };
std::optional<Language> parse_language(std::string_view text);  // "fr" "en"

struct ExportOptions {
  std::optional<std::string> candidate;  // only this candidate (else every candidate)
  Language language = Language::kFr;     // HTML labels and the titles shown first
  bool csv_bom = false;                  // a UTF-8 byte order mark, for spreadsheets that want it
};

// The CSV columns, in order (the header row).
const std::vector<std::string>& csv_columns();

// One field quoted per RFC 4180 when it holds a comma, a quote, CR or LF (quotes doubled).
std::string csv_field(std::string_view value);

// Escapes & < > " ' for HTML text and attribute values (common/text/html.h).
using text::escape_html;

// CSV, rows separated by CRLF, a header row first. kNotFound when options.candidate is unknown.
Result<std::string> render_csv(const SessionGrades& grades, const ExportOptions& options = {});
// The JSON of to_json(grades), restricted to options.candidate when set.
Result<std::string> render_json(const SessionGrades& grades, const ExportOptions& options = {});
// JUnit XML: <testsuites> for the session, a <testsuite> per candidate, a <testcase> per check
// (classname SESSION.CANDIDATE.TASK); failed checks get <failure>, errors <error>, checks never
// run <skipped>; expected and observed are in the message and the body.
Result<std::string> render_junit(const SessionGrades& grades, const ExportOptions& options = {});
// A printable HTML page: one sheet for options.candidate (kNotFound when unknown), else every
// candidate's sheet in one file, each starting a new printed page. A sheet: summary, competency
// table, tickets with time-to-resolve and SLA, each task's checks with their evidence, overrides
// with their justification, annotations, runs not graded. Every text from the lab, the agents or
// evaluators is escaped; no script, no outside resource.
Result<std::string> render_html(const SessionGrades& grades, const ExportOptions& options);

// The grid for a terminal: a row per candidate, a column per task ("4/4 P", "2.5/3 ~*", "0/2 F!"),
// then the total. Letters: P passed, ~ partial, F failed, - not run; * overridden, ! SLA breached.
Result<std::string> render_grid(const SessionGrades& grades, const ExportOptions& options = {});

// Dispatches on format.
Result<std::string> render(const SessionGrades& grades, Format format,
                           const ExportOptions& options);

}  // namespace atelier::grading
