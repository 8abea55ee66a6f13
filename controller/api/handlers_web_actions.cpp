// The candidate's own actions from their page: POST /candidate/check ("check my work", when the
// session has feedback; one run per candidate per WebOptions::candidate_check_every) and
// GET/POST /candidate/reset/{host} ("reset this machine", when the session has candidate_resets:
// a confirmation page, then the POST). Both start the trainer's own action (actions_api.h) on
// this candidate only, with actor "candidate:NAME", so they are audited and followed alike.
#include <boost/json.hpp>

#include <variant>

#include "controller/api/actions_api.h"
#include "controller/api/handlers.h"
#include "controller/api/staff_auth.h"
#include "controller/api/web_http.h"
#include "controller/api/web_state.h"
#include "controller/web/pages.h"

namespace atelier::api {
namespace {

// What the audit log and the action's results say started it: "candidate:c01".
constexpr std::string_view kCandidateActorPrefix = "candidate:";

struct Seat {
  store::WebSessionRecord who;
  store::SessionRecord session;
};

// The signed-in candidate and their session, or the answer to give instead (to the login).
std::variant<Seat, HttpResponse> seat_of(const HandlerContext& ctx) {
  auto who = web_session_of(ctx.store, ctx.request);
  if (!who.ok()) return error_response(who.error());
  if (!who->has_value()) return see_other("/login");
  auto session = ctx.store.get_session((*who)->session);
  if (!session.ok()) return error_response(session.error());
  return Seat{**who, *session};
}

// An action that does not go ahead, said in the candidate's language with the way back.
HttpResponse refused(const HandlerContext& ctx, int status, const std::string& key,
                     const std::string& more = "") {
  const web::Lang lang = lang_of(ctx.request);
  web::NoticePage page{lang, web::message(lang, "refused.title"), web::message(lang, key) + more,
                       "/candidate"};
  return html_response(status, web::render_notice(page));
}

// Starts the trainer's action endpoint (`endpoint`, with its JSON `body`) for this candidate.
HttpResponse start(const HandlerContext& ctx, const Seat& seat, Endpoint endpoint,
                   const std::string& candidate, const boost::json::object& body) {
  Route route{endpoint, seat.who.session, candidate, {}, {}, {}};
  HttpRequest request = ctx.request;
  request.body = boost::json::serialize(body);
  return handle_action(route, request, ctx.store, ctx.options.operations,
                       std::string(kCandidateActorPrefix) + seat.who.candidate);
}

// The action's answer as the candidate sees it: started (202) -> back to the workspace, which
// says so; the core's refusals in words (409: the lab is not ready; 503: no reconciler).
HttpResponse after_action(const HandlerContext& ctx, const HttpResponse& answer,
                          const std::string& done) {
  if (answer.status == 202) return see_other("/candidate?done=" + done);
  if (answer.status == 409) return refused(ctx, 409, "refused.not_ready");
  if (answer.status == 503) return refused(ctx, 503, "refused.unavailable");
  if (answer.status == 404) return refused(ctx, 403, "refused.not_yours");
  return answer;
}

// The candidate's lab when they may reset `host` (the session lets candidates reset their
// machines, and `host` is one of theirs), else the refusal page. The page and the POST ask the
// same question.
std::variant<lab::Lab, HttpResponse> resettable_lab(const HandlerContext& ctx, const Seat& seat,
                                                    const std::string& host) {
  if (!seat.session.candidate_resets) return refused(ctx, 403, "refused.no_resets");
  auto lab = ctx.sessions.candidate_lab(seat.who.session, seat.who.candidate);
  if (!lab.ok()) return error_response(lab.error());
  for (const auto& h : lab->hosts) {
    if (h.name == host) return std::move(lab).value();
  }
  return refused(ctx, 403, "refused.not_yours");
}

}  // namespace

HttpResponse handle_candidate_check(const HandlerContext& ctx) {
  auto seat_or = seat_of(ctx);
  if (auto* r = std::get_if<HttpResponse>(&seat_or)) return *r;
  const Seat& seat = std::get<Seat>(seat_or);
  if (!seat.session.feedback) return refused(ctx, 403, "refused.no_feedback");
  if (!csrf_ok(ctx.request)) return refused(ctx, 403, "refused.form");
  const std::string key = seat.who.session + "/" + seat.who.candidate;
  const auto now = ActionSpacing::Clock::now();
  long long wait = ctx.web.with_check_spacing([&](auto& s) { return s.wait_seconds(key, now); });
  if (wait > 0) {
    const web::Lang lang = lang_of(ctx.request);
    HttpResponse r =
        refused(ctx, 429, "refused.too_soon", " " + web::format_duration(lang, wait) + ".");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  HttpResponse answer = start(ctx, seat, Endpoint::kRunChecks, "",
                              boost::json::object{{"candidate", seat.who.candidate}});
  // Only a run that started counts: a lab not ready yet may be checked as soon as it is.
  if (answer.status == 202)
    ctx.web.with_check_spacing([&](auto& s) {
      s.note(key, now);
      return 0;
    });
  return after_action(ctx, answer, "check");
}

HttpResponse handle_candidate_reset_page(const HandlerContext& ctx) {
  auto seat_or = seat_of(ctx);
  if (auto* r = std::get_if<HttpResponse>(&seat_or)) return *r;
  const Seat& seat = std::get<Seat>(seat_or);
  const std::string& host = ctx.route.rest;
  auto lab_or = resettable_lab(ctx, seat, host);
  if (auto* r = std::get_if<HttpResponse>(&lab_or)) return *r;
  const lab::Lab* lab = &std::get<lab::Lab>(lab_or);
  web::ResetConfirmPage page;
  page.lang = lang_of(ctx.request);
  page.csrf_token = request_cookie(ctx.request, kCsrfCookieName);
  page.lab_title =
      page.lang == web::Lang::kEn && !lab->title.en.empty() ? lab->title.en : lab->title.fr;
  page.candidate = seat.who.candidate;
  page.host = host;
  page.action_url = "/candidate/reset/" + host;
  HttpResponse r = html_response(200, web::render_reset_confirm(page));
  remember_lang(ctx, r);
  return r;
}

HttpResponse handle_candidate_reset(const HandlerContext& ctx) {
  auto seat_or = seat_of(ctx);
  if (auto* r = std::get_if<HttpResponse>(&seat_or)) return *r;
  const Seat& seat = std::get<Seat>(seat_or);
  const std::string& host = ctx.route.rest;
  auto lab_or = resettable_lab(ctx, seat, host);
  if (auto* r = std::get_if<HttpResponse>(&lab_or)) return *r;
  if (!csrf_ok(ctx.request)) return refused(ctx, 403, "refused.form");
  // Nothing is reset without the confirmation page's explicit "yes".
  if (form_value(ctx.request.body, "confirm") != "yes")
    return see_other("/candidate/reset/" + host);
  HttpResponse answer = start(ctx, seat, Endpoint::kResetLab, seat.who.candidate,
                              boost::json::object{{"host", host}});
  return after_action(ctx, answer, "reset");
}

}  // namespace atelier::api
