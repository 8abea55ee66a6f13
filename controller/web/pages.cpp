// Rendering of the candidate's login and workspace pages. Every value from a model is escaped
// here; only render_markdown's output (itself escaped) is inserted as HTML.
#include <string>

#include "controller/web/html.h"
#include "controller/web/pages.h"

namespace atelier::web {
namespace {

std::string lang_code(Lang lang) {
  return lang == Lang::kFr ? "fr" : "en";
}

std::string head(Lang lang, const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"" + lang_code(lang) +
         "\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape_html(title) +
         "</title>\n<link rel=\"stylesheet\" href=\"/assets/atelier.css\">\n"
         "<script defer src=\"/assets/atelier.js\"></script>\n</head>\n";
}

// The other language's link: a plain link, so it works without JavaScript and by keyboard.
std::string lang_switch(Lang lang) {
  std::string other = lang == Lang::kFr ? "en" : "fr";
  return "<a class=\"lang\" href=\"?lang=" + other + "\" hreflang=\"" + other + "\" lang=\"" +
         other + "\" aria-label=\"" + escape_html(message(lang, "lang.switch_label")) + "\">" +
         escape_html(message(lang, "lang.switch")) + "</a>";
}

std::string csrf_field(const std::string& token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(token) + "\">";
}

std::string state_key(MachineState s) {
  switch (s) {
    case MachineState::kBooting:
      return "booting";
    case MachineState::kReady:
      return "ready";
    case MachineState::kResetting:
      return "resetting";
    case MachineState::kStopped:
      return "stopped";
  }
  return "booting";
}

std::string render_ticket(Lang lang, bool feedback, const TicketView& t) {
  std::string sla =
      t.sla_seconds_left >= 0
          ? message(lang, "ws.sla") + colon(lang) + format_duration(lang, t.sla_seconds_left)
          : message(lang, "ws.sla_breached") + " " + format_duration(lang, t.sla_seconds_left);
  std::string out =
      "<article class=\"ticket\" id=\"ticket-" + escape_html(t.id) + "\">\n<h2>" +
      escape_html(t.title) + "</h2>\n<p class=\"meta\"><span class=\"priority\">" +
      escape_html(message(lang, "ws.priority")) + colon(lang) + escape_html(t.priority) +
      "</span> <span class=\"sla" + (t.sla_seconds_left < 0 ? " breached" : "") +
      "\" data-countdown=\"" + std::to_string(t.sla_seconds_left) + "\">" + escape_html(sla) +
      "</span></p>\n<div class=\"body\">\n" + render_markdown(t.body_markdown) + "</div>\n";
  if (feedback && t.last_verdict) {
    const auto& v = *t.last_verdict;
    // The verdict is a word and a letter, never a colour alone.
    out += "<p class=\"verdict " + std::string(v.passed ? "pass" : "fail") + "\">" +
           escape_html(message(lang, "ws.last_check")) + " (" + escape_html(v.checked_at) + ")" +
           colon(lang) + "<strong>" + (v.passed ? "P " : "F ") +
           escape_html(message(lang, v.passed ? "ws.passed" : "ws.failed")) + "</strong> " +
           escape_html(v.summary) + "</p>\n";
  }
  return out + "</article>\n";
}

std::string render_machine(Lang lang, const MachineView& m) {
  std::string state = state_key(m.state);
  std::string out = "<li class=\"machine\"><h3>" + escape_html(m.host) +
                    "</h3>\n<p><span class=\"state " + state + "\">" +
                    escape_html(message(lang, "ws.state")) + colon(lang) +
                    escape_html(message(lang, "state." + state)) + "</span>";
  if (!m.login_hint.empty()) {
    out += "<br>" + escape_html(message(lang, "ws.login")) + colon(lang) + "<code>" +
           escape_html(m.login_hint) + "</code>";
  }
  out += "</p>\n<a class=\"button\" href=\"" + escape_html(m.console_url) + "\">" +
         escape_html(message(lang, "ws.open_console")) + "<span class=\"visually-hidden\"> " +
         escape_html(m.host) + "</span></a>";
  if (!m.display_url.empty()) {
    out += " <a class=\"button\" href=\"" + escape_html(m.display_url) + "\">" +
           escape_html(message(lang, "ws.open_display")) + "<span class=\"visually-hidden\"> " +
           escape_html(m.host) + "</span></a>";
  }
  // A link to the confirmation page: nothing is reset before an explicit "yes" there.
  if (!m.reset_url.empty() && m.state != MachineState::kResetting) {
    out += " <a class=\"button warn reset\" href=\"" + escape_html(m.reset_url) + "\">" +
           escape_html(message(lang, "ws.reset")) + "<span class=\"visually-hidden\"> " +
           escape_html(m.host) + "</span></a>";
  }
  return out + "</li>\n";
}

}  // namespace

std::string render_login(const LoginPage& page) {
  const Lang l = page.lang;
  std::string out = head(l, message(l, "login.title")) + "<body>\n<header>" + lang_switch(l) +
                    "</header>\n<main class=\"login\">\n<h1>" +
                    escape_html(message(l, "login.title")) + "</h1>\n";
  if (!page.error.empty())
    out += "<p class=\"error\" role=\"alert\">" + escape_html(page.error) + "</p>\n";
  out += "<form method=\"post\" action=\"" + escape_html(page.action) + "\">\n" +
         csrf_field(page.csrf_token) + "\n<label for=\"code\">" +
         escape_html(message(l, "login.code")) +
         "</label>\n"
         "<input id=\"code\" name=\"code\" type=\"text\" required autofocus autocomplete=\"off\" "
         "autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"20\" "
         "aria-describedby=\"code-hint\">\n"
         "<p id=\"code-hint\" class=\"hint\">" +
         escape_html(message(l, "login.hint")) +
         "</p>\n"
         "<button type=\"submit\">" +
         escape_html(message(l, "login.submit")) +
         "</button>\n</form>\n</main>\n"
         "</body>\n</html>\n";
  return out;
}

std::string render_workspace(const WorkspacePage& page) {
  const Lang l = page.lang;
  std::string body = page.refresh_seconds > 0
                         ? "<body data-refresh=\"" + std::to_string(page.refresh_seconds) + "\">\n"
                         : "<body>\n";
  std::string out = head(l, page.lab_title) + body + "<header><h1>" + escape_html(page.lab_title) +
                    "</h1><p class=\"who\">" + escape_html(page.candidate) +
                    "</p><p class=\"time\">" + escape_html(message(l, "ws.time_left")) + colon(l) +
                    "<span data-countdown=\"" + std::to_string(page.seconds_left) + "\">" +
                    escape_html(format_duration(l, page.seconds_left)) + "</span></p>" +
                    lang_switch(l) + " <a class=\"logout\" href=\"" + escape_html(page.logout_url) +
                    "\">" + escape_html(message(l, "ws.logout")) + "</a></header>\n" +
                    (page.notice.empty() ? ""
                                         : "<p class=\"notice\" role=\"status\">" +
                                               escape_html(page.notice) + "</p>\n") +
                    "<main class=\"workspace\">\n<section class=\"tickets\" "
                    "aria-labelledby=\"tickets-h\">\n<h2 id=\"tickets-h\">" +
                    escape_html(message(l, "ws.tickets")) + "</h2>\n";
  if (page.refresh_seconds > 0) {
    out += "<noscript><p class=\"hint\">" + escape_html(message(l, "done.reload")) +
           "</p></noscript>\n";
  }
  // Above the tickets, where it is seen without scrolling.
  if (page.feedback) {
    out += "<form method=\"post\" action=\"" + escape_html(page.check_url) + "\" class=\"check\">" +
           csrf_field(page.csrf_token) + "<button type=\"submit\"" +
           (page.checking ? " disabled" : "") + ">" + escape_html(message(l, "ws.check")) +
           "</button>" +
           (page.checking
                ? " <span class=\"checking\">" + escape_html(message(l, "ws.checking")) + "</span>"
                : "") +
           "</form>\n";
  }
  if (page.tickets.empty()) out += "<p>" + escape_html(message(l, "ws.no_tickets")) + "</p>\n";
  for (const auto& t : page.tickets) out += render_ticket(l, page.feedback, t);
  out +=
      "</section>\n<section class=\"machines\" aria-labelledby=\"machines-h\">\n<h2 "
      "id=\"machines-h\">" +
      escape_html(message(l, "ws.machines")) + "</h2>\n<ul>\n";
  for (const auto& m : page.machines) out += render_machine(l, m);
  return out + "</ul>\n</section>\n</main>\n</body>\n</html>\n";
}

std::string render_reset_confirm(const ResetConfirmPage& page) {
  const Lang l = page.lang;
  const std::string title = message(l, "reset.title") + " " + page.host;
  return head(l, title) + "<body>\n<header><h1>" + escape_html(page.lab_title) +
         "</h1><p class=\"who\">" + escape_html(page.candidate) + "</p>" + lang_switch(l) +
         "</header>\n<main class=\"confirm\">\n<h2>" + escape_html(title) + "</h2>\n<p>" +
         escape_html(message(l, "reset.warning")) +
         "</p>\n"
         "<form method=\"post\" action=\"" +
         escape_html(page.action_url) + "\">" + csrf_field(page.csrf_token) +
         "<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n<button type=\"submit\" "
         "class=\"danger\">" +
         escape_html(message(l, "reset.yes")) + " " + escape_html(page.host) +
         "</button>\n<a class=\"button\" href=\"" + escape_html(page.back_url) + "\">" +
         escape_html(message(l, "reset.no")) +
         "</a>\n</form>\n</main>\n"
         "</body>\n</html>\n";
}

std::string render_notice(const NoticePage& page) {
  const Lang l = page.lang;
  return head(l, page.title) + "<body>\n<header>" + lang_switch(l) +
         "</header>\n<main class=\"confirm\">\n<h1>" + escape_html(page.title) +
         "</h1>\n<p role=\"alert\">" + escape_html(page.text) +
         "</p>\n<p><a class=\"button\" href=\"" + escape_html(page.back_url) + "\">" +
         escape_html(message(l, "console.back")) +
         "</a></p>\n</main>\n"
         "</body>\n</html>\n";
}

}  // namespace atelier::web
