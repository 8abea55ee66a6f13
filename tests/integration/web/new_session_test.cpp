// The trainer's "new session" form and the evaluator's home through Api::handle with a real store
// and the demo lab (issue 15): their role matrix (trainer, session-limited trainer, evaluator,
// session-limited evaluator, candidate cookie, none), CSRF, a creation that reaches the store
// under the person's name, refusals shown with the API's own message and the values kept, the
// labs offered with their memory against what the hosts have left, and where people land.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/text/html.h"
#include "tests/integration/web/staff_fixture.h"

namespace atelier::api {
namespace {

namespace json = boost::json;

class NewSessionTest : public test_support::StaffFixture {
 protected:
  // The body of the form as a browser sends it (application/x-www-form-urlencoded).
  static std::string encode(const std::string& v) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out.push_back(static_cast<char>(c));
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }
  HttpResponse post_form(const std::string& cookies, const std::string& fields) {
    return browse("POST", "/trainer/sessions/new", cookies,
                  form_of(cookies, "POST") + "&" + fields);
  }
  std::size_t session_count() {
    auto all = store_->list_sessions();
    EXPECT_TRUE(all.ok());
    return all.ok() ? all->size() : 0;
  }
};

TEST_F(NewSessionTest, RoleMatrixOfTheFormAndTheEvaluatorsHome) {
  const std::string trainer = signed_in("marie"), limited = signed_in("paul");
  const std::string evaluator = signed_in("jury"), scoped = signed_in("juge");
  const std::string candidate = candidate_cookie();
  struct Row {
    std::string method, target;
    int none, cand, eval, eval_scoped, trainer_limited, trainer;
  };
  // POST with an empty form: the trainer gets the form back (400: no lab chosen).
  const Row rows[] = {{"GET", "/trainer/sessions/new", 303, 403, 403, 403, 403, 200},
                      {"POST", "/trainer/sessions/new", 401, 403, 403, 403, 403, 400},
                      {"GET", "/evaluator", 303, 403, 200, 200, 200, 200}};
  for (const auto& r : rows) {
    const std::string body = r.method == "POST" ? "csrf=" + csrf_value() : "";
    HttpResponse none = browse(r.method, r.target, "", body);
    EXPECT_EQ(none.status, r.none) << r.target;
    if (r.none == 303) {
      EXPECT_EQ(header(none, "Location"), "/staff/login");
    }
    EXPECT_EQ(browse(r.method, r.target, candidate, form_of(candidate, r.method)).status, r.cand)
        << r.target;
    EXPECT_EQ(browse(r.method, r.target, evaluator, form_of(evaluator, r.method)).status, r.eval)
        << r.target;
    EXPECT_EQ(browse(r.method, r.target, scoped, form_of(scoped, r.method)).status, r.eval_scoped)
        << r.target;
    EXPECT_EQ(browse(r.method, r.target, limited, form_of(limited, r.method)).status,
              r.trainer_limited)
        << r.target;
    EXPECT_EQ(browse(r.method, r.target, trainer, form_of(trainer, r.method)).status, r.trainer)
        << r.target;
  }
  // The evaluator's home lists what each may see, linking to the grids.
  HttpResponse all = browse("GET", "/evaluator", evaluator);
  EXPECT_NE(all.body.find("href=\"/evaluator/sessions/s1\""), std::string::npos);
  EXPECT_NE(all.body.find("href=\"/evaluator/sessions/s2\""), std::string::npos);
  HttpResponse own = browse("GET", "/evaluator", scoped);
  EXPECT_EQ(own.body.find("/evaluator/sessions/s1\""), std::string::npos);
  EXPECT_NE(own.body.find("href=\"/evaluator/sessions/s2\""), std::string::npos);
  EXPECT_NE(own.body.find("provisoires"), std::string::npos);
  // The trainer's list links to the form; a session-limited trainer's does not.
  EXPECT_NE(browse("GET", "/trainer", trainer).body.find("href=\"/trainer/sessions/new\""),
            std::string::npos);
  EXPECT_EQ(browse("GET", "/trainer", limited).body.find("/trainer/sessions/new"),
            std::string::npos);
}

TEST_F(NewSessionTest, PeopleLandOnTheirHome) {
  EXPECT_EQ(header(login("marie", kPassword), "Location"), "/trainer");
  EXPECT_EQ(header(login("jury", kPassword), "Location"), "/evaluator");
  EXPECT_EQ(header(login("juge", kPassword), "Location"), "/evaluator");
  // Signed in, the login page sends each home too.
  EXPECT_EQ(header(browse("GET", "/staff/login", signed_in("juge")), "Location"), "/evaluator");
}

TEST_F(NewSessionTest, CreationNeedsTheCsrfField) {
  const std::string trainer = signed_in("marie");
  const std::size_t before = session_count();
  const std::string fields = "lab=demo&candidates=alice%0D%0Abob&name=matin";
  EXPECT_EQ(browse("POST", "/trainer/sessions/new", trainer, fields).status, 403);
  std::string wrong = csrf_value();
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  EXPECT_EQ(browse("POST", "/trainer/sessions/new", trainer, "csrf=" + wrong + "&" + fields).status,
            403);
  EXPECT_EQ(session_count(), before);
}

TEST_F(NewSessionTest, CreatesTheSessionThroughTheServiceUnderThePersonsName) {
  const std::string trainer = signed_in("marie");
  HttpResponse r = post_form(
      trainer, "lab=demo&name=matin&check_interval=2m&feedback=on&candidate_resets=on&candidates=" +
                   encode("name,display name\r\nalice,Alice Martin\r\n\r\nbob;\"Bob, Jr\"\r\n"));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "Location"), "/trainer/sessions/matin");
  auto s = store_->get_session("matin");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->lab_id, "demo");
  EXPECT_TRUE(s->feedback);
  EXPECT_TRUE(s->candidate_resets);
  ASSERT_TRUE(s->check_interval.has_value());
  EXPECT_EQ(s->check_interval->count(), 120);
  EXPECT_EQ(s->created_by, "user:marie");
  auto labs = store_->list_candidate_labs("matin");
  ASSERT_TRUE(labs.ok());
  ASSERT_EQ(labs->size(), 2u);
  EXPECT_EQ((*labs)[0].candidate, "alice");
  EXPECT_EQ((*labs)[1].candidate, "bob");
  auto log = store_->list_audit();
  ASSERT_TRUE(log.ok());
  bool audited = false;
  for (const auto& e : *log)
    audited = audited || (e.actor == "user:marie" && e.action == "session.create" &&
                          e.target == "session matin");
  EXPECT_TRUE(audited);
  // The display names typed are kept with the candidates (issue #15).
  EXPECT_EQ((*labs)[0].display_name, "Alice Martin");
  EXPECT_EQ((*labs)[1].display_name, "Bob, Jr");
  // The session's page shows both, each with the name people read; without a name, one is drawn.
  HttpResponse page = browse("GET", "/trainer/sessions/matin", trainer);
  EXPECT_NE(page.body.find("data-candidate=\"alice\""), std::string::npos);
  EXPECT_NE(page.body.find("data-candidate=\"bob\""), std::string::npos);
  EXPECT_NE(page.body.find("alice <span class=\"display-name\">Alice Martin</span></th>"),
            std::string::npos);
  EXPECT_NE(page.body.find("bob <span class=\"display-name\">Bob, Jr</span></th>"),
            std::string::npos);
  // A display name the service refuses (a control character) comes back as the form's error.
  HttpResponse bad = post_form(trainer, "lab=demo&candidates=" + encode("dan,Dan\x01Roux"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("control characters"), std::string::npos);
  HttpResponse drawn = post_form(trainer, "lab=demo&candidates=carol");
  ASSERT_EQ(drawn.status, 303) << drawn.body;
  EXPECT_TRUE(header(drawn, "Location").starts_with("/trainer/sessions/s"))
      << header(drawn, "Location");
}

// "Created by" names a person or a token's label, never a token's id (issue #15): a session made
// with the CLI's token shows its label, one made from the form the person's name.
TEST_F(NewSessionTest, CreatedByShowsTheTokensLabelOrThePersonsName) {
  const std::string trainer = signed_in("marie");
  tokens_["cli"] = token(store::Role::kTrainer, {}, {}, "cli");
  tokens_["bare"] = token(store::Role::kTrainer, {}, {}, "");
  ASSERT_EQ(
      handle("POST", "/sessions", "cli", R"({"lab":"demo","candidates":["x1"],"name":"par_cli"})")
          .status,
      201);
  ASSERT_EQ(
      handle("POST", "/sessions", "bare", R"({"lab":"demo","candidates":["x1"],"name":"sans_nom"})")
          .status,
      201);
  ASSERT_EQ(post_form(trainer, "lab=demo&name=par_marie&candidates=x1").status, 303);
  auto by_cli = store_->get_session("par_cli");
  ASSERT_TRUE(by_cli.ok());
  const std::string id = by_cli->created_by;  // the token's id, as the store keeps it
  ASSERT_FALSE(id.empty());
  for (const std::string target : {"/trainer", "/evaluator"}) {
    HttpResponse fr = browse("GET", target + "?lang=fr", trainer);
    ASSERT_EQ(fr.status, 200) << target;
    EXPECT_EQ(fr.body.find(id), std::string::npos) << target << ": the raw token id is shown";
    EXPECT_NE(fr.body.find("<td>cli (jeton)</td>"), std::string::npos) << target;
    EXPECT_NE(fr.body.find("<td>jeton sans libellé</td>"), std::string::npos) << target;
    EXPECT_NE(fr.body.find("<td>marie</td>"), std::string::npos) << target;
    EXPECT_EQ(fr.body.find("user:marie"), std::string::npos) << target;
    HttpResponse en = browse("GET", target + "?lang=en", trainer);
    EXPECT_NE(en.body.find("<td>cli (token)</td>"), std::string::npos) << target;
    EXPECT_NE(en.body.find("<td>token without a label</td>"), std::string::npos) << target;
  }
  // The filter matches what is shown.
  HttpResponse filtered = browse("GET", "/trainer?q=jeton", trainer);
  EXPECT_NE(filtered.body.find("href=\"/trainer/sessions/par_cli\""), std::string::npos);
  EXPECT_EQ(filtered.body.find("href=\"/trainer/sessions/par_marie\""), std::string::npos);
}

// A refusal comes back as the form with the message POST /sessions gives the same input, and the
// values typed kept; nothing is created.
TEST_F(NewSessionTest, RefusalsShowTheServicesMessageWithTheValuesKept) {
  const std::string trainer = signed_in("marie");
  const std::size_t before = session_count();
  struct Case {
    std::string form, json;
    int status;
  };
  const Case cases[] = {
      {"lab=demo&check_interval=2m&candidates=" + encode("alice\nBob"),
       R"({"lab":"demo","candidates":["alice","Bob"]})", 400},
      {"lab=demo&candidates=" + encode("alice\nalice"),
       R"({"lab":"demo","candidates":["alice","alice"]})", 400},
      {"lab=demo&candidates=", R"({"lab":"demo","candidates":[]})", 400},
      {"lab=demo&name=s1&candidates=alice", R"({"lab":"demo","name":"s1","candidates":["alice"]})",
       409},
      {"lab=nolab&candidates=alice", R"({"lab":"nolab","candidates":["alice"]})", 404},
      {"lab=demo&check_interval=soon&candidates=alice",
       R"({"lab":"demo","check_interval":"soon","candidates":["alice"]})", 400},
  };
  for (const auto& c : cases) {
    HttpResponse api = handle("POST", "/sessions", "trainer", c.json);
    ASSERT_EQ(api.status, c.status) << c.json << " " << api.body;
    std::string message(parse(api).at("error").at("message").as_string());
    HttpResponse page = post_form(trainer, c.form);
    EXPECT_EQ(page.status, c.status) << c.form;
    EXPECT_NE(page.body.find(text::escape_html(message)), std::string::npos) << c.form << "\n"
                                                                             << message;
    EXPECT_NE(page.body.find("role=\"alert\""), std::string::npos);
  }
  EXPECT_EQ(session_count(), before);
  // The values typed are kept: the lab chosen, the list, the interval.
  HttpResponse kept = post_form(trainer, cases[0].form);
  EXPECT_NE(kept.body.find("value=\"demo\" aria-describedby=\"lab-demo-facts\" checked"),
            std::string::npos);
  EXPECT_NE(kept.body.find(">alice\nBob</textarea>"), std::string::npos);
  EXPECT_NE(kept.body.find("name=\"check_interval\" type=\"text\" value=\"2m\""),
            std::string::npos);
}

TEST_F(NewSessionTest, OffersTheLabsWithTheirMemoryAgainstWhatTheHostsHaveLeft) {
  // A lab with an error is named, not offered; a folder without lab.yaml is not a lab.
  std::filesystem::create_directories(labs_ / "casse");
  std::ofstream(labs_ / "casse" / "lab.yaml") << "id: casse\ntitle: 3\n";
  std::filesystem::create_directories(labs_ / "notes");
  const std::string trainer = signed_in("marie");
  HttpResponse fr = browse("GET", "/trainer/sessions/new", trainer);
  ASSERT_EQ(fr.status, 200) << fr.body;
  EXPECT_NE(fr.body.find("<html lang=\"fr\""), std::string::npos);
  EXPECT_NE(fr.body.find("Démo : un serveur de fichiers et son poste client"), std::string::npos);
  EXPECT_NE(fr.body.find("<dd>C01, C03, C07, C09</dd>"), std::string::npos);
  EXPECT_NE(fr.body.find("<dd>1 h 00 min</dd>"), std::string::npos);
  // Two guests of 256 MiB, each with QEMU's 256 MiB: 1 GiB a candidate.
  EXPECT_NE(fr.body.find("<dd>1,0 Gio (machines 512 Mio + QEMU)</dd>"), std::string::npos);
  EXPECT_NE(fr.body.find("casse: "), std::string::npos);
  EXPECT_EQ(fr.body.find("value=\"casse\""), std::string::npos);
  EXPECT_EQ(fr.body.find("value=\"images\""), std::string::npos);
  EXPECT_NE(fr.body.find("inconnue"), std::string::npos);  // no host read yet
  // The reconciler has read an 8 GiB host (10% kept for it) and placed one lab of s1 there.
  ASSERT_TRUE(store_->upsert_host({"h1", "test:///default", 8ull << 30, 4, true}).ok());
  auto placed = store_->get_candidate_lab("s1", "c01");
  ASSERT_TRUE(placed.ok());
  placed->host = "h1";
  ASSERT_TRUE(store_->update_candidate_lab(*placed).ok());
  HttpResponse en = browse("GET", "/trainer/sessions/new?lang=en", trainer);
  EXPECT_NE(en.body.find("Demo: a file server and its client"), std::string::npos);
  EXPECT_NE(en.body.find("Host memory left: <strong>6.2 GiB</strong> of 7.2 GiB (1 host(s))"),
            std::string::npos)
      << en.body;
  EXPECT_NE(en.body.find("<dt>Candidates that fit now</dt><dd>6</dd>"), std::string::npos);
}

// GET /labs gives scripts what the form shows: each lab's hosts with their memory and vCPUs, the
// lab's sums, placement's count, and how many more fit once the reconciler has read a host.
TEST_F(NewSessionTest, ListLabsGivesEachLabsNeedsAndHowManyFit) {
  std::filesystem::create_directories(labs_ / "casse");
  std::ofstream(labs_ / "casse" / "lab.yaml") << "id: casse\ntitle: 3\n";
  HttpResponse before = handle("GET", "/labs", "trainer");
  ASSERT_EQ(before.status, 200) << before.body;
  json::object b = parse(before).as_object();
  EXPECT_TRUE(b.at("hypervisors").as_array().empty());
  const json::object* demo = nullptr;
  for (const auto& l : b.at("labs").as_array()) {
    if (l.at("id") == "demo") demo = &l.as_object();
  }
  ASSERT_NE(demo, nullptr) << before.body;
  EXPECT_EQ(demo->at("title").at("fr"), "Démo : un serveur de fichiers et son poste client");
  const json::array& hosts = demo->at("hosts").as_array();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].at("name"), "server");
  EXPECT_EQ(hosts[0].at("memory_bytes").to_number<std::uint64_t>(), 256ull << 20);
  EXPECT_EQ(hosts[0].at("vcpus").to_number<int>(), 1);
  EXPECT_EQ(demo->at("guest_memory_bytes").to_number<std::uint64_t>(), 512ull << 20);
  EXPECT_EQ(demo->at("vcpus").to_number<int>(), 2);
  EXPECT_EQ(demo->at("demand_bytes").to_number<std::uint64_t>(), 1ull << 30);  // + QEMU's own
  EXPECT_TRUE(demo->at("fits").is_null());  // no host read yet: unknown, not 0
  ASSERT_EQ(b.at("broken").as_array().size(), 1u);
  EXPECT_EQ(b.at("broken").as_array()[0].at("id"), "casse");
  EXPECT_FALSE(b.at("broken").as_array()[0].at("error").as_string().empty());

  // The same 8 GiB host as the form's test, one lab of s1 placed on it: 6 more demo labs fit.
  ASSERT_TRUE(store_->upsert_host({"h1", "test:///default", 8ull << 30, 4, true}).ok());
  auto placed = store_->get_candidate_lab("s1", "c01");
  ASSERT_TRUE(placed.ok());
  placed->host = "h1";
  ASSERT_TRUE(store_->update_candidate_lab(*placed).ok());
  json::object after = parse(handle("GET", "/labs", "trainer")).as_object();
  const json::array& hv = after.at("hypervisors").as_array();
  ASSERT_EQ(hv.size(), 1u);
  EXPECT_EQ(hv[0].at("name"), "h1");
  EXPECT_EQ(hv[0].at("left_bytes").to_number<std::uint64_t>(),
            hv[0].at("usable_bytes").to_number<std::uint64_t>() - (1ull << 30));
  for (const auto& l : after.at("labs").as_array()) {
    if (l.at("id") == "demo") {
      EXPECT_EQ(l.at("fits").to_number<int>(), 6);
    }
  }
}

}  // namespace
}  // namespace atelier::api
