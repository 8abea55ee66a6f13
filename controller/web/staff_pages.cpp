// Rendering of the staff login and the trainer's pages (staff_pages.h). Every value from a model
// is escaped here. Actions are plain POST forms with the CSRF field: they work without
// JavaScript and by keyboard; assets/trainer.js only refreshes the grid from the event stream.
#include "controller/web/staff_pages.h"

#include "controller/web/html.h"

namespace atelier::web {
namespace {

std::string t(Lang l, const std::string& key) {
  return escape_html(message(l, key));
}

// `script`: one of assets/ to load (deferred), "" for none.
std::string head(Lang lang, const std::string& title, const std::string& script = "") {
  return std::string("<!DOCTYPE html>\n<html lang=\"") + (lang == Lang::kFr ? "fr" : "en") +
         "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
         "content=\"width=device-width, "
         "initial-scale=1\">\n<title>" +
         escape_html(title) + "</title>\n<link rel=\"stylesheet\" href=\"/assets/atelier.css\">\n" +
         (script.empty() ? "" : "<script defer src=\"/assets/" + script + "\"></script>\n") +
         "</head>\n";
}

std::string lang_link(Lang lang, const std::string& path) {
  std::string other = lang == Lang::kFr ? "en" : "fr";
  return "<a class=\"lang\" href=\"" + escape_html(path) + "?lang=" + other + "\" hreflang=\"" +
         other + "\" lang=\"" + other + "\" aria-label=\"" + t(lang, "lang.switch_label") + "\">" +
         t(lang, "lang.switch") + "</a>";
}

std::string top(Lang l, const std::string& user, const std::string& path) {
  return "<header><p class=\"who\">" + t(l, "staff.signed_in_as") + " <strong>" +
         escape_html(user) + "</strong></p>" + lang_link(l, path) +
         " <a class=\"logout\" href=\"/staff/logout\">" + t(l, "ws.logout") + "</a></header>\n";
}

std::string csrf_field(const std::string& token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(token) + "\">";
}

// A status as a word with a mark beside it: never a colour alone.
std::string status_badge(Lang l, const std::string& status) {
  return "<span class=\"status " + escape_html(status) + "\">" + t(l, "lab." + status) + "</span>";
}

std::string session_row(Lang l, const SessionRowView& s) {
  std::string link = "/trainer/sessions/" + s.id;
  return "<tr><th scope=\"row\"><a href=\"" + escape_html(link) + "\">" + escape_html(s.id) +
         "</a></th><td>" + escape_html(s.lab) + "</td><td>" +
         status_badge(l, s.destroyed ? "destroyed" : s.status) + "</td><td>" +
         std::to_string(s.ready) + " / " + std::to_string(s.total) + "</td><td>" +
         escape_html(s.created_by) + "</td><td>" + escape_html(format_duration(l, s.age_seconds)) +
         "</td></tr>\n";
}

// A link per machine of the lab to `prefix` + its name, each named with its machine and
// candidate for a screen reader's list of links (label_key: what the link opens).
std::string host_links(Lang l, const std::vector<std::string>& hosts, const std::string& candidate,
                       const std::string& prefix, const std::string& label_key) {
  std::string out;
  for (const auto& h : hosts) {
    out += " <a href=\"" + escape_html(prefix + h) + "\" aria-label=\"" +
           escape_html(message(l, label_key) + " " + h + " (" + candidate + ")") + "\">" +
           escape_html(h) + "</a>";
  }
  return out;
}

// Beside an error: each machine's console log (what it printed while it booted and was
// configured), where the cause usually shows.
std::string console_logs(Lang l, const TrainerSessionPage& p, const CandidateRowView& c,
                         const std::string& base) {
  if (c.error.empty() || p.hosts.empty()) return "";
  return "<p class=\"console-logs\">" + t(l, "trainer.console_logs") +
         host_links(l, p.hosts, c.candidate, base + "/console-log/", "trainer.console_log") +
         "</p>";
}

// The reset of one candidate: the whole lab (the default) or one of its machines, chosen in a
// list whose label names the candidate for a screen reader.
std::string reset_form(Lang l, const TrainerSessionPage& p, const std::string& candidate,
                       const std::string& base) {
  const std::string id = "reset-" + candidate;
  std::string out = "<form method=\"post\" action=\"" + escape_html(base + "/reset") +
                    "\" class=\"reset\">" + csrf_field(p.csrf_token) + "<label for=\"" +
                    escape_html(id) + "\" class=\"visually-hidden\">" +
                    escape_html(message(l, "trainer.reset_what") + " (" + candidate + ")") +
                    "</label><select id=\"" + escape_html(id) +
                    "\" name=\"host\"><option value=\"\">" + t(l, "trainer.reset_whole_lab") +
                    "</option>";
  for (const auto& h : p.hosts) {
    out += "<option value=\"" + escape_html(h) + "\">" + escape_html(h) + "</option>";
  }
  if (p.can_move) {
    out += "<option value=\"" + std::string(kMoveChoice) + "\">" + t(l, "trainer.reset_move") +
           "</option>";
  }
  return out + "</select> <button type=\"submit\">" + t(l, "trainer.reset") +
         "<span class=\"visually-hidden\"> " + escape_html(candidate) + "</span></button></form>";
}

// One candidate's row: state, step, error, and the three actions as forms.
std::string candidate_row(Lang l, const TrainerSessionPage& p, const CandidateRowView& c) {
  const std::string base = "/trainer/sessions/" + p.session + "/candidates/" + c.candidate;
  std::string out =
      "<tr data-candidate=\"" + escape_html(c.candidate) + "\"><th scope=\"row\">" +
      escape_html(c.candidate) +
      (c.display_name.empty()
           ? ""
           : " <span class=\"display-name\">" + escape_html(c.display_name) + "</span>") +
      "</th><td class=\"cell-status\">" + status_badge(l, c.status) +
      "</td><td class=\"cell-step\">" + (c.step.empty() ? "" : t(l, "step." + c.step)) +
      "</td><td class=\"cell-error\">" + escape_html(c.error) + console_logs(l, p, c, base) +
      "</td><td class=\"actions\">";
  if (!p.destroyed) {
    auto button = [&](const std::string& action, const std::string& key, const std::string& extra) {
      return "<form method=\"post\" action=\"" + escape_html(base + "/" + action) + "\">" +
             csrf_field(p.csrf_token) + "<button type=\"submit\"" + extra + ">" + t(l, key) +
             "<span class=\"visually-hidden\"> " + escape_html(c.candidate) +
             "</span></button></form>";
    };
    out += reset_form(l, p, c.candidate, base) +
           button("solve", "trainer.solve", " class=\"warn\" aria-describedby=\"solve-warning\"");
    if (!p.hosts.empty()) {
      // Each link names its machine and candidate for a screen reader's list of links.
      out += "<p class=\"consoles\">" + t(l, "trainer.consoles") +
             host_links(l, p.hosts, c.candidate, base + "/console/", "console.title") + "</p>";
    }
    if (!p.display_hosts.empty()) {
      out += "<p class=\"screens\">" + t(l, "trainer.screens") +
             host_links(l, p.display_hosts, c.candidate, base + "/display/", "display.title") +
             "</p>";
    }
  }
  return out + "</td></tr>\n";
}

// The session's overall state: its lab, state and how many labs are ready. trainer.js swaps
// this line (by its id) from the page fetched again at each event of the session's stream.
std::string session_state(Lang l, const TrainerSessionPage& p) {
  return "<p id=\"session-state\">" + t(l, "trainer.lab") + colon(l) + escape_html(p.lab) + " — " +
         t(l, "ws.state") + colon(l) + status_badge(l, p.destroyed ? "destroyed" : p.status) +
         " — <span class=\"ready-count\">" + std::to_string(p.ready) + " / " +
         std::to_string(p.candidates.size()) + " " + t(l, "trainer.ready_count") + "</span></p>\n";
}

}  // namespace

std::string render_staff_login(const StaffLoginPage& page) {
  const Lang l = page.lang;
  std::string out = head(l, message(l, "staff.login_title")) + "<body>\n<header>" +
                    lang_link(l, "/staff/login") + "</header>\n<main class=\"login\">\n<h1>" +
                    t(l, "staff.login_title") + "</h1>\n";
  if (!page.error.empty())
    out += "<p class=\"error\" role=\"alert\">" + escape_html(page.error) + "</p>\n";
  out +=
      "<form method=\"post\" action=\"/staff/login\">\n" + csrf_field(page.csrf_token) +
      "\n<label for=\"name\">" + t(l, "staff.name") +
      "</label>\n"
      "<input id=\"name\" name=\"name\" type=\"text\" required autofocus autocomplete=\"username\" "
      "spellcheck=\"false\" maxlength=\"32\" value=\"" +
      escape_html(page.name) +
      "\">\n"
      "<label for=\"password\">" +
      t(l, "staff.password") +
      "</label>\n"
      "<input id=\"password\" name=\"password\" type=\"password\" required "
      "autocomplete=\"current-password\">\n"
      "<button type=\"submit\">" +
      t(l, "login.submit") + "</button>\n</form>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string render_trainer_sessions(const TrainerSessionsPage& page) {
  const Lang l = page.lang;
  std::string out = head(l, message(l, "trainer.sessions")) + "<body class=\"staff\">\n" +
                    top(l, page.user, "/trainer") + "<main>\n<h1>" + t(l, "trainer.sessions") +
                    "</h1>\n" + "<p class=\"links\">" +
                    (page.can_create ? "<a class=\"button\" href=\"/trainer/sessions/new\">" +
                                           t(l, "new.title") + "</a> "
                                     : std::string()) +
                    "<a href=\"/evaluator\">" + t(l, "evaluator.home") + "</a></p>\n" +
                    "<form method=\"get\" action=\"/trainer\" class=\"filter\" role=\"search\">"
                    "<label for=\"q\">" +
                    t(l, "trainer.filter") +
                    "</label> "
                    "<input id=\"q\" name=\"q\" type=\"search\" value=\"" +
                    escape_html(page.filter) +
                    "\"> "
                    "<button type=\"submit\">" +
                    t(l, "trainer.filter_submit") + "</button></form>\n";
  if (page.sessions.empty())
    return out + "<p>" + t(l, "trainer.no_sessions") + "</p>\n</main>\n</body>\n</html>\n";
  out += "<table class=\"grid\">\n<caption>" + t(l, "trainer.sessions_caption") +
         "</caption>\n<thead><tr>"
         "<th scope=\"col\">" +
         t(l, "trainer.session") + "</th><th scope=\"col\">" + t(l, "trainer.lab") +
         "</th><th scope=\"col\">" + t(l, "ws.state") + "</th><th scope=\"col\">" +
         t(l, "trainer.ready") + "</th><th scope=\"col\">" + t(l, "trainer.created_by") +
         "</th><th scope=\"col\">" + t(l, "trainer.age") + "</th></tr></thead>\n<tbody>\n";
  for (const auto& s : page.sessions) out += session_row(l, s);
  return out + "</tbody>\n</table>\n</main>\n</body>\n</html>\n";
}

std::string render_trainer_session(const TrainerSessionPage& page) {
  const Lang l = page.lang;
  const std::string base = "/trainer/sessions/" + page.session;
  std::string out = head(l, message(l, "trainer.session") + " " + page.session,
                         page.destroyed ? "" : "trainer.js") +
                    "<body class=\"staff\" data-events=\"/sessions/" + escape_html(page.session) +
                    "/events\">\n" + top(l, page.user, base) + "<main>\n<p><a href=\"/trainer\">" +
                    t(l, "trainer.back") + "</a></p>\n<h1>" + t(l, "trainer.session") + " " +
                    escape_html(page.session) + "</h1>\n" + session_state(l, page);
  if (!page.notice.empty())
    out += "<p class=\"notice\" role=\"status\">" + escape_html(page.notice) + "</p>\n";
  out += "<p id=\"live\" class=\"hint\" role=\"status\" aria-live=\"polite\" data-on=\"" +
         t(l, "trainer.live_on") + "\">" + t(l, "trainer.live_later") + "</p>\n";
  if (!page.destroyed) {
    out += "<p id=\"solve-warning\" class=\"warning\"><strong>" + t(l, "trainer.warning") +
           "</strong> " + t(l, "trainer.solve_warning") + "</p>\n";
  }
  out += "<table class=\"grid\" id=\"candidates\">\n<caption>" + t(l, "trainer.candidates") +
         "</caption>\n<thead><tr>"
         "<th scope=\"col\">" +
         t(l, "trainer.candidate") + "</th><th scope=\"col\">" + t(l, "ws.state") +
         "</th><th scope=\"col\">" + t(l, "trainer.step") + "</th><th scope=\"col\">" +
         t(l, "trainer.error") + "</th><th scope=\"col\">" + t(l, "trainer.actions") +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& c : page.candidates) out += candidate_row(l, page, c);
  out += "</tbody>\n</table>\n";
  if (page.destroyed) return out + "</main>\n</body>\n</html>\n";
  out +=
      "<section class=\"session-actions\" aria-labelledby=\"session-actions-h\">\n<h2 "
      "id=\"session-actions-h\">" +
      t(l, "trainer.session_actions") + "</h2>\n<form method=\"post\" action=\"" +
      escape_html(base + "/checks") + "\">" + csrf_field(page.csrf_token) +
      "<button type=\"submit\">" + t(l, "trainer.run_checks") +
      "</button></form>\n<p><a class=\"button\" href=\"" + escape_html(base + "/slips") + "\">" +
      t(l, "trainer.slips") + "</a></p>\n<form method=\"post\" action=\"" +
      escape_html(base + "/destroy") + "\" class=\"destroy\">" + csrf_field(page.csrf_token) +
      "<label for=\"confirm\">" + t(l, "trainer.destroy_confirm") + " <code>" +
      escape_html(page.session) +
      "</code></label> "
      "<input id=\"confirm\" name=\"confirm\" type=\"text\" required autocomplete=\"off\" "
      "spellcheck=\"false\"> "
      "<button type=\"submit\" class=\"danger\">" +
      t(l, "trainer.destroy") + "</button></form>\n</section>\n";
  return out + "</main>\n</body>\n</html>\n";
}

std::string format_memory(Lang lang, std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;
  const bool fr = lang == Lang::kFr;
  if (bytes < kGiB) return std::to_string((bytes + kMiB / 2) / kMiB) + (fr ? " Mio" : " MiB");
  std::uint64_t tenths = (bytes * 10 + kGiB / 2) / kGiB;
  return std::to_string(tenths / 10) + (fr ? "," : ".") + std::to_string(tenths % 10) +
         (fr ? " Gio" : " GiB");
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// One lab as a radio button with its facts (described by them, for screen readers).
std::string lab_choice(Lang l, const NewSessionPage& p, const LabChoiceView& lab) {
  const std::string id = "lab-" + lab.id;
  std::string out =
      "<div class=\"lab-choice\"><input type=\"radio\" name=\"lab\" required id=\"" +
      escape_html(id) + "\" value=\"" + escape_html(lab.id) + "\" aria-describedby=\"" +
      escape_html(id) + "-facts\"" + (p.form.lab == lab.id ? " checked" : "") + "> <label for=\"" +
      escape_html(id) + "\"><strong>" + escape_html(lab.title) + "</strong> <code>" +
      escape_html(lab.id) + "</code></label>\n<dl id=\"" + escape_html(id) + "-facts\"><dt>" +
      t(l, "new.competencies") + "</dt><dd>" +
      escape_html(lab.competencies.empty() ? "-" : join(lab.competencies)) + "</dd><dt>" +
      t(l, "new.duration") + "</dt><dd>" + escape_html(format_duration(l, lab.duration_seconds)) +
      "</dd><dt>" + t(l, "new.hosts") + "</dt><dd>" + escape_html(join(lab.hosts)) + " (" +
      std::to_string(lab.hosts.size()) + ")</dd><dt>" + t(l, "new.memory") + "</dt><dd>" +
      escape_html(format_memory(l, lab.demand_bytes)) + " (" + t(l, "new.memory_detail") + " " +
      escape_html(format_memory(l, lab.guest_memory_bytes)) + " + QEMU)</dd>";
  if (p.capacity.known)
    out += "<dt>" + t(l, "new.fits") + "</dt><dd>" + std::to_string(lab.fits) + "</dd>";
  return out + "</dl></div>\n";
}

std::string capacity_line(Lang l, const CapacityView& c) {
  if (!c.known) return "<p class=\"capacity hint\">" + t(l, "new.capacity_unknown") + "</p>\n";
  return "<p class=\"capacity\">" + t(l, "new.capacity") + " <strong>" +
         escape_html(format_memory(l, c.left_bytes)) + "</strong> " + t(l, "new.of") + " " +
         escape_html(format_memory(l, c.usable_bytes)) + " (" + std::to_string(c.hosts) + " " +
         t(l, "new.host_count") + ")</p>\n";
}

std::string labeled_input(const std::string& id, const std::string& label, const std::string& hint,
                          const std::string& value, const std::string& extra) {
  return "<label for=\"" + id + "\">" + label + "</label>\n<input id=\"" + id + "\" name=\"" + id +
         "\" type=\"text\" value=\"" + escape_html(value) + "\" aria-describedby=\"" + id +
         "-hint\"" + extra + ">\n<p id=\"" + id + "-hint\" class=\"hint\">" + hint + "</p>\n";
}

}  // namespace

std::string render_new_session(const NewSessionPage& page) {
  const Lang l = page.lang;
  std::string out = head(l, message(l, "new.title"), "new_session.js") +
                    "<body class=\"staff\">\n" + top(l, page.user, "/trainer/sessions/new") +
                    "<main>\n<p><a href=\"/trainer\">" + t(l, "trainer.back") + "</a></p>\n<h1>" +
                    t(l, "new.title") + "</h1>\n";
  if (!page.error.empty()) {
    out += "<div class=\"error\" role=\"alert\" id=\"form-error\"><p>" + t(l, "new.refused") + " " +
           escape_html(page.error) + "</p>";
    if (!page.diagnostics.empty()) {
      out += "<ul>";
      for (const auto& d : page.diagnostics) out += "<li><code>" + escape_html(d) + "</code></li>";
      out += "</ul>";
    }
    out += "</div>\n";
  }
  out += capacity_line(l, page.capacity) +
         "<form method=\"post\" action=\"/trainer/sessions/new\" class=\"new-session\">" +
         csrf_field(page.csrf_token) + "\n<fieldset class=\"labs\"><legend>" + t(l, "new.lab") +
         "</legend>\n";
  if (page.labs.empty()) out += "<p>" + t(l, "new.no_labs") + "</p>\n";
  for (const auto& lab : page.labs) out += lab_choice(l, page, lab);
  if (!page.broken_labs.empty()) {
    out += "<p class=\"hint\">" + t(l, "new.broken") + " " + escape_html(join(page.broken_labs)) +
           "</p>\n";
  }
  out +=
      "</fieldset>\n<label for=\"candidates\">" + t(l, "new.candidates") +
      "</label>\n<p id=\"candidates-hint\" "
      "class=\"hint\">" +
      t(l, "new.candidates_hint") +
      "</p>\n<textarea id=\"candidates\" name=\"candidates\" rows=\"8\" "
      "required spellcheck=\"false\" aria-describedby=\"candidates-hint\">" +
      escape_html(page.form.candidates) +
      "</textarea>\n<p class=\"csv-upload\" hidden><label for=\"csv\">" + t(l, "new.csv") +
      "</label> "
      "<input id=\"csv\" type=\"file\" accept=\".csv,.txt,text/csv,text/plain\"></p>\n" +
      labeled_input("name", t(l, "new.name"), t(l, "new.name_hint"), page.form.name,
                    " maxlength=\"24\" spellcheck=\"false\" autocomplete=\"off\"") +
      labeled_input("check_interval", t(l, "new.interval"), t(l, "new.interval_hint"),
                    page.form.check_interval,
                    " maxlength=\"16\" spellcheck=\"false\" autocomplete=\"off\"") +
      "<p class=\"check\"><input id=\"feedback\" name=\"feedback\" type=\"checkbox\" value=\"on\"" +
      (page.form.feedback ? " checked" : "") + "> <label for=\"feedback\">" + t(l, "new.feedback") +
      "</label></p>\n"
      "<p class=\"check\"><input id=\"candidate_resets\" name=\"candidate_resets\" "
      "type=\"checkbox\" value=\"on\"" +
      (page.form.candidate_resets ? " checked" : "") + "> <label for=\"candidate_resets\">" +
      t(l, "new.candidate_resets") +
      "</label></p>\n"
      "<button type=\"submit\">" +
      t(l, "new.submit") + "</button>\n</form>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string render_evaluator_home(const EvaluatorHomePage& page) {
  const Lang l = page.lang;
  std::string out = head(l, message(l, "evaluator.home")) + "<body class=\"staff\">\n" +
                    top(l, page.user, "/evaluator") + "<main>\n";
  if (page.trainer)
    out += "<p><a href=\"/trainer\">" + t(l, "evaluator.trainer_link") + "</a></p>\n";
  out += "<h1>" + t(l, "evaluator.home") + "</h1>\n";
  if (page.sessions.empty())
    return out + "<p>" + t(l, "evaluator.none") + "</p>\n</main>\n</body>\n</html>\n";
  out += "<table class=\"grid\">\n<caption>" + t(l, "evaluator.caption") +
         "</caption>\n<thead><tr><th scope=\"col\">" + t(l, "trainer.session") +
         "</th><th scope=\"col\">" + t(l, "trainer.lab") + "</th><th scope=\"col\">" +
         t(l, "ws.state") + "</th><th scope=\"col\">" + t(l, "evaluator.candidates") +
         "</th><th scope=\"col\">" + t(l, "evaluator.results") + "</th><th scope=\"col\">" +
         t(l, "trainer.created_by") + "</th><th scope=\"col\">" + t(l, "trainer.age") +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& s : page.sessions) {
    out += "<tr><th scope=\"row\"><a href=\"" + escape_html("/evaluator/sessions/" + s.id) + "\">" +
           escape_html(s.id) + "</a></th><td>" + escape_html(s.lab) + "</td><td>" +
           status_badge(l, s.destroyed ? "destroyed" : s.status) + "</td><td>" +
           std::to_string(s.total) + "</td><td>" +
           (s.frozen ? "<strong>" + t(l, "evaluator.frozen") + "</strong>"
                     : t(l, "evaluator.provisional")) +
           "</td><td>" + escape_html(s.created_by) + "</td><td>" +
           escape_html(format_duration(l, s.age_seconds)) + "</td></tr>\n";
  }
  return out + "</tbody>\n</table>\n</main>\n</body>\n</html>\n";
}

}  // namespace atelier::web
