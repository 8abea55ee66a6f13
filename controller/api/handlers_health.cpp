// GET /healthz and GET /metrics (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"

#include <sstream>

namespace atelier::api {
namespace json = boost::json;

HttpResponse handle_healthz(const HandlerContext&) {
  return json_response(200, json::object{{"status", "ok"}});
}

HttpResponse handle_metrics(const HandlerContext& ctx) {
  auto counts = ctx.store.counts();
  if (!counts.ok()) return error_response(counts.error());
  std::ostringstream out;
  out << "# HELP atelier_http_responses_total HTTP responses by status code.\n"
      << "# TYPE atelier_http_responses_total counter\n";
  for (auto [status, n] : ctx.response_counts()) {
    out << "atelier_http_responses_total{code=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP atelier_sessions Sessions by desired state.\n# TYPE atelier_sessions gauge\n"
      << "atelier_sessions{desired=\"active\"} " << counts->sessions_active << "\n"
      << "atelier_sessions{desired=\"destroyed\"} " << counts->sessions_destroyed << "\n"
      << "# HELP atelier_candidate_labs Candidate labs by status.\n# TYPE atelier_candidate_labs "
         "gauge\n";
  for (std::size_t i = 0; i < counts->candidate_labs_by_status.size(); ++i) {
    out << "atelier_candidate_labs{status=\"" << store::to_string(static_cast<store::LabStatus>(i))
        << "\"} " << counts->candidate_labs_by_status[i] << "\n";
  }
  out << "# HELP atelier_results Check results stored.\n# TYPE atelier_results gauge\n"
      << "atelier_results " << counts->results << "\n";
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = out.str();
  return r;
}

}  // namespace atelier::api
