// The fr/en message catalogue of the candidate pages. French is the default language.
#include <map>
#include <string>

#include "controller/web/pages.h"

namespace atelier::web {
namespace {

struct Pair {
  std::string fr;
  std::string en;
};

const std::map<std::string, Pair>& catalogue() {
  static const std::map<std::string, Pair> kMessages = {
      {"login.title", {"Connexion à votre poste", "Sign in to your workstation"}},
      {"login.code", {"Code d'accès", "Access code"}},
      {"login.hint", {"Le code figure sur le billet remis par le formateur, par exemple 7KQ-M4F-2XP.",
                      "The code is on the slip your trainer gave you, for example 7KQ-M4F-2XP."}},
      {"login.submit", {"Se connecter", "Sign in"}},
      {"ws.time_left", {"Temps restant", "Time left"}},
      {"ws.tickets", {"Vos tickets", "Your tickets"}},
      {"ws.machines", {"Vos machines", "Your machines"}},
      {"ws.priority", {"Priorité", "Priority"}},
      {"ws.sla", {"Délai restant", "SLA time left"}},
      {"ws.sla_breached", {"Délai dépassé de", "SLA breached by"}},
      {"ws.last_check", {"Dernière vérification", "Last check"}},
      {"ws.passed", {"RÉUSSI", "PASSED"}},
      {"ws.failed", {"ÉCHEC", "FAILED"}},
      {"ws.check", {"Vérifier mon travail", "Check my work"}},
      {"ws.state", {"État", "State"}},
      {"ws.login", {"Identifiant", "Login"}},
      {"ws.open_console", {"Ouvrir la console", "Open console"}},
      {"ws.no_tickets", {"Aucun ticket pour l'instant.", "No tickets yet."}},
      {"state.booting", {"démarrage", "booting"}},
      {"state.ready", {"prête", "ready"}},
      {"state.resetting", {"réinitialisation", "resetting"}},
      {"state.stopped", {"arrêtée", "stopped"}},
      {"ws.logout", {"Se déconnecter", "Sign out"}},
      {"login.wrong_code", {"Ce code n'ouvre aucun poste. Vérifiez-le sur votre billet.",
                            "This code opens no workstation. Check it on your slip."}},
      {"login.too_many", {"Trop d'essais depuis ce poste. Réessayez dans quelques minutes.",
                          "Too many attempts from this computer. Try again in a few minutes."}},
      {"login.expired_form", {"Le formulaire a expiré. Saisissez à nouveau votre code.",
                              "The form expired. Type your code again."}},
      {"console.title", {"Console de", "Console of"}},
      {"console.back", {"Retour à mon poste", "Back to my workspace"}},
      {"console.connecting", {"Connexion à la console…", "Connecting to the console…"}},
      {"console.connected", {"Console connectée : tapez vos commandes.", "Console connected: type your commands."}},
      {"console.reconnecting", {"Console coupée : reconnexion…", "Console lost: reconnecting…"}},
      {"console.closed", {"Console fermée. Rechargez la page pour la rouvrir.",
                          "Console closed. Reload the page to open it again."}},
      {"console.idle", {"Console fermée après une longue inactivité. Rechargez la page pour la rouvrir.",
                        "Console closed after a long idle time. Reload the page to open it again."}},
      {"console.refused", {"Cette console ne vous est pas ouverte. Reconnectez-vous depuis votre poste.",
                           "This console is not open to you. Sign in again from your workspace."}},
      {"console.no_script", {"La console a besoin de JavaScript.", "The console needs JavaScript."}},
      {"console.hint", {"Appuyez sur Entrée si l'invite n'apparaît pas.", "Press Enter if no prompt shows."}},
      {"console.missing", {"Cette machine n'est pas dans votre lab.", "This machine is not in your lab."}},
      {"lang.switch", {"English", "Français"}},
      {"lang.switch_label", {"Switch to English", "Passer en français"}},
  };
  return kMessages;
}

// The staff login's and trainer pages' messages (staff_pages.cpp), in a table of their own.
const std::map<std::string, Pair>& staff_catalogue() {
  static const std::map<std::string, Pair> kMessages = {
      // Staff login and the trainer's pages (staff_pages.cpp).
      {"staff.login_title", {"Connexion formateur ou évaluateur", "Trainer or evaluator sign-in"}},
      {"staff.name", {"Nom", "Name"}},
      {"staff.password", {"Mot de passe", "Password"}},
      {"staff.wrong", {"Nom ou mot de passe incorrect.", "Wrong name or password."}},
      {"staff.disabled", {"Ce compte est désactivé. Voyez l'administrateur d'atelier.",
                          "This account is disabled. See atelier's administrator."}},
      {"staff.expired_form", {"Le formulaire a expiré. Saisissez à nouveau vos identifiants.",
                              "The form expired. Type your name and password again."}},
      {"staff.signed_in_as", {"Connecté·e :", "Signed in:"}},
      {"trainer.sessions", {"Sessions", "Sessions"}},
      {"trainer.sessions_caption", {"Sessions, de la plus ancienne à la plus récente", "Sessions, oldest first"}},
      {"trainer.filter", {"Filtrer par lab ou texte", "Filter by lab or text"}},
      {"trainer.filter_submit", {"Filtrer", "Filter"}},
      {"trainer.no_sessions", {"Aucune session.", "No sessions."}},
      {"trainer.session", {"Session", "Session"}},
      {"trainer.lab", {"Lab", "Lab"}},
      {"trainer.ready", {"Prêts / total", "Ready / total"}},
      {"trainer.created_by", {"Créée par", "Created by"}},
      {"trainer.age", {"Âge", "Age"}},
      {"trainer.back", {"← Toutes les sessions", "← All sessions"}},
      {"trainer.candidates", {"Candidats et état de leur lab", "Candidates and the state of their lab"}},
      {"trainer.candidate", {"Candidat", "Candidate"}},
      {"trainer.step", {"Étape en cours", "Current step"}},
      {"trainer.error", {"Erreur", "Error"}},
      {"trainer.actions", {"Actions", "Actions"}},
      {"trainer.reset", {"Réinitialiser le lab", "Reset the lab"}},
      {"trainer.solve", {"Appliquer la solution", "Apply the solution"}},
      {"trainer.warning", {"Attention :", "Warning:"}},
      {"trainer.solve_warning", {"« Appliquer la solution » résout le lab du candidat : il a alors la réponse.",
                                 "\"Apply the solution\" solves the candidate's lab: it gives them the answer."}},
      {"trainer.session_actions", {"Actions sur la session", "Session actions"}},
      {"trainer.run_checks", {"Lancer les vérifications", "Run the checks"}},
      {"trainer.slips", {"Billets des codes d'accès", "Access-code slips"}},
      {"trainer.destroy_confirm", {"Pour détruire la session, tapez son nom :", "To destroy the session, type its name:"}},
      {"trainer.destroy", {"Détruire la session", "Destroy the session"}},
      {"trainer.destroy_mismatch", {"Le nom tapé ne correspond pas : rien n'a été détruit.",
                                    "The name typed does not match: nothing was destroyed."}},
      {"trainer.destroyed", {"Session détruite : ses labs sont démontés.", "Session destroyed: its labs are torn down."}},
      {"trainer.started", {"Action lancée :", "Action started:"}},
      {"trainer.live_later", {"Cette page se met à jour toute seule si JavaScript est actif ; sinon, rechargez-la.",
                              "This page updates itself when JavaScript runs; otherwise, reload it."}},
      {"trainer.live_on", {"Mise à jour en direct.", "Live updates on."}},
      {"lab.pending", {"en attente", "pending"}},
      {"lab.provisioning", {"en préparation", "provisioning"}},
      {"lab.ready", {"prêt", "ready"}},
      {"lab.failed", {"en échec", "failed"}},
      {"lab.destroying", {"en destruction", "destroying"}},
      {"lab.destroyed", {"détruit", "destroyed"}},
  };
  return kMessages;
}

}  // namespace

std::string message(Lang lang, const std::string& key) {
  auto it = catalogue().find(key);
  if (it == catalogue().end()) {
    it = staff_catalogue().find(key);
    if (it == staff_catalogue().end()) return key;
  }
  return lang == Lang::kFr ? it->second.fr : it->second.en;
}

std::string format_duration(Lang lang, long long seconds) {
  (void)lang;  // the units read the same in both languages
  if (seconds < 0) seconds = -seconds;
  long long h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (h > 0) return std::to_string(h) + " h " + two(m) + " min";
  return std::to_string(m) + " min " + two(s) + " s";
}

}  // namespace atelier::web
