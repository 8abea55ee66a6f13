// Rendering of the evaluator's pages (grid_pages.h). Every value from a model is escaped here;
// verdicts are a letter and a word beside their colour; forms carry the CSRF field.
#include "controller/web/grid_pages.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>

#include "controller/web/html.h"

namespace atelier::web {
namespace {

std::string e(const std::string& s) {
  return escape_html(s);
}
std::string m(Lang l, const std::string& key) {
  return escape_html(message(l, key));
}

// `extra`: more of the head's links and scripts (the cell page's player).
std::string head(Lang lang, const std::string& title, const std::string& body_class,
                 const std::string& extra = "") {
  return std::string("<!DOCTYPE html>\n<html lang=\"") + (lang == Lang::kFr ? "fr" : "en") +
         "\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         e(title) +
         "</title>\n<link rel=\"stylesheet\" href=\"/assets/atelier.css\">\n"
         "<link rel=\"stylesheet\" href=\"/assets/evaluator.css\">\n" +
         extra + "<script defer src=\"/assets/grid.js\"></script>\n</head>\n<body class=\"" +
         body_class + "\">\n";
}

std::string lang_link(Lang lang) {
  std::string other = lang == Lang::kFr ? "en" : "fr";
  return "<a class=\"lang\" href=\"?lang=" + other + "\" hreflang=\"" + other + "\" lang=\"" +
         other + "\" aria-label=\"" + m(lang, "lang.switch_label") + "\">" +
         m(lang, "lang.switch") + "</a>";
}

std::string csrf_field(const std::string& token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + e(token) + "\">";
}

std::string verdict_class(Verdict v) {
  switch (v) {
    case Verdict::kPassed:
      return "v-pass";
    case Verdict::kPartial:
      return "v-partial";
    case Verdict::kFailed:
      return "v-fail";
    case Verdict::kError:
      return "v-error";
    case Verdict::kNotRun:
      return "v-notrun";
  }
  return "v-notrun";
}

std::string pct(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f %%", p);
  return buf;
}

// The banner every page shows: final (frozen) or provisional results, in words.
std::string status_banner(Lang l, const std::optional<std::string>& frozen_at,
                          const std::string& by, const std::string& computed_at) {
  if (frozen_at) {
    std::string who = by.empty() ? "" : " " + m(l, "grid.by") + " " + e(by);
    return "<p class=\"banner frozen\" role=\"status\"><strong>" + m(l, "grid.frozen") +
           "</strong> " + m(l, "grid.frozen_at") + " " + e(*frozen_at) + who + "</p>\n";
  }
  return "<p class=\"banner provisional\" role=\"status\"><strong>" + m(l, "grid.provisional") +
         "</strong> " + m(l, "grid.provisional_hint") +
         (computed_at.empty() ? "" : " (" + e(computed_at) + ")") + "</p>\n";
}

std::string verdict_span(Lang l, Verdict v) {
  return "<span class=\"verdict " + verdict_class(v) + "\">" + e(verdict_text(l, v)) + "</span>";
}

// A column heading: a link that sorts by it (server-side), marked with aria-sort when active.
std::string sort_heading(const GridPage& p, const std::string& key, const std::string& label,
                         const std::string& extra_class) {
  bool active = p.sort == key;
  bool next_desc = active ? !p.descending : key != "candidate";
  std::string aria =
      active ? (p.descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "";
  std::string arrow = active ? (p.descending ? " ▼" : " ▲") : "";
  return "<th scope=\"col\" class=\"" + extra_class + "\"" + aria + " data-key=\"" + e(key) +
         "\"><a href=\"" + e(p.self_url) + "?sort=" + e(key) + (next_desc ? "&amp;dir=desc" : "") +
         "\">" + label + arrow + "</a></th>";
}

std::string grid_cell(Lang l, const GridCell& c) {
  std::string marks;
  if (c.overridden)
    marks += " <abbr class=\"mark\" title=\"" + m(l, "grid.overridden") + "\">*</abbr>";
  if (c.sla_breached)
    marks += " <abbr class=\"mark sla\" title=\"" + m(l, "grid.sla_breached") + "\">!</abbr>";
  if (c.tampered)
    marks += " <abbr class=\"mark tampered\" title=\"" + m(l, "grid.tampered") + "\">T</abbr>";
  std::string ttr = c.time_to_resolve.empty()
                        ? ""
                        : "<br><span class=\"ttr\">" + m(l, "grid.ttr_short") + " " +
                              e(c.time_to_resolve) + "</span>";
  return "<td class=\"cell " + verdict_class(c.verdict) + "\" data-value=\"" +
         std::to_string(c.earned) + "\"><a href=\"" + e(c.url) + "\"><span class=\"pts\">" +
         e(c.points) + "</span> " + verdict_span(l, c.verdict) + marks + "</a>" + ttr + "</td>";
}

std::string export_links(Lang l, const std::string& base) {
  std::string out = "<nav class=\"exports\" aria-label=\"" + m(l, "grid.exports") + "\"><h2>" +
                    m(l, "grid.exports") + "</h2><ul>";
  const char* kinds[][2] = {
      {"csv", "CSV"}, {"json", "JSON"}, {"junit", "JUnit XML"}, {"html", "HTML"}};
  for (const auto& k : kinds) {
    out += "<li><a class=\"button\" download href=\"" + e(base) + k[0] + "\">" +
           m(l, "grid.download") + " " + k[1] + "</a></li>";
  }
  return out + "</ul></nav>\n";
}

std::string freeze_form(Lang l, const std::string& url, const std::string& csrf,
                        const std::optional<std::string>& frozen_at) {
  if (frozen_at) return "";
  return "<form class=\"freeze\" method=\"post\" action=\"" + e(url) + "\">" + csrf_field(csrf) +
         "<p class=\"hint\" id=\"freeze-hint\">" + m(l, "grid.freeze_hint") +
         "</p>"
         "<button type=\"submit\" aria-describedby=\"freeze-hint\">" +
         m(l, "grid.freeze") + "</button></form>\n";
}

}  // namespace

std::string verdict_text(Lang l, Verdict v) {
  switch (v) {
    case Verdict::kPassed:
      return "P " + message(l, "verdict.passed");
    case Verdict::kPartial:
      return "~ " + message(l, "verdict.partial");
    case Verdict::kFailed:
      return "F " + message(l, "verdict.failed");
    case Verdict::kError:
      return "E " + message(l, "verdict.error");
    case Verdict::kNotRun:
      return "- " + message(l, "verdict.not_run");
  }
  return "-";
}

void sort_grid(GridPage& page, const std::string& key, bool descending) {
  std::size_t task = page.tasks.size();
  for (std::size_t i = 0; i < page.tasks.size(); ++i) {
    if (page.tasks[i].id == key) task = i;
  }
  std::string applied = key == "total" || task < page.tasks.size() ? key : "candidate";
  auto value = [&](const GridRow& r) {
    if (applied == "total") return r.earned;
    return task < r.cells.size() ? r.cells[task].earned : 0.0;
  };
  std::stable_sort(page.rows.begin(), page.rows.end(), [&](const GridRow& a, const GridRow& b) {
    if (applied != "candidate" && value(a) != value(b))
      return descending ? value(a) > value(b) : value(a) < value(b);
    return applied == "candidate" && descending ? a.candidate > b.candidate
                                                : a.candidate < b.candidate;
  });
  page.sort = applied;
  page.descending = descending;
}

std::string render_grid(const GridPage& p) {
  const Lang l = p.lang;
  std::string out = head(l, message(l, "grid.title") + " — " + p.session, "evaluator") +
                    "<header><h1>" + m(l, "grid.title") + " — " + e(p.session) +
                    "</h1><p class=\"lab\">" + e(p.lab_title) + "</p>" + lang_link(l) +
                    "</header>\n<main>\n" +
                    status_banner(l, p.frozen_at, p.frozen_by, p.computed_at);
  out += "<p class=\"legend\" id=\"legend\">" + m(l, "grid.legend") + "</p>\n";
  out +=
      "<div class=\"table-wrap\"><table class=\"grid sortable\" "
      "aria-describedby=\"legend\">\n<caption>" +
      m(l, "grid.caption") + "</caption>\n<thead><tr>" +
      sort_heading(p, "candidate", m(l, "grid.candidate"), "name");
  for (const auto& t : p.tasks) {
    out += sort_heading(p, t.id,
                        e(t.id) + " <span class=\"task-title\">" + e(t.title) +
                            "</span> <span class=\"max\">/" + e(t.points) + "</span>",
                        "task");
  }
  out += sort_heading(p, "total", m(l, "grid.total"), "total") + "<th scope=\"col\">" +
         m(l, "grid.sheet") + "</th></tr></thead>\n<tbody>\n";
  for (const auto& r : p.rows) {
    out +=
        "<tr><th scope=\"row\" data-value=\"" + e(r.candidate) + "\">" + e(r.candidate) + "</th>";
    for (const auto& c : r.cells) out += grid_cell(l, c);
    out += "<td class=\"total\" data-value=\"" + std::to_string(r.earned) + "\"><strong>" +
           e(r.total) + "</strong> (" + e(pct(r.percentage)) + ")</td><td><a href=\"" +
           e(r.sheet_url) + "\">" + m(l, "grid.sheet_link") + "<span class=\"visually-hidden\"> " +
           e(r.candidate) + "</span></a></td></tr>\n";
  }
  if (p.rows.empty()) {
    out += "<tr><td colspan=\"" + std::to_string(p.tasks.size() + 3) + "\">" +
           m(l, "grid.no_candidates") + "</td></tr>\n";
  }
  out += "</tbody></table></div>\n" + export_links(l, p.export_base) +
         freeze_form(l, p.freeze_url, p.csrf_token, p.frozen_at);
  return out + "</main>\n</body>\n</html>\n";
}

namespace {

std::string checks_section(Lang l, const CellPage& p) {
  std::string out = "<section aria-labelledby=\"checks-h\"><h2 id=\"checks-h\">" +
                    m(l, "cell.checks") + "</h2>\n";
  if (p.checks.empty()) return out + "<p>" + m(l, "cell.no_checks") + "</p></section>\n";
  out += "<table class=\"evidence\"><thead><tr><th scope=\"col\">" + m(l, "cell.check") +
         "</th><th scope=\"col\">" + m(l, "cell.verdict") + "</th><th scope=\"col\">" +
         m(l, "cell.expected") + "</th><th scope=\"col\">" + m(l, "cell.observed") +
         "</th></tr></thead><tbody>\n";
  for (const auto& c : p.checks) {
    out += "<tr><td>" + e(c.description) + "<br><span class=\"hint\">" + m(l, "cell.on") + " " +
           e(c.host) + (c.finished_at.empty() ? "" : ", " + e(c.finished_at)) +
           "</span></td><td class=\"" + verdict_class(c.verdict) + "\">" +
           verdict_span(l, c.verdict) + "</td><td><pre>" + e(c.expected) + "</pre></td><td><pre>" +
           e(c.observed) + "</pre>" +
           (c.integrity.empty() ? ""
                                : "<p class=\"v-fail tampered\">" + m(l, "grid.tampered") + " — " +
                                      e(c.integrity) + "</p>") +
           "</td></tr>\n";
  }
  return out + "</tbody></table></section>\n";
}

std::string runs_section(Lang l, const CellPage& p) {
  std::string out =
      "<section aria-labelledby=\"runs-h\"><h2 id=\"runs-h\">" + m(l, "cell.runs") + "</h2>\n";
  if (p.runs.empty()) return out + "<p>" + m(l, "cell.no_runs") + "</p></section>\n";
  out += "<table class=\"runs\"><thead><tr><th scope=\"col\">" + m(l, "cell.when") +
         "</th><th scope=\"col\">" + m(l, "cell.trigger") + "</th><th scope=\"col\">" +
         m(l, "cell.who") + "</th><th scope=\"col\">" + m(l, "cell.passed_checks") +
         "</th><th scope=\"col\">" + m(l, "cell.graded") + "</th></tr></thead><tbody>\n";
  for (const auto& r : p.runs) {
    out += "<tr><td>" + e(r.started_at) + "<br><span class=\"hint\">" + e(r.run_id) +
           "</span></td><td>" + m(l, r.scheduled ? "cell.scheduled" : "cell.on_demand") +
           "</td><td>" + (r.who.empty() ? m(l, "cell.unknown") : e(r.who)) + "</td><td>" +
           e(r.summary) + "</td><td>" +
           (r.ignored_reason.empty() ? m(l, "cell.yes")
                                     : m(l, "cell.no") + " — " + e(r.ignored_reason)) +
           "</td></tr>\n";
  }
  return out + "</tbody></table></section>\n";
}

std::string notes_section(Lang l, const CellPage& p) {
  std::string out =
      "<section aria-labelledby=\"ov-h\"><h2 id=\"ov-h\">" + m(l, "cell.overrides") + "</h2>\n";
  if (p.overrides.empty())
    out += "<p>" + m(l, "cell.no_overrides") + "</p>\n";
  else
    out += "<ul class=\"overrides\">";
  for (const auto& o : p.overrides) {
    out += "<li><strong>" + e(o.points) + "</strong> — " + e(o.who) + ", " + e(o.when) +
           (o.applied ? " <span class=\"applied\">(" + m(l, "cell.applied") + ")</span>" : "") +
           "<blockquote>" + e(o.justification) + "</blockquote></li>";
  }
  if (!p.overrides.empty()) out += "</ul>\n";
  out += "</section>\n<section aria-labelledby=\"notes-h\"><h2 id=\"notes-h\">" +
         m(l, "cell.notes") + "</h2>\n";
  if (p.notes.empty()) return out + "<p>" + m(l, "cell.no_notes") + "</p></section>\n";
  out += "<ul class=\"notes\">";
  for (const auto& n : p.notes) {
    out += "<li>" + e(n.who) + ", " + e(n.when) +
           (n.result_id.empty() ? "" : " (" + e(n.result_id) + ")") + "<blockquote>" + e(n.text) +
           "</blockquote></li>";
  }
  return out + "</ul></section>\n";
}

std::string cell_forms(Lang l, const CellPage& p) {
  std::string hidden = csrf_field(p.csrf_token) +
                       "<input type=\"hidden\" name=\"candidate\" value=\"" + e(p.candidate) +
                       "\"><input type=\"hidden\" name=\"task\" value=\"" + e(p.task_id) + "\">";
  std::string out = "<section class=\"forms\" aria-labelledby=\"act-h\"><h2 id=\"act-h\">" +
                    m(l, "cell.actions") + "</h2>\n";
  if (!p.error.empty())
    out += "<p class=\"error\" role=\"alert\" id=\"form-error\">" + e(p.error) + "</p>\n";
  if (p.frozen_at) {
    out += "<p>" + m(l, "cell.frozen_no_override") + "</p>\n";
  } else {
    out += "<form method=\"post\" action=\"" + e(p.override_url) +
           "\" class=\"override\"><fieldset><legend>" + m(l, "cell.override") + "</legend>" +
           hidden + "<label for=\"points\">" + m(l, "cell.points") + " (0–" + e(p.possible) +
           ")</label><input id=\"points\" name=\"points\" type=\"number\" min=\"0\" max=\"" +
           e(p.possible) + "\" step=\"0.25\" required value=\"" + e(p.points_value) +
           "\"><label for=\"justification\">" + m(l, "cell.justification") +
           "</label><textarea id=\"justification\" name=\"justification\" rows=\"3\" required" +
           (p.error.empty() ? "" : " aria-describedby=\"form-error\"") + ">" +
           e(p.justification_value) + "</textarea><button type=\"submit\">" +
           m(l, "cell.override_submit") + "</button></fieldset></form>\n";
  }
  out += "<form method=\"post\" action=\"" + e(p.annotate_url) +
         "\" class=\"annotate\"><fieldset><legend>" + m(l, "cell.annotate") + "</legend>" + hidden +
         "<label for=\"note\">" + m(l, "cell.note") +
         "</label><textarea id=\"note\" name=\"text\" rows=\"2\" required></textarea><button "
         "type=\"submit\">" +
         m(l, "cell.annotate_submit") + "</button></fieldset></form>\n";
  out += freeze_form(l, p.freeze_url, p.csrf_token, p.frozen_at);
  return out + "</section>\n";
}

// "12,3 Kio" / "12.3 KiB": a recording's size as each language writes it.
std::string size_text(Lang l, std::uintmax_t bytes) {
  const bool fr = l == Lang::kFr;
  if (bytes < 1024) return std::to_string(bytes) + (fr ? " o" : " B");
  const char* units[][2] = {{" Kio", " KiB"}, {" Mio", " MiB"}, {" Gio", " GiB"}};
  double v = static_cast<double>(bytes) / 1024;
  std::size_t u = 0;
  for (; v >= 1024 && u + 1 < std::size(units); ++u) v /= 1024;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string n = buf;
  if (fr) std::replace(n.begin(), n.end(), '.', ',');
  return n + units[u][fr ? 0 : 1];
}

// Where the player starts, in words.
std::string start_text(Lang l, const RecordingView& r) {
  switch (r.start) {
    case RecordingView::Start::kTicket:
      return m(l, "rec.starts_at_ticket") + " " + e(r.ticket_at) + ", " +
             e(format_duration(l, r.start_at)) + " " + m(l, "rec.into_recording");
    case RecordingView::Start::kOpenedAfterTicket:
      return m(l, "rec.starts_at_beginning_after") + " (" + e(r.ticket_at) + ").";
    case RecordingView::Start::kNoTicket:
      return m(l, "rec.starts_at_beginning_no_ticket");
  }
  return "";
}

// The candidate's console recordings, each with its player (recordings.js fills the element from
// its data-* attributes) and a download link that works without the player.
std::string recordings_section(Lang l, const CellPage& p) {
  std::string out = "<section class=\"recordings\" aria-labelledby=\"rec-h\"><h2 id=\"rec-h\">" +
                    m(l, "rec.title") + "</h2>\n";
  if (p.recordings.empty()) return out + "<p>" + m(l, "rec.none") + "</p></section>\n";
  out += "<p class=\"hint\">" + m(l, p.player ? "rec.hint" : "rec.no_player") + "</p>\n";
  for (std::size_t i = 0; i < p.recordings.size(); ++i) {
    const RecordingView& r = p.recordings[i];
    const std::string id = "rec-" + std::to_string(i);
    const std::string name =
        e(r.host) + " — " + m(l, "rec.connection") + " " + std::to_string(r.connection);
    out += "<article class=\"recording\" aria-labelledby=\"" + id + "\"><h3 id=\"" + id + "\">" +
           name + "</h3><p>" + m(l, "rec.opened") + colon(l) + e(r.started_at) + " — " +
           e(size_text(l, r.bytes)) + " — <a href=\"" + e(r.url) + "\" download>" +
           m(l, "rec.download") + "<span class=\"visually-hidden\"> " + name +
           "</span></a></p>\n<p class=\"start\" id=\"" + id + "-start\">" + start_text(l, r) +
           "</p>\n";
    if (p.player) {
      out += "<div class=\"player\" data-cast=\"" + e(r.url) + "\" data-start-at=\"" +
             std::to_string(r.start_at) + "\" data-label=\"" + m(l, "rec.player") + " " + name +
             "\" data-describedby=\"" + id + "-start\"></div>\n";
    }
    out += "</article>\n";
  }
  return out + "</section>\n";
}

}  // namespace

PlayerStart player_start(std::optional<std::chrono::system_clock::time_point> ticket,
                         std::chrono::system_clock::time_point recording_start) {
  if (!ticket) return {0, RecordingView::Start::kNoTicket};
  const auto into = std::chrono::floor<std::chrono::seconds>(*ticket - recording_start).count();
  if (into < 0) return {0, RecordingView::Start::kOpenedAfterTicket};
  return {into, RecordingView::Start::kTicket};
}

std::string render_cell(const CellPage& p) {
  const Lang l = p.lang;
  std::string title = p.candidate + " — " + p.task_id;
  const std::string player =
      p.player && !p.recordings.empty()
          ? "<link rel=\"stylesheet\" href=\"/assets/player/asciinema-player.css\">\n"
            "<script defer src=\"/assets/player/asciinema-player.min.js\"></script>\n"
            "<script defer src=\"/assets/recordings.js\"></script>\n"
          : "";
  std::string out = head(l, title, "evaluator", player) + "<header><h1>" + e(p.candidate) + " — " +
                    e(p.task_id) + " " + e(p.task_title) + "</h1><a href=\"" + e(p.grid_url) +
                    "\">" + m(l, "cell.back") + "</a> <a href=\"" + e(p.sheet_url) + "\">" +
                    m(l, "grid.sheet_link") + "</a>" + lang_link(l) + "</header>\n<main>\n" +
                    status_banner(l, p.frozen_at, "", "");
  out += "<p class=\"summary\"><span class=\"pts\">" + m(l, "cell.points") + colon(l) +
         e(p.points) + "</span> " + verdict_span(l, p.verdict) +
         (p.applied ? " (" + m(l, "cell.overridden") + ")" : "");
  if (!p.sla.empty()) {
    out +=
        " — " + m(l, "cell.sla") + " " + e(p.sla) +
        (p.sla_breached ? " <strong class=\"v-fail\">! " + m(l, "grid.sla_breached") + "</strong>"
                        : "");
  }
  if (!p.time_to_resolve.empty()) out += " — " + m(l, "cell.ttr") + " " + e(p.time_to_resolve);
  out += "</p>\n";
  if (p.applied) {
    out += "<p class=\"override-note\">" + m(l, "cell.override_by") + " " + e(p.applied->who) +
           ", " + e(p.applied->when) + colon(l) + "<q>" + e(p.applied->justification) +
           "</q></p>\n";
  }
  out += "<div class=\"cell-page\"><div>" + checks_section(l, p) + runs_section(l, p) +
         "</div><div>" + notes_section(l, p) + cell_forms(l, p) + "</div></div>\n" +
         recordings_section(l, p);
  return out + "</main>\n</body>\n</html>\n";
}

std::string render_competency_chart(Lang l, const std::vector<CompetencyBar>& bars) {
  // Fixed geometry: a row of 26 px per competency, the bar's length its percentage of 400 px,
  // the value written after it so the chart reads without colour (and printed in grey).
  const int row = 26, label_w = 260, bar_w = 400, width = label_w + bar_w + 90;
  const int height = static_cast<int>(bars.size()) * row + 10;
  std::string out = "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-t\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) + "\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-t\">" +
                    m(l, "sheet.chart") + "</title>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    int y = static_cast<int>(i) * row + 5;
    double p = std::clamp(b.percentage, 0.0, 100.0);
    std::string name = b.code + (b.name.empty() ? "" : " " + b.name);
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    out += "<g><text x=\"0\" y=\"" + std::to_string(y + 16) + "\" class=\"label\">" + e(name) +
           "</text>";
    out += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + std::to_string(bar_w) + "\" height=\"18\" class=\"track\"/>";
    out += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + std::to_string(static_cast<int>(p * bar_w / 100.0)) +
           "\" height=\"18\" class=\"bar\"/>";
    out += "<text x=\"" + std::to_string(label_w + bar_w + 6) + "\" y=\"" + std::to_string(y + 16) +
           "\" class=\"value\">" + e(pct(p)) + " (" + e(b.points) + ")</text></g>";
  }
  return out + "</svg>";
}

std::string render_sheet(const SheetPage& p) {
  const Lang l = p.lang;
  std::string out =
      head(l, message(l, "sheet.title") + " — " + p.candidate, "evaluator sheet") + "<header><h1>" +
      m(l, "sheet.title") + " — " + e(p.candidate) + "</h1><p class=\"lab\">" + e(p.lab_title) +
      " (" + e(p.session) + ")</p><a class=\"no-print\" href=\"" + e(p.grid_url) + "\">" +
      m(l, "cell.back") + "</a><button type=\"button\" class=\"no-print\" data-print hidden>" +
      m(l, "sheet.print") + "</button>" + lang_link(l) + "</header>\n<main>\n" +
      status_banner(l, p.frozen_at, "", "");
  out += "<p class=\"summary\">" + m(l, "grid.total") + colon(l) + "<strong>" + e(p.total) +
         "</strong> (" + e(pct(p.percentage)) +
         ")</p>\n<section aria-labelledby=\"comp-h\"><h2 id=\"comp-h\">" +
         m(l, "sheet.competencies") + "</h2>\n" + render_competency_chart(l, p.bars) +
         "\n<table class=\"comp\"><thead><tr><th scope=\"col\">" + m(l, "sheet.code") +
         "</th><th scope=\"col\">" + m(l, "sheet.name") + "</th><th scope=\"col\">" +
         m(l, "cell.points") + "</th><th scope=\"col\">%</th></tr></thead><tbody>\n";
  for (const auto& b : p.bars) {
    out += "<tr><td>" + e(b.code) + "</td><td>" + e(b.name) + "</td><td>" + e(b.points) +
           "</td><td>" + e(pct(b.percentage)) + "</td></tr>\n";
  }
  out += "</tbody></table></section>\n<section aria-labelledby=\"tasks-h\"><h2 id=\"tasks-h\">" +
         m(l, "sheet.tasks") + "</h2><table><tbody>\n";
  for (const auto& t : p.tasks) {
    out += "<tr><th scope=\"row\">" + e(t.id) + "</th><td>" + e(t.title) + "</td><td>" +
           e(t.points) + "</td><td>" + verdict_span(l, t.verdict) + "</td></tr>\n";
  }
  return out + "</tbody></table></section>\n</main>\n</body>\n</html>\n";
}

}  // namespace atelier::web
