// Unit tests of the candidate pages: rendered from a fixture model, checked for language,
// labels, escaping of every model field, the CSRF field and status shown in words.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "controller/web/pages.h"

namespace atelier::web {
namespace {

WorkspacePage fixture(Lang lang) {
  WorkspacePage p;
  p.lang = lang;
  p.csrf_token = "tok\"en";
  p.lab_title = "Support N1 <Entreprise>";
  p.candidate = "c01";
  p.seconds_left = 5400 + 125;
  p.feedback = true;
  p.tickets = {
      {"T1", "Le site intranet ne répond plus", "P1",
       "L'équipe **comptabilité** signale que `http://intranet` renvoie une erreur.\n\n"
       "- vérifier le service web\n- vérifier le pare-feu\n\n<script>alert(1)</script>",
       900, VerdictView{false, "10:42", "2/3"}},
      {"T2", "Nouveau compte <b>Dupont</b>", "P3", "Créer le compte `jdupont`.", -75, std::nullopt},
  };
  p.machines = {{"srv1", MachineState::kReady, "stagiaire / stagiaire", "/candidate/console/srv1"},
                {"pc1", MachineState::kBooting, "", "/candidate/console/pc1"}};
  return p;
}

void save(const std::string& name, const std::string& html) {
  // For screenshots: ATELIER_WEB_RENDER_DIR=dir keeps the rendered pages.
  if (const char* dir = std::getenv("ATELIER_WEB_RENDER_DIR"))
    std::ofstream(std::string(dir) + "/" + name) << html;
}

TEST(Pages, LoginIsFrenchLabelledAndCarriesTheCsrfToken) {
  LoginPage page{Lang::kFr, "abc<def", "Code inconnu ou expiré.", "/login"};
  auto html = render_login(page);
  save("login.html", html);
  EXPECT_NE(html.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(html.find("<label for=\"code\">Code d&#39;accès</label>"), std::string::npos);
  EXPECT_NE(html.find("<input id=\"code\" name=\"code\""), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf\" value=\"abc&lt;def\""), std::string::npos);
  EXPECT_NE(html.find("role=\"alert\">Code inconnu ou expiré.</p>"), std::string::npos);
  EXPECT_NE(html.find("href=\"?lang=en\""), std::string::npos);
  EXPECT_NE(html.find("<link rel=\"stylesheet\" href=\"/assets/atelier.css\">"), std::string::npos);
}

TEST(Pages, LoginInEnglish) {
  auto html = render_login(LoginPage{Lang::kEn, "t", "", "/login"});
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find(">Access code</label>"), std::string::npos);
  EXPECT_EQ(html.find("role=\"alert\""), std::string::npos) << "no error, no alert";
  EXPECT_NE(html.find("href=\"?lang=fr\""), std::string::npos);
}

TEST(Pages, WorkspaceEscapesEveryFieldAndRendersTickets) {
  auto html = render_workspace(fixture(Lang::kFr));
  save("workspace.html", html);
  EXPECT_NE(html.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(html.find("<h1>Support N1 &lt;Entreprise&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Nouveau compte &lt;b&gt;Dupont&lt;/b&gt;</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<strong>comptabilité</strong>"), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf\" value=\"tok&quot;en\""), std::string::npos);
  EXPECT_NE(html.find("Temps restant : <span data-countdown=\"5525\">1 h 32 min</span>"),
            std::string::npos);
  EXPECT_NE(html.find("Priorité : P1"), std::string::npos);
  EXPECT_NE(html.find("Délai restant : 15 min 00 s"), std::string::npos);
  EXPECT_NE(html.find("Délai dépassé de 1 min 15 s"), std::string::npos);
}

TEST(Pages, StatusIsInWordsNotColourAlone) {
  auto html = render_workspace(fixture(Lang::kFr));
  EXPECT_NE(html.find("<strong>F ÉCHEC</strong> 2/3"), std::string::npos);
  EXPECT_NE(html.find("État : prête"), std::string::npos);
  EXPECT_NE(html.find("État : démarrage"), std::string::npos);
  EXPECT_NE(html.find("<code>stagiaire / stagiaire</code>"), std::string::npos);
  // Each console link names its machine for screen readers.
  EXPECT_NE(html.find("href=\"/candidate/console/srv1\">Ouvrir la console<span "
                      "class=\"visually-hidden\"> srv1"),
            std::string::npos);
  EXPECT_NE(html.find(">Vérifier mon travail</button>"), std::string::npos);
}

TEST(Pages, WithoutFeedbackNoVerdictNorCheckButton) {
  auto page = fixture(Lang::kEn);
  page.feedback = false;
  auto html = render_workspace(page);
  save("workspace-en.html", html);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("Open console"), std::string::npos);
  EXPECT_EQ(html.find("Check my work"), std::string::npos);
  EXPECT_EQ(html.find("FAILED"), std::string::npos);
}

TEST(Pages, ConsoleShowsTheLoginOnlyWhenTheLabGivesOne) {
  ConsolePage page;
  page.host = "server";
  page.candidate = "ca";
  page.socket_path = "/console/s1/ca/server";
  page.login_hint = "root / <a&b>";
  auto html = render_console(page);
  save("console.html", html);
  EXPECT_NE(html.find("<p id=\"login-hint\" class=\"hint\">Identifiant : <code>root / "
                      "&lt;a&amp;b&gt;</code></p>"),
            std::string::npos);
  page.login_hint.clear();
  EXPECT_EQ(render_console(page).find("login-hint"), std::string::npos);
}

// A screen's page: noVNC's module and the socket, the state line's words in the page's language,
// the trainer's "type" button only on a trainer's page, every field escaped.
TEST(Pages, ScreenPageCarriesItsSocketAndWatchesForATrainer) {
  ConsolePage page;
  page.host = "client";
  page.candidate = "c<a>";
  page.socket_path = "/display/s1/ca/client";
  auto html = render_display(page);
  save("display.html", html);
  EXPECT_NE(html.find("<script type=\"module\" src=\"/assets/display.js\">"), std::string::npos);
  EXPECT_NE(html.find("data-socket=\"/display/s1/ca/client\""), std::string::npos);
  EXPECT_NE(html.find("data-msg-reconnecting=\"Écran coupé : reconnexion…\""), std::string::npos);
  EXPECT_NE(html.find("c&lt;a&gt;"), std::string::npos);
  EXPECT_EQ(html.find("display-type"), std::string::npos) << "a candidate types at once";
  EXPECT_EQ(html.find("xterm"), std::string::npos);
  page.trainer = true;
  page.lang = Lang::kEn;
  html = render_display(page);
  EXPECT_NE(html.find("<button id=\"display-type\" type=\"button\" aria-pressed=\"false\""),
            std::string::npos);
  EXPECT_NE(html.find("data-msg-connected=\"Screen connected: you watch without typing.\""),
            std::string::npos);
}

// A machine with a screen gets its button beside the console's; one without, none.
TEST(Pages, ScreenButtonOnlyForMachinesWithAScreen) {
  WorkspacePage page;
  page.machines.push_back(
      {"server", MachineState::kReady, "", "/candidate/console/server", "", ""});
  page.machines.push_back({"client", MachineState::kReady, "", "/candidate/console/client",
                           "/candidate/display/client", ""});
  auto html = render_workspace(page);
  EXPECT_NE(html.find("href=\"/candidate/display/client\">Ouvrir l&#39;écran"), std::string::npos)
      << html;
  EXPECT_EQ(html.find("/candidate/display/server"), std::string::npos);
}

// The candidate's own actions: a reset link only where the session allows it and not while the
// machine resets; the confirmation's explicit yes with the CSRF field; every field escaped.
TEST(Pages, ResetIsOfferedPerMachineAndConfirmedWithAnExplicitYes) {
  WorkspacePage p = fixture(Lang::kFr);
  auto plain = render_workspace(p);
  EXPECT_EQ(plain.find("Réinitialiser cette machine"), std::string::npos)
      << "no reset_url, no button";
  p.machines[0].reset_url = "/candidate/reset/srv1";
  p.machines[1].reset_url = "/candidate/reset/pc1";
  p.machines[1].state = MachineState::kResetting;
  p.notice = "Réinitialisation <lancée>";
  p.refresh_seconds = 10;
  auto html = render_workspace(p);
  EXPECT_NE(html.find("<a class=\"button warn reset\" href=\"/candidate/reset/srv1\">Réinitialiser "
                      "cette machine"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("href=\"/candidate/reset/pc1\""), std::string::npos) << "already resetting";
  EXPECT_NE(html.find("État : réinitialisation"), std::string::npos);
  EXPECT_NE(html.find("role=\"status\">Réinitialisation &lt;lancée&gt;</p>"), std::string::npos);
  EXPECT_NE(html.find("<body data-refresh=\"10\">"), std::string::npos);
  EXPECT_NE(html.find("<noscript>"), std::string::npos);

  ResetConfirmPage c{Lang::kFr,   "tok\"en", "Lab <x>", "c01", "srv<1>", "/candidate/reset/srv<1>",
                     "/candidate"};
  auto confirm = render_reset_confirm(c);
  save("reset-confirm.html", confirm);
  EXPECT_NE(confirm.find("<form method=\"post\" action=\"/candidate/reset/srv&lt;1&gt;\">"),
            std::string::npos);
  EXPECT_NE(confirm.find("name=\"csrf\" value=\"tok&quot;en\""), std::string::npos);
  EXPECT_NE(confirm.find("name=\"confirm\" value=\"yes\""), std::string::npos);
  EXPECT_NE(confirm.find("Oui, réinitialiser srv&lt;1&gt;</button>"), std::string::npos) << confirm;
  EXPECT_NE(confirm.find("Non, revenir à mon poste</a>"), std::string::npos);
  EXPECT_EQ(confirm.find("<x>"), std::string::npos);
  auto en = render_notice(NoticePage{Lang::kEn, "Action <refused>", "Wait 1 min", "/candidate"});
  EXPECT_NE(en.find("<h1>Action &lt;refused&gt;</h1>"), std::string::npos);
  EXPECT_NE(en.find("role=\"alert\">Wait 1 min</p>"), std::string::npos);
  EXPECT_NE(en.find("Back to my workspace"), std::string::npos);
}

TEST(Pages, CheckMyWorkIsDisabledWhileARunIsRunning) {
  WorkspacePage p = fixture(Lang::kEn);
  p.checking = true;
  auto html = render_workspace(p);
  EXPECT_NE(html.find("<button type=\"submit\" disabled>Check my work</button> <span "
                      "class=\"checking\">Check running…"),
            std::string::npos)
      << html;
}

// English writes no space before a colon, French one: every "label : value" of the candidate's
// pages goes through colon().
TEST(Pages, EnglishPagesPutNoSpaceBeforeAColon) {
  auto en = render_workspace(fixture(Lang::kEn));
  EXPECT_NE(en.find("Time left: <span data-countdown"), std::string::npos);
  EXPECT_NE(en.find("Login: <code>stagiaire / stagiaire</code>"), std::string::npos) << en;
  EXPECT_EQ(en.find(" : "), std::string::npos) << en;
  auto fr = render_workspace(fixture(Lang::kFr));
  EXPECT_NE(fr.find("Temps restant : <span data-countdown"), std::string::npos);
  ConsolePage page;
  page.lang = Lang::kEn;
  page.login_hint = "root";
  EXPECT_NE(render_console(page).find("Login: <code>root</code>"), std::string::npos);
}

TEST(Pages, CatalogueFallsBackToTheKey) {
  EXPECT_EQ(message(Lang::kFr, "ws.tickets"), "Vos tickets");
  EXPECT_EQ(message(Lang::kEn, "ws.tickets"), "Your tickets");
  EXPECT_EQ(message(Lang::kEn, "no.such.key"), "no.such.key");
  EXPECT_EQ(format_duration(Lang::kFr, 59), "0 min 59 s");
  EXPECT_EQ(format_duration(Lang::kFr, 3600), "1 h 00 min");
}

}  // namespace
}  // namespace atelier::web
