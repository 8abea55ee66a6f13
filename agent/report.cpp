// Renders standalone results (see report.h). JUnit: one testcase per check; `fail` is a
// <failure>, `error` an <error>, both carrying expected and observed.
#include "agent/report.h"

#include <boost/json.hpp>

#include "common/protocol/codec.h"

namespace atelier::agent {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string seconds(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

std::string render_report(const protocol::Results& results, ReportFormat format) {
  int passed = 0, failed = 0, errors = 0;
  std::chrono::milliseconds total{0};
  for (const auto& r : results.results) {
    passed += r.status == protocol::CheckStatus::kPass;
    failed += r.status == protocol::CheckStatus::kFail;
    errors += r.status == protocol::CheckStatus::kError;
    total += r.duration;
  }
  if (format == ReportFormat::kJson) {
    boost::json::object o;
    o["bundle_id"] = results.bundle_id;
    o["host"] = results.host;
    boost::json::array list;
    for (const auto& r : results.results) list.push_back(protocol::result_to_json(r));
    o["results"] = std::move(list);
    o["summary"] = {
        {"pass", passed}, {"fail", failed}, {"error", errors}, {"duration_ms", total.count()}};
    return boost::json::serialize(o) + "\n";
  }
  if (format == ReportFormat::kJunit) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuite name=\"" + xml_escape("atelier-agent " + results.host) + "\" tests=\"" +
           std::to_string(results.results.size()) + "\" failures=\"" + std::to_string(failed) +
           "\" errors=\"" + std::to_string(errors) + "\" time=\"" + seconds(total) + "\">\n";
    for (const auto& r : results.results) {
      out += "  <testcase classname=\"" + xml_escape(r.kind) + "\" name=\"" +
             xml_escape(r.description) + "\" time=\"" + seconds(r.duration) + "\"";
      std::string detail = "expected: " + r.expected + "\nobserved: " + r.observed;
      if (r.status == protocol::CheckStatus::kPass) {
        out += "/>\n";
      } else {
        const char* tag = r.status == protocol::CheckStatus::kFail ? "failure" : "error";
        out += ">\n    <" + std::string(tag) + " message=\"" + xml_escape(r.observed) + "\">" +
               xml_escape(detail) + "</" + tag + ">\n  </testcase>\n";
      }
    }
    out += "</testsuite>\n";
    return out;
  }
  std::string out;
  for (const auto& r : results.results) {
    const char* mark = r.status == protocol::CheckStatus::kPass   ? "PASS "
                       : r.status == protocol::CheckStatus::kFail ? "FAIL "
                                                                  : "ERROR";
    out += std::string(mark) + " [" + r.kind + "] " + r.description + " (" +
           std::to_string(r.duration.count()) + " ms)\n";
    if (r.status != protocol::CheckStatus::kPass) {
      out += "      expected: " + r.expected + "\n      observed: " + r.observed + "\n";
    }
  }
  out += std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " +
         std::to_string(errors) + " errors in " + std::to_string(total.count()) + " ms\n";
  return out;
}

}  // namespace atelier::agent
