// Rendering of a machine's console page: the terminal, the state line the script keeps current
// (connecting, connected, reconnecting, closed: in words, never by colour alone), and a way back;
// and of its screen's page (noVNC), laid out the same way.
#include <string>
#include <string_view>

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
         escape_html(title) + "</title>\n<link rel=\"stylesheet\" href=\"/assets/atelier.css\">\n";
}

// Who holds the keyboard, in words (console.js fills it; never colour alone): hidden while the
// candidate's own page has it and nobody else does. A trainer's page has the two buttons.
std::string keyboard_banner(const ConsolePage& page) {
  const Lang l = page.lang;
  std::string out =
      "<div id=\"keyboard\" class=\"keyboard-banner\" hidden><p id=\"keyboard-state\" "
      "role=\"status\" aria-live=\"assertive\"></p>";
  if (page.trainer) {
    out += "<button id=\"take-over\" type=\"button\" hidden>" +
           escape_html(message(l, "console.take_over")) +
           "</button> <button id=\"hand-back\" type=\"button\" hidden>" +
           escape_html(message(l, "console.hand_back")) + "</button>";
  }
  return out + "</div>\n";
}

// The terminal's box: the socket to open, the role, and the script's words as data-* attributes
// (one catalogue, on the server).
std::string terminal_box(const ConsolePage& page) {
  const Lang l = page.lang;
  std::string out = "<div id=\"terminal\" class=\"terminal\" role=\"application\" aria-label=\"" +
                    escape_html(message(l, "console.title") + " " + page.host) +
                    "\" data-socket=\"" + escape_html(page.socket_path) + "\" data-role=\"" +
                    (page.trainer ? "trainer" : "candidate") + "\"";
  for (const char* key :
       {"connecting", "connected", "reconnecting", "closed", "idle", "refused", "kb_trainer",
        "kb_other_tab", "kb_watching", "kb_other_trainer", "kb_nobody", "kb_yours"}) {
    // A trainer's console is watched, not typed into, until they take over.
    const std::string k =
        page.trainer && std::string_view(key) == "connected" ? "watching" : std::string(key);
    out += " data-msg-" + std::string(key) + "=\"" + escape_html(message(l, "console." + k)) + "\"";
  }
  return out + "></div>\n";
}

// The page's head, its header (title, candidate, way back, language) and the state line, for a
// console (title_key "console.title") or a screen ("display.title"); `scripts` ends the head.
std::string page_top(const ConsolePage& page, const std::string& title_key,
                     const std::string& scripts, const std::string& body_class) {
  const Lang l = page.lang;
  const std::string other = l == Lang::kFr ? "en" : "fr";
  return head(l, message(l, title_key) + " " + page.host) + scripts + "</head>\n<body class=\"" +
         body_class + "\">\n<header><h1>" + escape_html(message(l, title_key)) + " <code>" +
         escape_html(page.host) + "</code></h1><p class=\"who\">" + escape_html(page.candidate) +
         "</p><a class=\"back\" href=\"" + escape_html(page.back_url) + "\">" +
         escape_html(message(l, page.trainer ? "console.back_session" : "console.back")) +
         "</a> <a class=\"lang\" href=\"?lang=" + other + "\" hreflang=\"" + other + "\" lang=\"" +
         other + "\" aria-label=\"" + escape_html(message(l, "lang.switch_label")) + "\">" +
         escape_html(message(l, "lang.switch")) +
         "</a></header>\n<main class=\"console\">\n"
         "<p id=\"console-state\" class=\"console-state\" role=\"status\" aria-live=\"polite\">" +
         escape_html(message(l, "console.connecting")) + "</p>\n";
}

std::string login_hint(const ConsolePage& page) {
  if (page.login_hint.empty()) return "";
  const Lang l = page.lang;
  return "<p id=\"login-hint\" class=\"hint\">" + escape_html(message(l, "ws.login")) + colon(l) +
         "<code>" + escape_html(page.login_hint) + "</code></p>\n";
}

}  // namespace

std::string render_console(const ConsolePage& page) {
  const Lang l = page.lang;
  std::string out = page_top(page, "console.title",
                             "<link rel=\"stylesheet\" href=\"/assets/xterm/xterm.css\">\n"
                             "<script defer src=\"/assets/xterm/xterm.js\"></script>\n"
                             "<script defer src=\"/assets/console.js\"></script>\n",
                             "console-page") +
                    keyboard_banner(page) + terminal_box(page) + login_hint(page);
  out += "<noscript><p>" + escape_html(message(l, "console.no_script")) +
         "</p></noscript>\n"
         "<p class=\"hint\">" +
         escape_html(message(l, "console.hint")) + "</p>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string render_display(const ConsolePage& page) {
  const Lang l = page.lang;
  std::string out = page_top(page, "display.title",
                             "<script type=\"module\" src=\"/assets/display.js\"></script>\n",
                             "console-page display-page");
  // A trainer watches: their keys reach the guest only after "type on this screen".
  if (page.trainer) {
    out +=
        "<p class=\"keyboard-banner\"><button id=\"display-type\" type=\"button\" "
        "aria-pressed=\"false\" data-msg-on=\"" +
        escape_html(message(l, "display.watch")) + "\">" + escape_html(message(l, "display.type")) +
        "</button></p>\n";
  }
  out += "<div id=\"screen\" class=\"screen\" role=\"application\" aria-label=\"" +
         escape_html(message(l, "display.title") + " " + page.host) + "\" data-socket=\"" +
         escape_html(page.socket_path) + "\" data-role=\"" +
         (page.trainer ? "trainer" : "candidate") + "\"";
  for (const char* key : {"connecting", "connected", "reconnecting", "closed", "refused"}) {
    const std::string k = page.trainer && std::string_view(key) == "connected"
                              ? "display.watching"
                              : "display." + std::string(key);
    out += " data-msg-" + std::string(key) + "=\"" + escape_html(message(l, k)) + "\"";
  }
  if (page.trainer) {
    out += " data-msg-typing=\"" + escape_html(message(l, "display.connected")) + "\"";
  }
  out += "></div>\n" + login_hint(page) + "<noscript><p>" +
         escape_html(message(l, "display.no_script")) + "</p></noscript>\n<p class=\"hint\">" +
         escape_html(message(l, "display.hint")) + "</p>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string render_console_missing(Lang lang, bool display) {
  const std::string what = message(lang, display ? "display.missing" : "console.missing");
  return head(lang, what) + "</head>\n<body>\n<main><h1>" + escape_html(what) +
         "</h1>\n<p><a href=\"/candidate\">" + escape_html(message(lang, "console.back")) +
         "</a></p></main>\n</body>\n</html>\n";
}

}  // namespace atelier::web
