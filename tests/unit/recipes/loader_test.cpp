// The recipe loader: a valid recipe becomes typed steps; every kind of mistake is reported as
// FILE:LINE:COL: error: MESSAGE. Also: every recipe shipped under ansible-free-recipes/recipes
// loads.
#include <gtest/gtest.h>

#include <filesystem>

#include "ansible-free-recipes/engine/loader.h"
#include "tests/unit/recipes/test_roots.h"

namespace atelier::recipes {
namespace {

const char* kGood = R"(recipe: mail
description: Postfix for one domain
params:
  domain: {type: string}
  mailboxes: {type: list, default: [ann, bob]}
  port: {type: int, default: 25}
  tls: {type: bool, default: true}
steps:
  - name: Postfix is installed
    package: {names: [postfix, bsd-mailx], state: present}
  - file: {path: /etc/mailname, content: "{{domain}}\n", mode: "0644", owner: root}
    notify: reload postfix
  - line: {path: /etc/hosts, regex: '^127\.0\.1\.1', line: "127.0.1.1 mail.{{domain}} mail"}
  - command: {run: newaliases, creates: /etc/aliases.db}
    register: aliases
  - service: {name: postfix, state: started, enabled: true}
    when: "facts.init == 'systemd' and tls"
handlers:
  reload postfix:
    service: {name: postfix, state: reloaded}
)";

TEST(Loader, LoadsTypedSteps) {
  auto r = load_recipe_text(kGood, "mail.yaml", ".");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->id, "mail");
  ASSERT_EQ(r->steps.size(), 5u);
  ASSERT_EQ(r->handlers.size(), 1u);
  auto* pkg = std::get_if<PackageOp>(&r->steps[0].op);
  ASSERT_NE(pkg, nullptr);
  EXPECT_EQ(pkg->names, (std::vector<std::string>{"postfix", "bsd-mailx"}));
  auto* file = std::get_if<FileOp>(&r->steps[1].op);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->mode, 0644u);
  EXPECT_EQ(r->steps[1].name, "file /etc/mailname");
  EXPECT_EQ(r->steps[1].notify, (std::vector<std::string>{"reload postfix"}));
  EXPECT_EQ(r->steps[3].register_as, "aliases");
  EXPECT_TRUE(r->steps[4].when.has_value());
  EXPECT_EQ(r->steps[4].pos.line, 16);
  EXPECT_EQ(r->params.at("port").default_value->as_int()
                ? *r->params.at("port").default_value->as_int()
                : 0,
            25);
  EXPECT_FALSE(r->params.at("domain").default_value.has_value());
}

TEST(Loader, ErrorsCarryFileLineColumn) {
  struct Case {
    std::string yaml;
    std::string want;
  } cases[] = {
      {"recipe: x\nsteps:\n  - packgae: {names: [a]}\n",
       "r.yaml:3:5: error: unknown key 'packgae' in a step"},
      {"recipe: x\nstep: []\n", "r.yaml:2:1: error: unknown top-level key 'step'"},
      {"recipe: x\nsteps:\n  - file: {path: /a, mode: 644x}\n",
       "r.yaml:3:28: error: file.mode: '644x' is not an octal mode"},
      {"recipe: x\nsteps:\n  - file: {path: /a, colour: red}\n",
       "r.yaml:3:22: error: file: unknown argument 'colour'"},
      {"recipe: x\nsteps:\n  - file: {path: /a}\n    line: {path: /a, line: b}\n",
       "r.yaml:4:5: error: a step has one op"},
      {"recipe: x\nsteps:\n  - file: {path: /a}\n    notify: nope\n",
       "r.yaml:3:5: error: notify: no handler named 'nope'"},
      {"recipe: x\nsteps:\n  - name: only a name\n", "r.yaml:3:5: error: step has no op"},
      {"recipe: x\nparams:\n  n: {type: integer}\nsteps: []\n",
       "r.yaml:3:13: error: params.n.type: 'integer' is not one of"},
      {"recipe: x\nparams:\n  n: {type: int, default: abc}\nsteps: []\n",
       "r.yaml:3:27: error: params.n.default: expected a int"},
      {"recipe: x\nsteps:\n  - command: {run: x}\n    when: \"a ==\"\n",
       "r.yaml:4:11: error: when: column 5: expression ends too early"},
      {"recipe: x\nsteps:\n  - file: {path: /a, content: \"{{#x}}\"}\n",
       "r.yaml:3:11: error: file: template in '{{#x}}'"},
      {"recipe: x\nsteps:\n  - service: {name: a}\n",
       "r.yaml:3:14: error: service: give state, enabled, or both"},
      {"recipe: x\nsteps:\n  - package: {state: present}\n",
       "r.yaml:3:14: error: package: missing required argument 'names'"},
      {"recipe: x\nsteps: [\n", "r.yaml:3:1: error: YAML:"},
      {"recipe: Bad Id\nsteps: []\n", "r.yaml:1:9: error: recipe: expected an id"},
      {"recipe: x\nsteps:\n  - line: {path: /a, regex: '([', line: b}\n",
       "error: line: regex '([' is invalid"},
      {"recipe: x\nsteps:\n  - file: {path: /a, template: nope.mustache}\n",
       "error: template file ./nope.mustache not found in the recipes folder"},
  };
  for (const auto& c : cases) {
    auto r = load_recipe_text(c.yaml, "r.yaml", ".");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.want), std::string::npos)
        << "want: " << c.want << "\ngot:  " << r.error().message();
  }
}

TEST(Loader, ReportsAllProblemsAtOnce) {
  auto r = load_recipe_text("recipe: x\nsteps:\n  - bogus: 1\n  - file: {path: /a, mode: 9}\n",
                            "r.yaml", ".");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("r.yaml:3:"), std::string::npos);
  EXPECT_NE(r.error().message().find("r.yaml:4:"), std::string::npos);
}

TEST(Loader, BindParams) {
  auto r = load_recipe_text(kGood, "mail.yaml", ".");
  ASSERT_TRUE(r.ok());
  auto p = bind_params(*r, {{"domain", "lab.test"}, {"port", "587"}, {"mailboxes", "[carl]"}});
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(*p->at("port").as_int(), 587);
  EXPECT_EQ(p->at("mailboxes").as_list()->size(), 1u);
  EXPECT_EQ(*p->at("tls").as_bool(), true);  // default
  auto missing = bind_params(*r, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("parameter 'domain' (string) is required"),
            std::string::npos);
  auto wrong = bind_params(*r, {{"domain", "d"}, {"port", "many"}, {"colour", "red"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("--var port=many: expected a int"), std::string::npos);
  EXPECT_NE(wrong.error().message().find("--var colour: recipe 'mail' has no such parameter"),
            std::string::npos);
}

TEST(Loader, TemplateFileRelativeToRecipe) {
  testing::TempDir dir;
  testing::write_text(dir.path() / "templates/motd.mustache", "Welcome to {{domain}}\n");
  testing::write_text(dir.path() / "r.yaml",
                      "recipe: r\nparams: {domain: {type: string}}\nsteps:\n  - file: {path: "
                      "/etc/motd, template: templates/motd.mustache}\n");
  auto r = load_recipe_file((dir.path() / "r.yaml").string());
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto* f = std::get_if<FileOp>(&r->steps[0].op);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->template_text, "Welcome to {{domain}}\n");
}

// Issue #19: what atelierd runs comes from beneath the recipes folder only. A recipe file or a
// template reached through a symlink or '..' out of it is refused, naming the path; a symlink
// that stays inside is followed.
TEST(Loader, RecipesAndTemplatesStayBeneathTheRecipesRoot) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  fs::path root = dir.path() / "recipes";
  testing::write_text(dir.path() / "outside/evil.yaml",
                      "recipe: evil\nsteps:\n  - command: {run: 'touch /owned'}\n");
  testing::write_text(dir.path() / "outside/secret.mustache", "secret\n");
  testing::write_text(root / "roles/templates/ok.mustache", "ok\n");
  testing::write_text(
      root / "roles/good.yaml",
      "recipe: good\nsteps:\n  - file: {path: /a, template: templates/ok.mustache}\n");
  fs::create_directories(root / "incidents");
  fs::create_symlink(dir.path() / "outside/evil.yaml", root / "incidents/evil.yaml");
  fs::create_symlink("ok.mustache", root / "roles/templates/same.mustache");
  testing::write_text(
      root / "roles/alias.yaml",
      "recipe: alias\nsteps:\n  - file: {path: /a, template: templates/same.mustache}\n");
  fs::create_symlink(dir.path() / "outside/secret.mustache",
                     root / "roles/templates/leak.mustache");
  testing::write_text(
      root / "roles/leaky.yaml",
      "recipe: leaky\nsteps:\n  - file: {path: /a, template: templates/leak.mustache}\n");
  testing::write_text(
      root / "roles/dotdot.yaml",
      "recipe: dotdot\nsteps:\n  - file: {path: /a, template: ../../outside/secret.mustache}\n");
  testing::write_text(root / "roles/absolute.yaml",
                      "recipe: absolute\nsteps:\n  - file: {path: /a, template: " +
                          (dir.path() / "outside/secret.mustache").string() + "}\n");

  auto good = load_recipe_beneath(root, "roles/good.yaml");
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ(std::get<FileOp>(good->steps[0].op).template_text, "ok\n");
  auto alias = load_recipe_beneath(root, "roles/alias.yaml");
  ASSERT_TRUE(alias.ok()) << alias.error().message();
  EXPECT_EQ(std::get<FileOp>(alias->steps[0].op).template_text, "ok\n");

  auto evil = load_recipe_beneath(root, "incidents/evil.yaml");
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(evil.error().message().find((root / "incidents/evil.yaml").string()), std::string::npos)
      << evil.error().message();
  EXPECT_NE(evil.error().message().find("leads out of the recipes folder"), std::string::npos);
  EXPECT_EQ(load_recipe_beneath(root, "../outside/evil.yaml").error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(load_recipe_beneath(root, "roles/none.yaml").error().code(), ErrorCode::kNotFound);

  for (const char* name : {"leaky", "dotdot", "absolute"}) {
    auto r = load_recipe_beneath(root, std::string("roles/") + name + ".yaml");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.error().message().find("template file"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find("secret\n"), std::string::npos);
  }
  auto leaky = load_recipe_beneath(root, "roles/leaky.yaml");
  EXPECT_NE(leaky.error().message().find("templates/leak.mustache leads out of the recipes folder"),
            std::string::npos)
      << leaky.error().message();
}

TEST(Recipes, EveryShippedRecipeLoads) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(ATELIER_SOURCE_DIR) / "ansible-free-recipes/recipes";
  int count = 0;
  auto bench =
      load_recipe_file((fs::path(ATELIER_SOURCE_DIR) / "bench/recipes/play.yaml").string());
  EXPECT_TRUE(bench.ok()) << (bench.ok() ? "" : bench.error().message());
  if (bench.ok()) {
    EXPECT_GE(bench->steps.size(), 20u);
  }
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".yml") continue;
    ++count;
    auto r = load_recipe_file(e.path().string());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  }
  EXPECT_GT(count, 0) << "no recipe found under " << root;
}

}  // namespace
}  // namespace atelier::recipes
