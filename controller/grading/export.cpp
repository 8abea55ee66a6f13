// The four exports (export.h). CSV and HTML are built as text with escaping at every field;
// JUnit XML is built with pugixml so that well-formedness never depends on our own escaping.
#include "controller/grading/export.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <pugixml.hpp>

#include "controller/grading/grade.h"
#include "controller/grading/json.h"

#include "controller/grading/export_parts.h"

namespace atelier::grading {
namespace detail {

Result<std::vector<const CandidateGrade*>> selected(const SessionGrades& grades,
                                                    const ExportOptions& options) {
  std::vector<const CandidateGrade*> out;
  if (options.candidate) {
    const CandidateGrade* c = grades.candidate(*options.candidate);
    if (c == nullptr) {
      return Error(ErrorCode::kNotFound,
                   "no candidate \"" + *options.candidate + "\" in session " + grades.session);
    }
    out.push_back(c);
  } else {
    for (const auto& c : grades.candidates) out.push_back(&c);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

const std::string& pick(const lab::Text& t, Language lang) {
  const std::string& first = lang == Language::kFr ? t.fr : t.en;
  const std::string& second = lang == Language::kFr ? t.en : t.fr;
  return first.empty() ? second : first;
}

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", p);
  return buf;
}

}  // namespace detail

using detail::join;
using detail::percent;
using detail::selected;

namespace {

// XML 1.0 cannot carry most control characters, and a check's observed output may hold any
// byte: those become U+FFFD so the document stays well-formed.
std::string xml_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string opt_time(const std::optional<TimePoint>& t) {
  return t ? format_time(*t) : "";
}

}  // namespace

std::optional<Format> parse_format(std::string_view text) {
  if (text == "csv") return Format::kCsv;
  if (text == "json") return Format::kJson;
  if (text == "junit") return Format::kJunit;
  if (text == "html") return Format::kHtml;
  if (text == "grid") return Format::kGrid;
  return std::nullopt;
}

std::optional<Language> parse_language(std::string_view text) {
  if (text == "fr") return Language::kFr;
  if (text == "en") return Language::kEn;
  return std::nullopt;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {
// The tamper evidence of a task's checks, each distinct text once (a host's evidence is on each
// of its checks).
std::string tamper_evidence(const TaskGrade& t) {
  std::vector<std::string> seen;
  for (const auto& c : t.checks) {
    if (!c.integrity.empty() && std::find(seen.begin(), seen.end(), c.integrity) == seen.end()) {
      seen.push_back(c.integrity);
    }
  }
  return join(seen, " | ");
}
}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> kColumns = {"session",         "lab",
                                                    "candidate",       "task",
                                                    "title_fr",        "title_en",
                                                    "priority",        "competencies",
                                                    "status",          "graded_status",
                                                    "points_earned",   "points_possible",
                                                    "computed_points", "checks_passed",
                                                    "checks_total",    "opened_at",
                                                    "first_passed_at", "time_to_resolve_s",
                                                    "time_to_resolve", "sla_s",
                                                    "sla_breached",    "regressed",
                                                    "override_points", "override_justification",
                                                    "override_who",    "override_when",
                                                    "frozen_at",       "tampered",
                                                    "tamper_evidence"};
  return kColumns;
}

Result<std::string> render_csv(const SessionGrades& grades, const ExportOptions& options) {
  auto cands = selected(grades, options);
  if (!cands) return std::move(cands).error().context("render CSV");
  std::string out = options.csv_bom ? "\xEF\xBB\xBF" : "";
  auto row = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += csv_field(fields[i]);
    }
    out += "\r\n";
  };
  row(csv_columns());
  const std::string frozen = grades.frozen ? format_time(grades.frozen->at) : "";
  for (const CandidateGrade* c : *cands) {
    for (const auto& t : c->tasks) {
      const TaskSpec* spec = grades.lab.task(t.task_id);
      const TaskSpec empty;
      const TaskSpec& s = spec ? *spec : empty;
      const lab::Text& title = t.title == lab::Text{} ? s.title : t.title;
      row({grades.session,
           grades.lab.id,
           c->candidate,
           t.task_id,
           title.fr,
           title.en,
           std::string(lab::to_string(s.priority)),
           join(s.competencies, " "),
           std::string(to_string(t.status)),
           std::string(to_string(t.graded_status)),
           format_points(t.points_earned),
           std::to_string(t.points_possible),
           format_points(t.computed_points),
           std::to_string(t.checks_passed),
           std::to_string(t.checks_total),
           opt_time(t.opened_at),
           opt_time(t.first_passed_at),
           t.time_to_resolve ? std::to_string(t.time_to_resolve->count()) : "",
           t.time_to_resolve ? format_duration(*t.time_to_resolve) : "",
           t.sla.count() ? std::to_string(t.sla.count()) : "",
           t.sla_breached ? "yes" : "no",
           t.regressed ? "yes" : "no",
           t.override ? format_points(t.override->points) : "",
           t.override ? t.override->justification : "",
           t.override ? t.override->who : "",
           t.override ? format_time(t.override->when) : "",
           frozen,
           t.tampered ? "yes" : "no",
           tamper_evidence(t)});
    }
  }
  return out;
}

Result<std::string> render_json(const SessionGrades& grades, const ExportOptions& options) {
  auto cands = selected(grades, options);
  if (!cands) return std::move(cands).error().context("render JSON");
  if (!options.candidate) return boost::json::serialize(to_json(grades)) + "\n";
  SessionGrades one = grades;
  one.candidates = {**cands->begin()};
  return boost::json::serialize(to_json(one)) + "\n";
}

namespace {

// A JUnit suite's or the whole document's counts, written as its attributes.
struct JunitCounts {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  void add(const JunitCounts& o) {
    tests += o.tests;
    failures += o.failures;
    errors += o.errors;
    skipped += o.skipped;
  }
  void write(pugi::xml_node n) const {
    n.append_attribute("tests") = static_cast<unsigned long long>(tests);
    n.append_attribute("failures") = static_cast<unsigned long long>(failures);
    n.append_attribute("errors") = static_cast<unsigned long long>(errors);
    n.append_attribute("skipped") = static_cast<unsigned long long>(skipped);
  }
};

// One check as a <testcase>: skipped when never run, <failure> (type "tampered" when the host's
// answer carries tamper evidence), <error>, or a pass with its evidence as system-out.
void junit_testcase(pugi::xml_node suite, const std::string& prefix, const TaskGrade& t,
                    const CheckOutcome& chk, JunitCounts& n) {
  ++n.tests;
  auto tc = suite.append_child("testcase");
  tc.append_attribute("classname") = xml_safe(prefix + "." + t.task_id).c_str();
  tc.append_attribute("name") =
      xml_safe(t.task_id + "#" + std::to_string(chk.index) + " " + chk.description).c_str();
  tc.append_attribute("time") = "0";
  const std::string body = xml_safe("expected: " + chk.expected + "\nobserved: " + chk.observed +
                                    (chk.host.empty() ? "" : "\nhost: " + chk.host) +
                                    (chk.run_id.empty() ? "" : "\nrun: " + chk.run_id));
  if (!chk.status) {
    ++n.skipped;
    tc.append_child("skipped").append_attribute("message") = "never run";
  } else if (*chk.status == CheckStatus::kFail) {
    ++n.failures;
    auto f = tc.append_child("failure");
    f.append_attribute("message") =
        xml_safe(chk.integrity.empty() ? "expected " + chk.expected + "; observed " + chk.observed
                                       : "tampered: " + chk.integrity)
            .c_str();
    f.append_attribute("type") = chk.integrity.empty() ? "fail" : "tampered";
    f.text().set(body.c_str());
  } else if (*chk.status == CheckStatus::kError) {
    ++n.errors;
    auto e = tc.append_child("error");
    e.append_attribute("message") = xml_safe("could not check: " + chk.observed).c_str();
    e.append_attribute("type") = "error";
    e.text().set(body.c_str());
  } else {
    tc.append_child("system-out").text().set(body.c_str());
  }
}

}  // namespace

Result<std::string> render_junit(const SessionGrades& grades, const ExportOptions& options) {
  auto cands = selected(grades, options);
  if (!cands) return std::move(cands).error().context("render JUnit XML");
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suites = doc.append_child("testsuites");
  suites.append_attribute("name") =
      xml_safe("atelier " + grades.session + " " + grades.lab.id).c_str();
  JunitCounts all;
  for (const CandidateGrade* c : *cands) {
    auto suite = suites.append_child("testsuite");
    suite.append_attribute("name") = xml_safe(grades.session + "." + c->candidate).c_str();
    auto props = suite.append_child("properties");
    auto prop = [&](const char* name, const std::string& value) {
      auto p = props.append_child("property");
      p.append_attribute("name") = name;
      p.append_attribute("value") = xml_safe(value).c_str();
    };
    prop("session", grades.session);
    prop("lab", grades.lab.id);
    prop("candidate", c->candidate);
    prop("points", format_points(c->points_earned) + "/" + std::to_string(c->points_possible));
    if (grades.frozen) prop("frozen_at", format_time(grades.frozen->at));
    JunitCounts n;
    for (const auto& t : c->tasks) {
      for (const auto& chk : t.checks) {
        junit_testcase(suite, grades.session + "." + c->candidate, t, chk, n);
      }
    }
    n.write(suite);
    suite.append_attribute("time") = "0";
    if (c->last_run_at)
      suite.append_attribute("timestamp") = format_time(*c->last_run_at).substr(0, 19).c_str();
    all.add(n);
  }
  all.write(suites);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

Result<std::string> render_grid(const SessionGrades& grades, const ExportOptions& options) {
  auto cands = selected(grades, options);
  if (!cands) return std::move(cands).error().context("render grid");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"candidate"};
  for (const auto& t : grades.lab.tasks) header.push_back(t.id);
  header.push_back("total");
  rows.push_back(header);
  for (const CandidateGrade* c : *cands) {
    std::vector<std::string> row = {c->candidate};
    for (const auto& t : c->tasks) {
      const TaskStatus s = t.graded_status;  // with an override, the verdict of its points
      const char* letter = s == TaskStatus::kPassed    ? "P"
                           : s == TaskStatus::kPartial ? "~"
                           : s == TaskStatus::kFailed  ? "F"
                                                       : "-";
      row.push_back(format_points(t.points_earned) + "/" + std::to_string(t.points_possible) + " " +
                    letter + (t.override ? "*" : "") + (t.sla_breached ? "!" : "") +
                    (t.tampered ? " tampered" : ""));
    }
    row.push_back(format_points(c->points_earned) + "/" + std::to_string(c->points_possible) +
                  " (" + percent(c->percentage) + "%)");
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out = "session " + grades.session + ", lab " + grades.lab.id + ", " +
                    (grades.frozen ? "frozen at " + format_time(grades.frozen->at)
                                   : "provisional at " + format_time(grades.computed_at)) +
                    "\n";
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  out += "P passed, ~ partial, F failed, - not run; * overridden, ! SLA breached\n";
  return out;
}

Result<std::string> render(const SessionGrades& grades, Format format,
                           const ExportOptions& options) {
  switch (format) {
    case Format::kCsv:
      return render_csv(grades, options);
    case Format::kJson:
      return render_json(grades, options);
    case Format::kJunit:
      return render_junit(grades, options);
    case Format::kHtml:
      return render_html(grades, options);
    case Format::kGrid:
      return render_grid(grades, options);
  }
  return Error(ErrorCode::kInternal, "unknown export format");
}

}  // namespace atelier::grading
