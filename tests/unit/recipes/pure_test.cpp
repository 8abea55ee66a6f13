// Table tests of the engine's pure parts: templates, when-expressions, diffs, line edits,
// dpkg/passwd/LDIF parsing, LDIF planning, target parsing. No system access.
#include <gtest/gtest.h>

#include "ansible-free-recipes/engine/diff.h"
#include "ansible-free-recipes/engine/expr.h"
#include "ansible-free-recipes/engine/mustache.h"
#include "ansible-free-recipes/engine/ops/ops.h"
#include "ansible-free-recipes/transport/target.h"

namespace atelier::recipes {
namespace {

Value ctx() {
  ValueMap facts{{"init", Value("systemd")}, {"os", Value("debian")}, {"os_version", Value("12")}};
  ValueMap m{{"domain", Value("lab.test")},
             {"port", Value(int64_t{25})},
             {"tls", Value(true)},
             {"empty", Value(ValueList{})},
             {"users", Value(ValueList{Value(ValueMap{{"name", Value("ann")}}),
                                       Value(ValueMap{{"name", Value("bob")}})})},
             {"pkgs", Value(ValueList{Value("postfix"), Value("dovecot-imapd")})},
             {"facts", Value(facts)}};
  return Value(m);
}

TEST(Mustache, RendersTable) {
  struct Case {
    const char* tmpl;
    const char* want;
  } cases[] = {
      {"plain", "plain"},
      {"myhostname = mail.{{domain}}", "myhostname = mail.lab.test"},
      {"{{ domain }}:{{port}}", "lab.test:25"},
      {"{{{domain}}} {{&domain}}", "lab.test lab.test"},
      {"init={{facts.init}}", "init=systemd"},
      {"{{pkgs}}", "postfix dovecot-imapd"},
      {"{{#users}}{{name}},{{/users}}", "ann,bob,"},
      {"{{#pkgs}}[{{.}}]{{/pkgs}}", "[postfix][dovecot-imapd]"},
      {"{{#tls}}on{{/tls}}{{^tls}}off{{/tls}}", "on"},
      {"{{^empty}}none{{/empty}}", "none"},
      {"a\n{{#users}}\nuser {{name}}\n{{/users}}\nb\n",
       "a\nuser ann\nuser bob\nb\n"},  // standalone lines
      {"  {{! a comment }}\nx", "x"},
      {"<&>{{domain}}", "<&>lab.test"},  // never HTML-escaped
      {"{{#facts}}{{os}}-{{os_version}}{{/facts}}", "debian-12"},
  };
  for (const auto& c : cases) {
    auto r = render_string(c.tmpl, ctx());
    ASSERT_TRUE(r.ok()) << c.tmpl << ": " << r.error().to_string();
    EXPECT_EQ(*r, c.want) << c.tmpl;
  }
}

TEST(Mustache, ErrorsSayWhatAndWhere) {
  struct Case {
    const char* tmpl;
    const char* needle;
  } cases[] = {
      {"x {{domian}}", "unknown name 'domian'"},
      {"line\n  {{#users}}x", "line 2, column 3: section 'users' is never closed"},
      {"{{#a}}{{/b}}", "closes section 'a'"},
      {"{{x", "without a closing"},
      {"{{>partial}}", "partials"},
      {"{{facts}}", "is a map"},
      {"{{facts.nope}}", "unknown name 'facts.nope'"},
  };
  for (const auto& c : cases) {
    auto r = render_string(c.tmpl, ctx());
    ASSERT_FALSE(r.ok()) << c.tmpl;
    EXPECT_NE(r.error().message().find(c.needle), std::string::npos)
        << c.tmpl << " -> " << r.error().message();
  }
}

TEST(Expr, EvaluatesTable) {
  struct Case {
    const char* text;
    bool want;
  } cases[] = {
      {"facts.init == 'systemd'", true},
      {"facts.init != \"systemd\"", false},
      {"facts.os_version == 12", true},  // text comparison between string and int
      {"port == 25 and tls", true},
      {"not tls or port == 26", false},
      {"not (tls and port == 25)", false},
      {"'postfix' in pkgs", true},
      {"'exim4' not in pkgs", true},
      {"facts.os in ['debian', 'ubuntu']", true},
      {"'lab' in domain", true},
      {"'init' in facts", true},
      {"empty", false},
      {"domain", true},
      {"true and false or true", true},
      {"false or false", false},
  };
  for (const auto& c : cases) {
    auto e = Expr::parse(c.text);
    ASSERT_TRUE(e.ok()) << c.text << ": " << e.error().to_string();
    auto v = e->evaluate(ctx());
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.error().to_string();
    EXPECT_EQ(*v, c.want) << c.text;
  }
}

TEST(Expr, ParseAndRunErrors) {
  for (const char* bad : {"facts.init ==", "a = b", "(a", "and a", "'open", "a b"}) {
    EXPECT_FALSE(Expr::parse(bad).ok()) << bad;
  }
  auto e = Expr::parse("facts.nope == 1");
  ASSERT_TRUE(e.ok());
  auto v = e->evaluate(ctx());
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().to_string().find("unknown name 'facts.nope'"), std::string::npos);
  auto col = Expr::parse("a == == b");
  ASSERT_FALSE(col.ok());
  EXPECT_NE(col.error().message().find("column 6"), std::string::npos) << col.error().message();
}

TEST(Diff, UnifiedHunks) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "f"), "");
  auto d = unified_diff("a\nb\nc\n", "a\nB\nc\n", "/etc/x");
  EXPECT_EQ(d, "--- /etc/x (before)\n+++ /etc/x (after)\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  auto added = unified_diff("", "new\n", "f");
  EXPECT_NE(added.find("+new"), std::string::npos);
  auto nonl = unified_diff("x", "x\n", "f");
  EXPECT_NE(nonl.find("No newline"), std::string::npos);
}

LineOp line_op(std::optional<std::string> regex, std::optional<std::string> line,
               PresenceState st = PresenceState::kPresent, bool create = false) {
  LineOp op;
  op.path = "/etc/f";
  op.regex = std::move(regex);
  op.line = std::move(line);
  op.state = st;
  op.create = create;
  return op;
}

TEST(LineEdit, Table) {
  struct Case {
    std::optional<std::string> before;
    LineOp op;
    bool changed;
    std::string after;
  } cases[] = {
      {"a=1\nb=2\n", line_op("^b=", "b=3"), true, "a=1\nb=3\n"},
      {"a=1\nb=3\n", line_op("^b=", "b=3"), false, "a=1\nb=3\n"},
      {"a=1\n", line_op("^b=", "b=3"), true, "a=1\nb=3\n"},
      {"a=1", line_op(std::nullopt, "b=3"), true, "a=1\nb=3\n"},  // missing final newline
      {"b=1\nb=2\n", line_op("^b=", "b=9"), true, "b=1\nb=9\n"},  // the last match is replaced
      {"x\nb=3\n", line_op(std::nullopt, "b=3"), false, "x\nb=3\n"},
      {"a\n#x\nb\n#y\n", line_op("^#", std::nullopt, PresenceState::kAbsent), true, "a\nb\n"},
      {"a\nb\n", line_op(std::nullopt, "c", PresenceState::kAbsent), false, "a\nb\n"},
      {std::nullopt, line_op(std::nullopt, "new", PresenceState::kPresent, true), true, "new\n"},
      {std::nullopt, line_op(std::nullopt, "gone", PresenceState::kAbsent), false, ""},
  };
  for (const auto& c : cases) {
    auto r = edit_lines(c.before, c.op);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->changed, c.changed) << c.before.value_or("<none>");
    if (c.changed) {
      EXPECT_EQ(r->content, c.after) << c.before.value_or("<none>");
    }
  }
  EXPECT_FALSE(edit_lines(std::nullopt, line_op(std::nullopt, "x")).ok());  // no create
}

TEST(Parsers, DpkgAptPasswdGroup) {
  auto d = parse_dpkg_query("base-files\tii \t12.4\nold-tool\trc \t1.0\nlibc6:amd64\tii \t2.36\n");
  EXPECT_TRUE(d["base-files"].installed());
  EXPECT_FALSE(d["old-tool"].installed());
  EXPECT_FALSE(d["old-tool"].present_at_all());
  EXPECT_TRUE(d["libc6"].installed());
  auto p = parse_apt_policy(
      "nginx:\n  Installed: (none)\n  Candidate: 1.22\n  Version table:\ncurl:\n  Installed: "
      "7.88\n  Candidate: 7.88\n");
  EXPECT_EQ(p["nginx"].first, "(none)");
  EXPECT_EQ(p["nginx"].second, "1.22");
  EXPECT_EQ(p["curl"].first, p["curl"].second);
  auto u =
      parse_passwd("root:x:0:0:root:/root:/bin/bash\nann:x:1001:100:Ann A:/home/ann:\nbad line\n");
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].uid, 1001);
  EXPECT_EQ(u[1].comment, "Ann A");
  EXPECT_EQ(u[1].shell, "");
  auto g = parse_group("staff:x:50:ann,bob\nusers:x:100:\n");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].members, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_TRUE(g[1].members.empty());
}

TEST(Ldif, ParseAndPlan) {
  auto e = parse_ldif_entry(
      "dn: uid=ann,ou=people,dc=lab\nobjectClass: top\nobjectClass: inetOrgPerson\ncn: Ann\n  "
      "Smith\nsn:: U21pdGg=\n\n");
  EXPECT_EQ(e["objectclass"].size(), 2u);
  EXPECT_EQ(e["cn"][0], "Ann Smith");
  EXPECT_EQ(e["sn"][0], "Smith");
  LdapEntryOp op;
  op.dn = "uid=ann,ou=people,dc=lab";
  op.attributes = {{"cn", {"Ann Smith"}}, {"sn", {"Smith"}}};
  EXPECT_EQ(plan_ldif(e, op), "");  // already so
  op.attributes["mail"] = {"ann@lab"};
  EXPECT_EQ(plan_ldif(e, op),
            "dn: uid=ann,ou=people,dc=lab\nchangetype: modify\nreplace: mail\nmail: ann@lab\n-\n");
  auto add = plan_ldif(std::nullopt, op);
  EXPECT_NE(add.find("changetype: add\n"), std::string::npos);
  EXPECT_NE(add.find("mail: ann@lab\n"), std::string::npos);
  op.attributes["description"] = {" leading space"};
  EXPECT_NE(plan_ldif(e, op).find("description:: "),
            std::string::npos);  // base64 for unsafe values
  op.state = PresenceState::kAbsent;
  EXPECT_EQ(plan_ldif(e, op), "dn: uid=ann,ou=people,dc=lab\nchangetype: delete\n");
  EXPECT_EQ(plan_ldif(std::nullopt, op), "");
}

TEST(Target, ParsesForms) {
  auto s = transport::parse_target("ssh://admin@10.0.0.5:2222");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, transport::TransportKind::kSsh);
  EXPECT_EQ(s->ssh.user, "admin");
  EXPECT_EQ(s->ssh.host, "10.0.0.5");
  EXPECT_EQ(s->ssh.port, 2222);
  auto d = transport::parse_target("ssh://host.lab");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ssh.user, "root");
  EXPECT_EQ(d->ssh.port, 22);
  auto v6 = transport::parse_target("ssh://root@[::1]:22");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->ssh.host, "::1");
  auto c = transport::parse_target("chroot:///srv/root/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->root, "/srv/root");
  EXPECT_EQ(transport::parse_target("local")->kind, transport::TransportKind::kLocal);
  for (const char* bad : {"ssh://", "ssh://h:0", "ssh://h:99999", "ssh://@h", "chroot://rel",
                          "chroot:///", "ftp://x", "h:22"}) {
    auto r = transport::parse_target(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("expected local"), std::string::npos);
    }
  }
}

TEST(ShellQuote, Words) {
  EXPECT_EQ(transport::shell_quote("abc-1.2"), "abc-1.2");
  EXPECT_EQ(transport::shell_quote(""), "''");
  EXPECT_EQ(transport::shell_quote("a b"), "'a b'");
  EXPECT_EQ(transport::shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(transport::shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
}

}  // namespace
}  // namespace atelier::recipes
