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
      {"login.hint",
       {"Le code figure sur le billet remis par le formateur, par exemple 7KQ-M4F-2XP.",
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
      {"ws.open_display", {"Ouvrir l'écran", "Open screen"}},
      {"ws.no_tickets", {"Aucun ticket pour l'instant.", "No tickets yet."}},
      {"state.booting", {"démarrage", "booting"}},
      {"state.ready", {"prête", "ready"}},
      {"state.resetting", {"réinitialisation", "resetting"}},
      {"state.stopped", {"arrêtée", "stopped"}},
      {"ws.logout", {"Se déconnecter", "Sign out"}},
      {"login.wrong_code",
       {"Ce code n'ouvre aucun poste. Vérifiez-le sur votre billet.",
        "This code opens no workstation. Check it on your slip."}},
      {"login.too_many",
       {"Trop d'essais depuis ce poste. Réessayez dans quelques minutes.",
        "Too many attempts from this computer. Try again in a few minutes."}},
      {"login.expired_form",
       {"Le formulaire a expiré. Saisissez à nouveau votre code.",
        "The form expired. Type your code again."}},
      {"console.title", {"Console de", "Console of"}},
      {"console.back", {"Retour à mon poste", "Back to my workspace"}},
      {"console.connecting", {"Connexion à la console…", "Connecting to the console…"}},
      {"console.connected",
       {"Console connectée : tapez vos commandes.", "Console connected: type your commands."}},
      {"console.reconnecting", {"Console coupée : reconnexion…", "Console lost: reconnecting…"}},
      {"console.closed",
       {"Console fermée. Rechargez la page pour la rouvrir.",
        "Console closed. Reload the page to open it again."}},
      {"console.idle",
       {"Console fermée après une longue inactivité. Rechargez la page pour la rouvrir.",
        "Console closed after a long idle time. Reload the page to open it again."}},
      {"console.refused",
       {"Cette console ne vous est pas ouverte. Reconnectez-vous depuis votre poste.",
        "This console is not open to you. Sign in again from your workspace."}},
      {"console.no_script",
       {"La console a besoin de JavaScript.", "The console needs JavaScript."}},
      {"console.hint",
       {"Appuyez sur Entrée si l'invite n'apparaît pas.", "Press Enter if no prompt shows."}},
      {"console.missing",
       {"Cette machine n'est pas dans votre lab.", "This machine is not in your lab."}},
      {"lang.switch", {"English", "Français"}},
      {"lang.switch_label", {"Switch to English", "Passer en français"}},
  };
  return kMessages;
}

// The candidate's own actions' messages (handlers_web_actions.cpp): "check my work", "reset this
// machine" and their refusals, a table of their own (one function stays under 80 lines).
const std::map<std::string, Pair>& actions_catalogue() {
  static const std::map<std::string, Pair> kMessages = {
      {"ws.reset", {"Réinitialiser cette machine", "Reset this machine"}},
      {"ws.checking", {"Vérification en cours…", "Check running…"}},
      {"done.check",
       {"Vérification lancée : les verdicts s'affichent ici quand elle se termine.",
        "Check started: the verdicts show here when it ends."}},
      {"done.reset",
       {"Réinitialisation lancée : la machine redémarre, sa console se reconnecte d'elle-même.",
        "Reset started: the machine restarts, and its console reconnects by itself."}},
      {"done.reload",
       {"Rechargez la page pour voir où elle en est.", "Reload the page to see how it is going."}},
      {"reset.title", {"Réinitialiser la machine", "Reset the machine"}},
      {"reset.warning",
       {"Elle repart de son état de départ : tout ce que vous y avez fait est perdu. Vos autres "
        "machines et vos tickets ne changent pas. Le formateur voit cette demande.",
        "It starts again from its initial state: everything you did on it is lost. Your other "
        "machines and your tickets do not change. Your trainer sees this request."}},
      {"reset.yes", {"Oui, réinitialiser", "Yes, reset"}},
      {"reset.no", {"Non, revenir à mon poste", "No, back to my workspace"}},
      {"refused.title", {"Action refusée", "Action refused"}},
      {"refused.no_feedback",
       {"Cette session ne propose pas de vérifier votre travail.",
        "This session does not offer to check your work."}},
      {"refused.no_resets",
       {"Cette session ne permet pas de réinitialiser vos machines : demandez au formateur.",
        "This session does not let you reset your machines: ask your trainer."}},
      {"refused.not_yours",
       {"Cette machine n'est pas dans votre lab.", "This machine is not in your lab."}},
      {"refused.form",
       {"Le formulaire a expiré. Revenez à votre poste et recommencez.",
        "The form expired. Go back to your workspace and try again."}},
      {"refused.too_soon",
       {"Vous avez lancé une vérification il y a peu. Prochaine possible dans",
        "You started a check a moment ago. Next one possible in"}},
      {"refused.not_ready",
       {"Votre lab n'est pas prêt pour cela. Réessayez dans un moment.",
        "Your lab is not ready for this. Try again in a moment."}},
      {"refused.unavailable",
       {"Ce service n'est pas disponible pour l'instant : prévenez le formateur.",
        "This service is not available right now: tell your trainer."}},
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
      {"staff.disabled",
       {"Ce compte est désactivé. Voyez l'administrateur d'atelier.",
        "This account is disabled. See atelier's administrator."}},
      {"staff.expired_form",
       {"Le formulaire a expiré. Saisissez à nouveau vos identifiants.",
        "The form expired. Type your name and password again."}},
      {"staff.signed_in_as", {"Connecté·e :", "Signed in:"}},
      {"trainer.sessions", {"Sessions", "Sessions"}},
      {"trainer.sessions_caption",
       {"Sessions, de la plus ancienne à la plus récente", "Sessions, oldest first"}},
      {"trainer.filter", {"Filtrer par lab ou texte", "Filter by lab or text"}},
      {"trainer.filter_submit", {"Filtrer", "Filter"}},
      {"trainer.no_sessions", {"Aucune session.", "No sessions."}},
      {"trainer.session", {"Session", "Session"}},
      {"trainer.lab", {"Lab", "Lab"}},
      {"trainer.ready", {"Prêts / total", "Ready / total"}},
      {"trainer.created_by", {"Créée par", "Created by"}},
      {"trainer.token", {"jeton", "token"}},
      {"trainer.ready_count", {"prêts", "ready"}},
      {"trainer.unlabelled_token", {"jeton sans libellé", "token without a label"}},
      {"trainer.age", {"Âge", "Age"}},
      {"trainer.back", {"← Toutes les sessions", "← All sessions"}},
      {"trainer.candidates",
       {"Candidats et état de leur lab", "Candidates and the state of their lab"}},
      {"trainer.candidate", {"Candidat", "Candidate"}},
      {"trainer.step", {"Étape en cours", "Current step"}},
      // The provisioning steps (store::kSteps) as the trainer's page names them.
      {"step.networks", {"réseaux", "networks"}},
      {"step.disks", {"disques", "disks"}},
      {"step.domains", {"machines virtuelles", "virtual machines"}},
      {"step.booted", {"démarrage", "boot"}},
      {"step.agent", {"agent", "agent"}},
      {"step.roles", {"configuration (rôles)", "configuration (roles)"}},
      {"step.incidents", {"incidents", "incidents"}},
      {"step.ready", {"prêt", "ready"}},
      {"trainer.error", {"Erreur", "Error"}},
      {"trainer.actions", {"Actions", "Actions"}},
      {"trainer.reset", {"Réinitialiser", "Reset"}},
      {"trainer.reset_what", {"Que réinitialiser ?", "What to reset?"}},
      {"trainer.reset_whole_lab", {"tout le lab", "the whole lab"}},
      {"trainer.reset_move",
       {"tout le lab, sur un autre hyperviseur", "the whole lab, on another hypervisor host"}},
      {"trainer.solve", {"Appliquer la solution", "Apply the solution"}},
      {"trainer.warning", {"Attention :", "Warning:"}},
      {"trainer.solve_warning",
       {"« Appliquer la solution » résout le lab du candidat : il a alors la réponse.",
        "\"Apply the solution\" solves the candidate's lab: it gives them the answer."}},
      {"trainer.session_actions", {"Actions sur la session", "Session actions"}},
      {"trainer.run_checks", {"Lancer les vérifications", "Run the checks"}},
      {"trainer.slips", {"Billets des codes d'accès", "Access-code slips"}},
      {"trainer.destroy_confirm",
       {"Pour détruire la session, tapez son nom :", "To destroy the session, type its name:"}},
      {"trainer.destroy", {"Détruire la session", "Destroy the session"}},
      {"trainer.destroy_mismatch",
       {"Le nom tapé ne correspond pas : rien n'a été détruit.",
        "The name typed does not match: nothing was destroyed."}},
      {"trainer.destroyed",
       {"Session détruite : ses labs sont démontés.",
        "Session destroyed: its labs are torn down."}},
      {"trainer.started", {"Action lancée :", "Action started:"}},
      {"trainer.live_later",
       {"Cette page se met à jour toute seule si JavaScript est actif ; sinon, rechargez-la.",
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

// The new-session form's and the evaluator's home's messages (staff_pages.cpp), a table of their
// own (one function stays under 80 lines).
const std::map<std::string, Pair>& new_session_catalogue() {
  static const std::map<std::string, Pair> kMessages = {
      {"new.title", {"Nouvelle session", "New session"}},
      {"new.lab", {"Choisissez le lab", "Choose the lab"}},
      {"new.no_labs",
       {"Aucun lab ne se charge depuis le dossier des labs (--labs-dir).",
        "No lab loads from the labs folder (--labs-dir)."}},
      {"new.broken",
       {"Labs en erreur, non proposés (voyez « atelier lab validate ») :",
        "Labs with errors, not offered (see \"atelier lab validate\"):"}},
      {"new.competencies", {"Compétences", "Competencies"}},
      {"new.duration", {"Durée", "Duration"}},
      {"new.hosts", {"Machines", "Machines"}},
      {"new.memory", {"Mémoire par candidat", "Memory per candidate"}},
      {"new.memory_detail", {"machines", "guests"}},
      {"new.fits", {"Candidats possibles maintenant", "Candidates that fit now"}},
      {"new.capacity", {"Mémoire libre des hôtes :", "Host memory left:"}},
      {"new.of", {"sur", "of"}},
      {"new.host_count", {"hôte(s)", "host(s)"}},
      {"new.capacity_unknown",
       {"Mémoire libre des hôtes : inconnue (le réconciliateur n'a encore lu aucun hôte).",
        "Host memory left: unknown (the reconciler has read no host yet)."}},
      {"new.candidates", {"Candidats, un par ligne", "Candidates, one a line"}},
      {"new.candidates_hint",
       {"Chaque ligne : identifiant[,nom affiché] ; un CSV collé convient aussi (séparateur , ou "
        ";, "
        "ligne d'en-tête « name,... » ignorée). Identifiant : 1 à 24 caractères parmi a-z, 0-9 et "
        "_.",
        "Each line: id[,display name]; a pasted CSV works too (separator , or ;, a header line "
        "\"name,...\" is skipped). Id: 1 to 24 characters among a-z, 0-9 and _."}},
      {"new.csv", {"Ou lire un fichier CSV dans la liste", "Or read a CSV file into the list"}},
      {"new.name", {"Nom de la session (facultatif)", "Session name (optional)"}},
      {"new.name_hint", {"Vide : un nom est tiré au hasard.", "Empty: a name is drawn."}},
      {"new.interval", {"Intervalle des vérifications (facultatif)", "Check interval (optional)"}},
      {"new.interval_hint",
       {"Par exemple 30s ou 2m ; « off » : aucune vérification périodique ; vide : celui du lab, "
        "sinon celui d'atelierd.",
        "For example 30s or 2m; \"off\": no periodic checks; empty: the lab's, else atelierd's."}},
      {"new.feedback",
       {"Les candidats voient le résultat de leurs vérifications",
        "Candidates see their check results"}},
      {"new.candidate_resets",
       {"Les candidats peuvent réinitialiser leurs machines",
        "Candidates may reset their own machines"}},
      {"new.submit", {"Créer la session", "Create the session"}},
      {"new.refused", {"La session n'a pas été créée :", "The session was not created:"}},
      {"evaluator.home", {"Évaluation : vos sessions", "Grading: your sessions"}},
      {"evaluator.caption", {"Sessions que vous pouvez évaluer", "Sessions you may grade"}},
      {"evaluator.none", {"Aucune session à évaluer.", "No session to grade."}},
      {"evaluator.candidates", {"Candidats", "Candidates"}},
      {"evaluator.results", {"Résultats", "Results"}},
      {"evaluator.frozen", {"DÉFINITIFS (figés)", "FINAL (frozen)"}},
      {"evaluator.provisional", {"provisoires", "provisional"}},
      {"evaluator.trainer_link", {"Pages du formateur", "Trainer's pages"}},
  };
  return kMessages;
}

// Who holds a console's keyboard ({who}: the holder's name), said on the candidate's and the
// trainer's console pages (console_page.cpp, console.js), and the trainer's console words.
const std::map<std::string, Pair>& console_catalogue() {
  static const std::map<std::string, Pair> kMessages = {
      {"display.title", {"Écran de", "Screen of"}},
      {"display.connecting", {"Connexion à l'écran…", "Connecting to the screen…"}},
      {"display.connected",
       {"Écran connecté : cliquez dedans pour taper.", "Screen connected: click in it to type."}},
      {"display.watching",
       {"Écran connecté : vous regardez sans taper.",
        "Screen connected: you watch without typing."}},
      {"display.reconnecting", {"Écran coupé : reconnexion…", "Screen lost: reconnecting…"}},
      {"display.closed",
       {"Écran fermé. Rechargez la page pour le rouvrir.",
        "Screen closed. Reload the page to open it again."}},
      {"display.refused",
       {"Cet écran ne vous est pas ouvert, ou la machine n'en a pas. Revenez à votre poste.",
        "This screen is not open to you, or the machine has none. Go back to your workspace."}},
      {"display.no_script", {"L'écran a besoin de JavaScript.", "The screen needs JavaScript."}},
      {"display.hint",
       {"L'écran montre la première console de la machine (tty1). Appuyez sur Entrée si "
        "l'invite n'apparaît pas.",
        "The screen shows the machine's first console (tty1). Press Enter if no prompt shows."}},
      {"display.missing",
       {"Cette machine n'a pas d'écran : ouvrez sa console.",
        "This machine has no screen: open its console."}},
      {"display.type", {"Taper sur cet écran", "Type on this screen"}},
      {"display.watch", {"Regarder seulement", "Watch only"}},
      // The trainer's session page's links to the consoles and their logs (staff_pages.cpp).
      {"trainer.consoles", {"Consoles :", "Consoles:"}},
      {"trainer.screens", {"Écrans :", "Screens:"}},
      {"trainer.console_logs", {"Journaux de console :", "Console logs:"}},
      {"trainer.console_log", {"Journal de console de", "Console log of"}},
      {"console.kb_trainer",
       {"Un formateur ({who}) a pris la main sur cette console : il voit votre écran et tape "
        "pour vous ; vos touches ne sont pas envoyées.",
        "A trainer ({who}) has taken over this console: they see your screen and type for you; "
        "your keys are not sent."}},
      {"console.kb_other_tab",
       {"Cette console est ouverte dans un autre onglet, qui a la main : vos touches ici ne sont "
        "pas envoyées.",
        "This console is open in another tab, which has the keyboard: your keys here are not "
        "sent."}},
      {"console.kb_watching",
       {"Vous regardez la console de {who} : vos touches ne sont pas envoyées.",
        "You are watching {who}'s console: your keys are not sent."}},
      {"console.kb_other_trainer",
       {"Un autre formateur ({who}) a la main sur cette console.",
        "Another trainer ({who}) has the keyboard of this console."}},
      {"console.kb_nobody",
       {"Personne n'a la main : prenez-la pour taper.",
        "Nobody has the keyboard: take it over to type."}},
      {"console.kb_yours",
       {"Vous avez la main : le candidat voit ce que vous tapez et ne peut plus taper.",
        "You have the keyboard: the candidate sees what you type and cannot type."}},
      {"console.take_over", {"Prendre la main", "Take over"}},
      {"console.hand_back", {"Rendre la main au candidat", "Hand back to the candidate"}},
      {"console.watching", {"Console connectée.", "Console connected."}},
      {"console.back_session", {"Retour à la session", "Back to the session"}},
  };
  return kMessages;
}

// The evaluator's pages' messages (grid_pages.cpp), defined at the end of this file.
const std::map<std::string, Pair>& evaluator_catalogue();

}  // namespace

std::string message(Lang lang, const std::string& key) {
  for (const auto* table :
       {&catalogue(), &actions_catalogue(), &staff_catalogue(), &evaluator_catalogue(),
        &new_session_catalogue(), &console_catalogue()}) {
    auto it = table->find(key);
    if (it != table->end()) return lang == Lang::kFr ? it->second.fr : it->second.en;
  }
  return key;
}

std::string colon(Lang lang) {
  return lang == Lang::kFr ? " : " : ": ";
}

std::string format_duration(Lang lang, long long seconds) {
  (void)lang;  // the units read the same in both languages
  if (seconds < 0) seconds = -seconds;
  long long h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (h > 0) return std::to_string(h) + " h " + two(m) + " min";
  return std::to_string(m) + " min " + two(s) + " s";
}

namespace {

std::map<std::string, Pair> grid_messages() {
  return {
      {"verdict.passed", {"RÉUSSI", "PASSED"}},
      {"verdict.partial", {"PARTIEL", "PARTIAL"}},
      {"verdict.failed", {"ÉCHEC", "FAILED"}},
      {"verdict.error", {"ERREUR", "ERROR"}},
      {"verdict.not_run", {"NON ÉVALUÉ", "NOT RUN"}},
      {"grid.title", {"Grille d'évaluation", "Grading grid"}},
      {"grid.caption", {"Points par candidat et par tâche", "Points per candidate and task"}},
      {"grid.legend",
       {"P réussi, ~ partiel, F échec, - non évalué ; * note modifiée par un évaluateur ; "
        "! délai (SLA) dépassé ; TR : temps de résolution. Cliquez un en-tête pour trier.",
        "P passed, ~ partial, F failed, - not run; * score overridden by an evaluator; "
        "! SLA breached; TTR: time to resolve. Click a heading to sort."}},
      {"grid.candidate", {"Candidat", "Candidate"}},
      {"grid.total", {"Total", "Total"}},
      {"grid.sheet", {"Fiche", "Sheet"}},
      {"grid.sheet_link", {"Fiche de compétences", "Competency sheet"}},
      {"grid.no_candidates",
       {"Aucun candidat dans cette session.", "No candidate in this session."}},
      {"grid.frozen", {"RÉSULTATS DÉFINITIFS (figés)", "FINAL RESULTS (frozen)"}},
      {"grid.frozen_at", {"figés le", "frozen at"}},
      {"grid.by", {"par", "by"}},
      {"grid.provisional", {"RÉSULTATS PROVISOIRES", "PROVISIONAL RESULTS"}},
      {"grid.provisional_hint",
       {"les vérifications peuvent encore changer les notes ; figez la session pour les arrêter",
        "checks may still change the scores; freeze the session to fix them"}},
      {"grid.overridden", {"note modifiée par un évaluateur", "score overridden by an evaluator"}},
      {"grid.sla_breached", {"délai (SLA) dépassé", "SLA breached"}},
      {"grid.tampered",
       {"falsifié : agent pris en défaut, résultat non compté",
        "tampered: agent caught, result not counted"}},
      {"grid.ttr_short", {"TR", "TTR"}},
      {"grid.exports", {"Exports", "Exports"}},
      {"grid.download", {"Télécharger", "Download"}},
      {"grid.freeze", {"Figer les résultats", "Freeze the results"}},
      {"grid.freeze_hint",
       {"Figer arrête la notation : les vérifications suivantes et les modifications de note sont "
        "refusées. Les annotations restent possibles.",
        "Freezing stops grading: later checks and score overrides are refused. Annotations "
        "stay possible."}},
  };
}

std::map<std::string, Pair> cell_messages() {
  return {
      {"cell.back", {"Retour à la grille", "Back to the grid"}},
      {"cell.checks", {"Vérifications (dernier passage noté)", "Checks (latest graded run)"}},
      {"cell.no_checks", {"Aucune vérification pour cette tâche.", "No check for this task."}},
      {"cell.check", {"Vérification", "Check"}},
      {"cell.verdict", {"Résultat", "Result"}},
      {"cell.expected", {"Attendu", "Expected"}},
      {"cell.observed", {"Observé", "Observed"}},
      {"cell.on", {"sur", "on"}},
      {"cell.runs", {"Historique des passages", "Run history"}},
      {"cell.no_runs", {"Aucun passage pour cette tâche.", "No run for this task."}},
      {"cell.when", {"Début", "Started"}},
      {"cell.trigger", {"Déclenchement", "Trigger"}},
      {"cell.who", {"Par", "By"}},
      {"cell.passed_checks", {"Vérifications réussies", "Checks passed"}},
      {"cell.graded", {"Noté", "Graded"}},
      {"cell.scheduled", {"planifié", "scheduled"}},
      {"cell.on_demand", {"à la demande", "on demand"}},
      {"cell.unknown", {"inconnu", "unknown"}},
      {"cell.yes", {"oui", "yes"}},
      {"cell.no", {"non", "no"}},
      {"cell.ignored_before", {"avant la remise du lab", "before the hand-over"}},
      {"cell.ignored_after", {"après le gel", "after the freeze"}},
      {"cell.overrides", {"Modifications de note", "Overrides"}},
      {"cell.no_overrides", {"Aucune modification.", "No override."}},
      {"cell.applied", {"retenue", "applied"}},
      {"cell.overridden", {"corrigé", "overridden"}},
      {"cell.override_by", {"Note corrigée par", "Score overridden by"}},
      {"cell.notes", {"Annotations", "Annotations"}},
      {"cell.no_notes", {"Aucune annotation.", "No annotation."}},
      {"cell.actions", {"Actions de l'évaluateur", "Evaluator actions"}},
      {"cell.override", {"Modifier la note", "Override the score"}},
      {"cell.points", {"Points", "Points"}},
      {"cell.justification",
       {"Justification écrite (obligatoire)", "Written justification (required)"}},
      {"cell.override_submit", {"Enregistrer la note", "Save the score"}},
      {"cell.annotate", {"Annoter", "Annotate"}},
      {"cell.note", {"Annotation", "Note"}},
      {"cell.annotate_submit", {"Ajouter l'annotation", "Add the note"}},
      {"cell.frozen_no_override",
       {"La session est figée : la note ne peut plus être modifiée.",
        "The session is frozen: the score can no longer be overridden."}},
      {"cell.sla", {"SLA", "SLA"}},
      {"cell.ttr", {"Temps de résolution", "Time to resolve"}},
      {"cell.need_justification",
       {"La justification est obligatoire : expliquez par écrit pourquoi la note change.",
        "The justification is required: explain in writing why the score changes."}},
      {"cell.bad_points",
       {"Les points doivent être un nombre entre 0 et les points de la tâche.",
        "The points must be a number between 0 and the task's points."}},
      {"cell.refused", {"Refusé :", "Refused:"}},
      {"sheet.title", {"Fiche de compétences", "Competency sheet"}},
      {"sheet.chart",
       {"Compétences C01 à C19 : pourcentage des points obtenus",
        "Competencies C01 to C19: percentage of the points earned"}},
      {"sheet.competencies", {"Compétences", "Competencies"}},
      {"sheet.code", {"Code", "Code"}},
      {"sheet.name", {"Compétence", "Competency"}},
      {"sheet.tasks", {"Tâches", "Tasks"}},
      {"sheet.print", {"Imprimer", "Print"}},
      {"web.expired_form",
       {"Le formulaire a expiré : rechargez la page et recommencez.",
        "The form expired: reload the page and try again."}},
  };
}

// The cell page's console recordings (issue #15).
std::map<std::string, Pair> recording_messages() {
  return {
      {"rec.title", {"Enregistrements de la console", "Console recordings"}},
      {"rec.none",
       {"Aucun enregistrement de console pour ce candidat : aucune console n'a été ouverte sur "
        "ses machines.",
        "No console recording for this candidate: no console was opened on their machines."}},
      {"rec.hint",
       {"Chaque lecteur montre l'écran au moment indiqué au-dessus de lui : l'ouverture du "
        "ticket quand la connexion était déjà ouverte. Au clavier : Tab jusqu'au lecteur, "
        "Espace pour lire ou mettre en pause, flèches gauche et droite pour reculer ou avancer "
        "de 5 secondes.",
        "Each player shows the screen at the moment said above it: the ticket's opening when "
        "the connection was already open. By keyboard: Tab to the player, Space to "
        "play or pause, left and right arrows to go back or forward 5 seconds."}},
      {"rec.no_player",
       {"Le lecteur (asciinema-player) n'est pas installé sur ce serveur : téléchargez les "
        "enregistrements, ou demandez à l'administrateur de lancer scripts/install-deps.",
        "The player (asciinema-player) is not installed on this server: download the "
        "recordings, or ask the administrator to run scripts/install-deps."}},
      {"rec.connection", {"connexion", "connection"}},
      {"rec.opened", {"Ouverture", "Opened"}},
      {"rec.download", {"Télécharger (asciicast)", "Download (asciicast)"}},
      {"rec.player", {"Lecteur de l'enregistrement", "Recording player"}},
      {"rec.starts_at_ticket",
       {"Le lecteur démarre à l'ouverture du ticket,",
        "The player starts when the ticket opened,"}},
      {"rec.into_recording", {"après le début de l'enregistrement.", "into the recording."}},
      {"rec.starts_at_beginning_after",
       {"Le lecteur démarre au début : la connexion a été ouverte après l'ouverture du ticket",
        "The player starts at the beginning: the connection opened after the ticket did"}},
      {"rec.starts_at_beginning_no_ticket",
       {"Le lecteur démarre au début : les tickets n'ont pas encore été remis au candidat.",
        "The player starts at the beginning: the candidate's tickets were not handed out yet."}},
  };
}

const std::map<std::string, Pair>& evaluator_catalogue() {
  static const std::map<std::string, Pair> kMessages = [] {
    auto all = grid_messages();
    all.merge(cell_messages());
    all.merge(recording_messages());
    return all;
  }();
  return kMessages;
}

}  // namespace
}  // namespace atelier::web
