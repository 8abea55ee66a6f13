// Rendering of the access-code slips (see slips.h).
#include "controller/web/slips.h"

#include "controller/web/html.h"

namespace atelier::web {

std::string render_code_slips(const std::string& address, const std::string& session,
                              const std::vector<CodeSlip>& slips) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Codes d'accès "
      "— session " +
      escape_html(session) +
      "</title>\n<style>\n"
      "body { font-family: sans-serif; margin: 1cm; }\n"
      ".slip { border: 1px dashed #555; padding: 0.6cm; margin: 0 0 0.4cm; break-inside: avoid; }\n"
      ".code { font-family: monospace; font-size: 24pt; letter-spacing: 0.1em; }\n"
      ".en { color: #444; font-size: 0.9em; }\n"
      "</style>\n</head>\n<body>\n";
  for (const auto& s : slips) {
    out += "<section class=\"slip\">\n<p>Ouvrez <strong class=\"address\">" + escape_html(address) +
           "</strong> dans votre navigateur.<br><span class=\"en\" lang=\"en\">Open this address "
           "in your "
           "browser.</span></p>\n<p>Candidat·e : <strong class=\"candidate\">" +
           escape_html(s.candidate) +
           "</strong><br><span class=\"en\" lang=\"en\">Candidate</span></p>\n<p>Code d'accès : "
           "<strong "
           "class=\"code\">" +
           escape_html(s.code) +
           "</strong><br><span class=\"en\" lang=\"en\">Access code (keep it to "
           "yourself)</span></p>\n</section>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace atelier::web
