// The trainer's "new session" form (GET/POST /trainer/sessions/new). The form offers the labs of
// --labs-dir that the session service loads, each with what one candidate's lab costs in memory
// beside the memory the hypervisor hosts have left (lab_catalogue.h, shared with GET /labs).
// POST creates through SessionService::create, as POST /sessions does: a refusal shows the API's
// message with the values kept, and the audit log names the person ("user:NAME").
#include <set>

#include "controller/api/candidate_list.h"
#include "controller/api/handlers.h"
#include "controller/api/lab_catalogue.h"
#include "controller/api/web_http.h"
#include "controller/reconciler/placement.h"
#include "controller/sessions/check_interval.h"
#include "controller/web/staff_pages.h"

namespace atelier::api {
namespace {

constexpr std::size_t kMaxLabNameBytes = 255;  // a folder's name (NAME_MAX)

web::LabChoiceView choice_of(const std::string& folder, const lab::Lab& lab, web::Lang lang) {
  web::LabChoiceView v;
  v.id = folder;
  v.title = lang == web::Lang::kFr ? lab.title.fr : lab.title.en;
  v.competencies = lab.competencies;
  if (v.competencies.empty()) {  // a lab may list them per task only
    std::set<std::string> all;
    for (const auto& t : lab.tasks) all.insert(t.competencies.begin(), t.competencies.end());
    v.competencies.assign(all.begin(), all.end());
  }
  v.duration_seconds = lab.duration.count();
  for (const auto& h : lab.hosts) v.hosts.push_back(h.name);
  const LabNeeds needs = lab_needs(lab);
  v.guest_memory_bytes = needs.guest_memory_bytes;
  v.demand_bytes = needs.demand_bytes;
  return v;
}

// Every lab of the labs dir: loaded (offered) or not (named with its first error, so that the
// trainer knows why a lab is missing).
void list_labs(const sessions::SessionService& service, web::NewSessionPage& page) {
  for (auto& entry : lab_catalogue(service)) {
    if (entry.lab) {
      page.labs.push_back(choice_of(entry.folder, *entry.lab, page.lang));
    } else {
      page.broken_labs.push_back(entry.folder + ": " + entry.error);
    }
  }
}

HttpResponse form_page(const HandlerContext& ctx, int status, web::NewSessionForm form,
                       const std::string& error, const std::vector<lab::Diagnostic>& diagnostics) {
  web::NewSessionPage page;
  page.lang = lang_of(ctx.request);
  page.user = ctx.token->label;
  page.form = std::move(form);
  page.error = error;
  for (const auto& d : diagnostics) page.diagnostics.push_back(d.to_string());
  list_labs(ctx.sessions, page);
  // The usable memory before placement, for the "of" in "X of Y": read again from the hosts.
  auto left = memory_left(ctx.store, ctx.sessions);
  if (!left.ok()) return error_response(left.error());
  auto hosts = ctx.store.list_hosts();
  if (!hosts.ok()) return error_response(hosts.error());
  for (const auto& h : *hosts) {
    if (!left->count(h.name)) continue;
    page.capacity.known = true;
    page.capacity.hosts++;
    page.capacity.usable_bytes += reconciler::usable_bytes(h.memory_bytes);
    page.capacity.left_bytes += left->at(h.name);
  }
  for (auto& lab : page.labs) lab.fits = labs_that_fit(*left, lab.demand_bytes);
  // The form's CSRF field is the cookie's value; a browser without one (it expired) gets a fresh
  // one.
  std::string csrf = request_cookie(ctx.request, kCsrfCookieName);
  const bool fresh = !is_cookie_secret(csrf);
  if (fresh) csrf = random_hex_string(32);
  page.csrf_token = csrf;
  HttpResponse r = html_response(status, web::render_new_session(page));
  if (fresh)
    r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookieName, csrf,
                                                    ctx.options.web.web_session_ttl.count()));
  remember_lang(ctx, r);
  return r;
}

// The form's fields as POST /sessions's request; errors say what is wrong as the API does.
Result<sessions::CreateSessionRequest> decode_form(const web::NewSessionForm& form) {
  sessions::CreateSessionRequest req;
  if (form.lab.size() > kMaxLabNameBytes) {
    return Error(ErrorCode::kInvalidArgument, "\"lab\" is " + std::to_string(form.lab.size()) +
                                                  " bytes long; choose a lab from the list");
  }
  req.lab = form.lab;
  if (!form.name.empty()) req.name = form.name;
  for (auto& c : parse_candidate_list(form.candidates)) {
    // Kept with the candidate lab (the session service checks it), shown on the session's page.
    if (!c.display.empty()) req.display_names[c.id] = std::move(c.display);
    req.candidates.push_back(std::move(c.id));
  }
  if (!form.check_interval.empty()) {
    auto every = sessions::parse_check_interval(form.check_interval);
    if (!every.ok()) return std::move(every).error();
    req.check_interval = *every;
  }
  req.feedback = form.feedback;
  req.candidate_resets = form.candidate_resets;
  return req;
}

std::string trimmed(std::string s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && blank(s[i])) ++i;
  return s.substr(i);
}

}  // namespace

HttpResponse handle_new_session_page(const HandlerContext& ctx) {
  return form_page(ctx, 200, {}, "", {});
}

HttpResponse handle_new_session(const HandlerContext& ctx) {
  const std::string& body = ctx.request.body;
  web::NewSessionForm form{form_value(body, "lab"),
                           trimmed(form_value(body, "name")),
                           form_value(body, "candidates"),
                           trimmed(form_value(body, "check_interval")),
                           form_value(body, "feedback") == "on",
                           form_value(body, "candidate_resets") == "on"};
  auto req = decode_form(form);
  std::vector<lab::Diagnostic> diagnostics;
  Status refused = ok_status();
  if (req.ok()) {
    auto created = ctx.sessions.create(*req, ctx.actor, &diagnostics);
    if (created.ok()) return see_other("/trainer/sessions/" + created->id);
    refused = std::move(created).error();
  } else {
    refused = std::move(req).error();
  }
  // The status the API gives the same refusal (400, 403, 404, 409), with its message.
  return form_page(ctx, error_response(refused.error()).status, std::move(form),
                   refused.error().to_string(), diagnostics);
}

}  // namespace atelier::api
