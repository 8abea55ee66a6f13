// The candidate's pages: GET/POST /login (access code -> web session cookie), GET /logout and
// GET /candidate (the workspace, from the store and the lab). The only credential accepted here
// is the candidate's own cookie, and it opens nothing of the JSON API (bearer tokens only).
// Codes and cookies are never logged nor written anywhere but the response.
#include <algorithm>
#include <ctime>
#include <map>

#include "controller/api/handlers.h"
#include "controller/api/web_http.h"
#include "controller/api/web_state.h"
#include "controller/web/pages.h"

namespace atelier::api {
namespace {

constexpr std::string_view kSessionCookie = "atelier_session";
constexpr std::string_view kCsrfCookie = kCsrfCookieName;

// The candidate's web session from their cookie, nullopt when there is none or it ended.
Result<std::optional<store::WebSessionRecord>> current(const HandlerContext& ctx) {
  std::string c = request_cookie(ctx.request, kSessionCookie);
  if (!is_cookie_secret(c)) return std::optional<store::WebSessionRecord>();
  return ctx.store.find_web_session(store::sha256_hex(c), store::Clock::now());
}

// The login page with a CSRF token, kept in a cookie to compare with the form's copy.
HttpResponse login_page(const HandlerContext& ctx, int status, const std::string& error_key) {
  std::string csrf = request_cookie(ctx.request, kCsrfCookie);
  if (!is_cookie_secret(csrf) || !error_key.empty()) csrf = random_hex_string(32);
  web::Lang lang = lang_of(ctx.request);
  web::LoginPage page{lang, csrf, error_key.empty() ? "" : web::message(lang, error_key), "/login"};
  HttpResponse r = html_response(status, web::render_login(page));
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookie, csrf, 3600));
  remember_lang(ctx, r);
  return r;
}

}  // namespace

HttpResponse handle_login_page(const HandlerContext& ctx) {
  auto who = current(ctx);
  if (!who.ok()) return error_response(who.error());
  if (who->has_value()) return see_other("/candidate");
  return login_page(ctx, 200, "");
}

HttpResponse handle_login(const HandlerContext& ctx) {
  const std::string& key = ctx.options.web.access_key;
  if (key.empty()) return html_response(503, "atelierd has no access-code key");
  const std::string& address = ctx.request.client_address;
  // The form must carry the token its page was given (double submit: a cross-site form cannot
  // read our cookie, and SameSite=Strict does not send it).
  std::string form_csrf = form_value(ctx.request.body, "csrf");
  std::string cookie_csrf = request_cookie(ctx.request, kCsrfCookie);
  if (!is_cookie_secret(cookie_csrf) || !sessions::digests_equal(form_csrf, cookie_csrf)) {
    return login_page(ctx, 403, "login.expired_form");
  }
  const auto now = sessions::LoginRateLimiter::Clock::now();
  long long wait = ctx.web.with_limiter(
      [&](auto& l) { return l.allowed(address, now) ? 0LL : l.retry_after_seconds(address, now); });
  if (wait > 0) {
    HttpResponse r = login_page(ctx, 429, "login.too_many");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  std::optional<store::AccessCodeRecord> found;
  auto code = sessions::normalize_access_code(form_value(ctx.request.body, "code"));
  if (code.ok()) {
    auto lookup = ctx.store.find_access_code(sessions::hash_access_code(*code, key));
    if (!lookup.ok()) return error_response(lookup.error());
    found = std::move(lookup).value();
  }
  if (!found) {
    ctx.web.with_limiter([&](auto& l) {
      l.record_failure(address, now);
      return 0;
    });
    return login_page(ctx, 401, "login.wrong_code");
  }
  ctx.web.with_limiter([&](auto& l) {
    l.record_success(address);
    return 0;
  });
  std::string secret = random_hex_string(32);
  if (secret.empty()) return json_error(500, "internal", "the system random generator failed");
  const auto ttl = ctx.options.web.web_session_ttl;
  store::WebSessionRecord web{found->session, found->candidate, found->generation,
                              store::Clock::now() + ttl};
  Status made = ctx.store.create_web_session(store::sha256_hex(secret), web);
  if (!made.ok()) return error_response(made.error());
  HttpResponse r = see_other("/candidate");
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kSessionCookie, secret, ttl.count()));
  // The workspace's forms (check my work, reset) carry this token for as long as the session lasts.
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookie, cookie_csrf, ttl.count()));
  return r;
}

HttpResponse handle_logout(const HandlerContext& ctx) {
  std::string c = request_cookie(ctx.request, kSessionCookie);
  if (is_cookie_secret(c)) {
    Status ended = ctx.store.delete_web_session(store::sha256_hex(c), store::Clock::now());
    if (!ended.ok()) return error_response(ended.error());
  }
  HttpResponse r = see_other("/login");
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kSessionCookie, "", 0));
  return r;
}

namespace {

web::MachineState machine_state(store::LabStatus s) {
  switch (s) {
    case store::LabStatus::kReady:
      return web::MachineState::kReady;
    case store::LabStatus::kPending:
    case store::LabStatus::kProvisioning:
      return web::MachineState::kBooting;
    case store::LabStatus::kFailed:
    case store::LabStatus::kDestroying:
    case store::LabStatus::kDestroyed:
      return web::MachineState::kStopped;
  }
  return web::MachineState::kBooting;
}

std::string hh_mm(store::TimePoint t) {
  std::time_t tt = store::Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d UTC", tm.tm_hour, tm.tm_min);
  return buf;
}

// Each task's latest run: passed when every check of that run passed.
std::map<std::string, web::VerdictView> verdicts(const std::vector<store::ResultRecord>& results) {
  std::map<std::string, std::pair<store::ResultRecord, std::pair<int, int>>>
      latest;  // task -> (last, pass/total)
  for (const auto& r : results) {
    auto it = latest.find(r.task);
    if (it == latest.end() || r.run_id != it->second.first.run_id) {
      if (it != latest.end() && r.finished_at < it->second.first.finished_at) continue;
      latest[r.task] = {r, {0, 0}};
      it = latest.find(r.task);
    }
    it->second.second.first += r.status == "pass" ? 1 : 0;
    it->second.second.second += 1;
  }
  std::map<std::string, web::VerdictView> out;
  for (const auto& [task, v] : latest) {
    auto [pass, total] = v.second;
    out[task] = {pass == total, hh_mm(v.first.finished_at),
                 std::to_string(pass) + "/" + std::to_string(total)};
  }
  return out;
}

std::string pick(web::Lang lang, const lab::Text& t) {
  return lang == web::Lang::kEn && !t.en.empty() ? t.en : t.fr;
}

// The login each of the candidate's hosts gives them on its console ("root / PASSWORD": the
// candidate administers their own machines; the password is their lab's, derived per candidate).
// Empty when this atelierd runs no reconciler or the lab is not placed yet: the page then says
// nothing.
std::map<std::string, std::string> login_hints(const HandlerContext& ctx,
                                               const store::WebSessionRecord& who) {
  std::map<std::string, std::string> out;
  if (!ctx.options.operations) return out;
  auto access = ctx.options.operations->access(who.session, who.candidate);
  if (!access.ok()) return out;
  for (const auto& h : access->hosts) {
    if (!h.ssh_user.empty() && !h.ssh_password.empty())
      out[h.name] = h.ssh_user + " / " + h.ssh_password;
  }
  return out;
}

// The candidate's machines with their state, and what runs now for this candidate (a reset by
// them or by the trainer, a check run): a machine says "resetting" until its reset ends, and the
// page reloads itself meanwhile.
Status add_machines(const HandlerContext& ctx, const store::WebSessionRecord& who,
                    const store::SessionRecord& session,
                    const store::CandidateLabRecord& lab_record, const lab::Lab& lab,
                    web::WorkspacePage& page) {
  auto running = ctx.store.list_running_actions(who.session);
  if (!running.ok()) return std::move(running).error();
  std::vector<store::ActionRecord> mine;
  for (const auto& a : *running) {
    if (std::find(a.candidates.begin(), a.candidates.end(), who.candidate) != a.candidates.end())
      mine.push_back(a);
  }
  const auto hints = login_hints(ctx, who);
  for (const auto& h : lab.hosts) {
    auto hint = hints.find(h.name);
    web::MachineState state = machine_state(lab_record.status);
    for (const auto& a : mine) {
      if (a.kind == "reset" && (a.host.empty() || a.host == h.name))
        state = web::MachineState::kResetting;
    }
    page.machines.push_back({h.name, state, hint == hints.end() ? "" : hint->second,
                             "/candidate/console/" + h.name,
                             h.display ? "/candidate/display/" + h.name : "",
                             session.candidate_resets ? "/candidate/reset/" + h.name : ""});
  }
  for (const auto& a : mine)
    page.checking = page.checking || (a.kind == "check_run" && session.feedback);
  const std::string done = query_value(ctx.request, "done");
  if (done == "check" || done == "reset") page.notice = web::message(page.lang, "done." + done);
  bool busy = page.checking;
  for (const auto& m : page.machines) busy = busy || m.state == web::MachineState::kResetting;
  if (busy) page.refresh_seconds = 10;
  return ok_status();
}

Result<web::WorkspacePage> workspace(const HandlerContext& ctx, const store::WebSessionRecord& who,
                                     web::Lang lang) {
  auto session_r = ctx.store.get_session(who.session);
  if (!session_r.ok()) return std::move(session_r).error();
  auto record_r = ctx.store.get_candidate_lab(who.session, who.candidate);
  if (!record_r.ok()) return std::move(record_r).error();
  auto lab_r = ctx.sessions.candidate_lab(who.session, who.candidate);
  if (!lab_r.ok()) return std::move(lab_r).error();
  const auto& session = *session_r;
  const auto& lab_record = *record_r;
  const auto& lab = *lab_r;
  web::WorkspacePage page;
  page.lang = lang;
  page.csrf_token = request_cookie(ctx.request, kCsrfCookie);
  page.lab_title = pick(lang, lab.title);
  page.candidate = who.candidate;
  page.feedback = session.feedback;
  // Tickets open at hand-over; before it, their full SLA and the lab's full time are shown.
  long long elapsed = 0;
  if (lab_record.handed_over_at) {
    elapsed = std::chrono::duration_cast<std::chrono::seconds>(store::Clock::now() -
                                                               *lab_record.handed_over_at)
                  .count();
  }
  page.seconds_left = lab.duration.count() > 0 ? lab.duration.count() - elapsed : 0;
  std::map<std::string, web::VerdictView> last;
  if (session.feedback) {
    auto results = ctx.store.list_results(who.session, std::string_view(who.candidate));
    if (!results.ok()) return std::move(results).error();
    last = verdicts(*results);
  }
  for (const auto& t : lab.tasks) {
    web::TicketView v{t.id,
                      pick(lang, t.ticket.title),
                      std::string(lab::to_string(t.ticket.priority)),
                      pick(lang, t.ticket.body),
                      t.ticket.sla.count() - elapsed,
                      std::nullopt};
    if (auto it = last.find(t.id); it != last.end()) v.last_verdict = it->second;
    page.tickets.push_back(std::move(v));
  }
  Status machines = add_machines(ctx, who, session, lab_record, lab, page);
  if (!machines.ok()) return std::move(machines).error();
  return page;
}

}  // namespace

Result<std::optional<store::WebSessionRecord>> web_session_of(store::Store& store,
                                                              const HttpRequest& request) {
  std::string c = request_cookie(request, kSessionCookie);
  if (!is_cookie_secret(c)) return std::optional<store::WebSessionRecord>();
  return store.find_web_session(store::sha256_hex(c), store::Clock::now());
}

namespace {

// One machine's console (/candidate/console/{host}) or screen (/candidate/display/{host}), for
// the candidate's own hosts only (another name is 404, the same answer whether or not someone
// else has it; a screen of a host without one too).
HttpResponse machine_page(const HandlerContext& ctx, bool display) {
  auto who = current(ctx);
  if (!who.ok()) return error_response(who.error());
  if (!who->has_value()) return see_other("/login");
  const store::WebSessionRecord& w = **who;
  auto lab = ctx.sessions.candidate_lab(w.session, w.candidate);
  if (!lab.ok()) return error_response(lab.error());
  const std::string& host = ctx.route.rest;
  const lab::Host* h = lab->host(host);
  const web::Lang lang = lang_of(ctx.request);
  if (h == nullptr) return html_response(404, web::render_console_missing(lang));
  if (display && !h->display) return html_response(404, web::render_console_missing(lang, true));
  web::ConsolePage page;
  page.lang = lang;
  page.host = host;
  page.lab_title = pick(lang, lab->title);
  page.candidate = w.candidate;
  page.socket_path =
      (display ? "/display/" : "/console/") + w.session + "/" + w.candidate + "/" + host;
  const auto hints = login_hints(ctx, w);
  if (auto hint = hints.find(host); hint != hints.end()) page.login_hint = hint->second;
  HttpResponse r =
      html_response(200, display ? web::render_display(page) : web::render_console(page));
  remember_lang(ctx, r);
  return r;
}

}  // namespace

HttpResponse handle_console_page(const HandlerContext& ctx) {
  return machine_page(ctx, false);
}

HttpResponse handle_display_page(const HandlerContext& ctx) {
  return machine_page(ctx, true);
}

HttpResponse handle_candidate_page(const HandlerContext& ctx) {
  auto who = current(ctx);
  if (!who.ok()) return error_response(who.error());
  if (!who->has_value()) return see_other("/login");
  auto page = workspace(ctx, **who, lang_of(ctx.request));
  if (!page.ok()) return error_response(page.error());
  // The forms' CSRF token: the login page's, or a fresh one when that cookie has gone (it lives
  // as long as the web session, but a browser may have dropped it).
  const bool fresh_csrf = !is_cookie_secret(page->csrf_token);
  if (fresh_csrf) page->csrf_token = random_hex_string(32);
  HttpResponse r = html_response(200, web::render_workspace(*page));
  if (fresh_csrf) {
    r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookie, page->csrf_token,
                                                    ctx.options.web.web_session_ttl.count()));
  }
  remember_lang(ctx, r);
  return r;
}

}  // namespace atelier::api
