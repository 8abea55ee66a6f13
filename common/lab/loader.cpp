// The lab loader: YAML text -> Lab (parse), then the files it names (tickets, recipes), then the
// pure validation of references (validate.cpp). Every error is collected, none stops the rest.
#include "common/lab/loader.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/lab/check_fields.h"
#include "common/lab/names.h"
#include "common/lab/yaml_reader.h"
#include "common/text/regex.h"

namespace atelier::lab {

using detail::Ctx;
using detail::MapReader;
using detail::mark_of;

namespace {

// ---- checks ------------------------------------------------------------------------------

// Reads the fields of one check kind through check_fields.h's lists.
struct KindReader {
  MapReader& r;
  template <class T>
  void req(std::string_view key, T& out) {
    r.req(key, out);
  }
  template <class T>
  void opt(std::string_view key, T& out) {
    r.opt(key, out);
  }
};

bool has_template(std::string_view s) { return s.find("{{") != std::string_view::npos; }

// Field-level rules beyond types; `r` gives the positions.
class KindRules {
 public:
  explicit KindRules(MapReader& r) : r_(r) {}

  void operator()(const checks::FileCheck& c) {
    static const std::regex kMode("0?[0-7]{3,4}");
    if (c.mode && !has_template(*c.mode) && !std::regex_match(*c.mode, kMode)) {
      bad("mode", "'mode': expected an octal mode like \"0644\", got '" + *c.mode + "'");
    }
    static const std::regex kSha("[0-9a-f]{64}");
    if (c.sha256 && !has_template(*c.sha256) && !std::regex_match(*c.sha256, kSha)) {
      bad("sha256", "'sha256': expected 64 lowercase hex digits");
    }
    regex_ok("regex", c.regex);
  }
  void operator()(const checks::CommandCheck& c) {
    if (c.exit_code < 0 || c.exit_code > 255) bad("exit_code", "'exit_code': expected 0 to 255");
    regex_ok("stdout_regex", c.stdout_regex);
  }
  void operator()(const checks::HttpCheck& c) {
    if (!has_template(c.url) && c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
      bad("url", "'url': expected an http:// or https:// URL, got '" + c.url + "'");
    }
    if (c.status < 100 || c.status > 599) bad("status", "'status': expected an HTTP status 100 to 599");
    regex_ok("body_regex", c.body_regex);
  }
  void operator()(const checks::LdapCheck& c) {
    if (!has_template(c.url) && c.url.rfind("ldap://", 0) != 0 && c.url.rfind("ldaps://", 0) != 0) {
      bad("url", "'url': expected an ldap:// or ldaps:// URL, got '" + c.url + "'");
    }
    if (c.count && *c.count < 0) bad("count", "'count': expected 0 or more");
    if (c.value && !c.attribute) bad("value", "'value' needs 'attribute': the attribute that must have it");
  }
  void operator()(const checks::SqlCheck& c) {
    if (c.count && *c.count < 0) bad("count", "'count': expected 0 or more");
  }
  void operator()(const checks::PingCheck& c) {
    if (c.count < 1 || c.count > 100) bad("count", "'count': expected 1 to 100");
  }
  void operator()(const checks::FirewallCheck& c) {
    static const std::vector<std::string> kFamilies = {"inet", "ip", "ip6", "arp", "bridge", "netdev"};
    if (std::find(kFamilies.begin(), kFamilies.end(), c.family) == kFamilies.end()) {
      bad("family", "'family': expected one of inet, ip, ip6, arp, bridge, netdev, got '" + c.family + "'");
    }
    if (c.policy && *c.policy != "accept" && *c.policy != "drop") {
      bad("policy", "'policy': expected accept or drop, got '" + *c.policy + "'");
    }
    if (c.policy && !c.chain) bad("policy", "'policy' needs 'chain': the chain whose policy it is");
  }
  void operator()(const checks::RouteCheck& c) {
    if (c.destination != "default" && !has_template(c.destination) &&
        !Ipv4Network::parse(c.destination).ok()) {
      bad("destination", "'destination': expected \"default\" or a network like 10.20.0.0/24, got '" +
                             c.destination + "'");
    }
    if (c.gateway && !has_template(*c.gateway) && !Ipv4Address::parse(*c.gateway)) {
      bad("gateway", "'gateway': expected an IPv4 address, got '" + *c.gateway + "'");
    }
  }
  void operator()(const checks::InterfaceCheck& c) {
    if (c.address && !has_template(*c.address)) {
      auto slash = c.address->find('/');
      bool good = slash != std::string::npos &&
                  Ipv4Address::parse(std::string_view(*c.address).substr(0, slash)) &&
                  Ipv4Network::parse("0.0.0.0" + c.address->substr(slash)).ok();
      if (!good) bad("address", "'address': expected an address with its prefix like 10.10.0.5/24, got '" + *c.address + "'");
    }
  }
  void operator()(const checks::DiskFreeCheck& c) {
    if (!c.min_free_bytes && !c.min_free_percent) {
      r_.ctx().error(r_.mark(), "a disk_free check needs 'min_free_bytes' or 'min_free_percent'");
    }
    if (c.min_free_percent && (*c.min_free_percent < 0 || *c.min_free_percent > 100)) {
      bad("min_free_percent", "'min_free_percent': expected 0 to 100");
    }
  }
  template <class T>
  void operator()(const T&) {}

 private:
  void bad(std::string_view key, std::string message) {
    for (auto& e : r_.entries()) {
      if (e.key == key) {
        r_.ctx().error(e.value, std::move(message));
        return;
      }
    }
    r_.ctx().error(r_.mark(), std::move(message));
  }
  void regex_ok(std::string_view key, const std::optional<std::string>& re) {
    if (!re || has_template(*re)) return;
    if (re->size() > 512) {
      bad(key, "'" + std::string(key) + "': regex longer than 512 characters");
      return;
    }
    if (auto compiled = text::Regex::compile(*re); !compiled) {
      bad(key, "'" + std::string(key) + "': " + compiled.error().message() +
                   " (RE2 syntax: no backreferences or lookaround)");
    }
  }
  MapReader& r_;
};

std::string kind_list() {
  std::string out;
  for (const char* k : checks::kCheckKindNames) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

bool parse_check(Ctx& ctx, const YAML::Node& n, const std::string& path, bool on_required,
                 checks::Check& out) {
  ctx.record(path, n);
  MapReader r(ctx, n, path, "a check", "", "a check: a map with one kind key such as file: or service:");
  if (!r.is_map()) return false;
  std::size_t errors_before = ctx.error_count();
  std::vector<std::pair<std::size_t, MapReader::Entry*>> kinds;
  bool unknown = false;
  for (auto& e : r.entries()) {
    bool is_kind = false;
    for (std::size_t i = 0; i < std::size(checks::kCheckKindNames); ++i) {
      if (e.key == checks::kCheckKindNames[i]) {
        kinds.emplace_back(i, &e);
        is_kind = true;
      }
    }
    if (!is_kind && e.key != "on" && e.key != "description" && e.key != "timeout") unknown = true;
  }
  for (const char* k : checks::kCheckKindNames) r.know(k);
  if (on_required) {
    r.req("on", out.on);
  } else {
    r.opt("on", out.on);
  }
  r.opt("description", out.description);
  r.opt("timeout", out.timeout);
  if (out.timeout.count() <= 0) {
    ctx.error(*r.get("timeout"), "'timeout': expected a duration above zero");
  }
  if (kinds.empty() && !unknown) {
    ctx.error(r.mark(), "a check needs one kind key: one of " + kind_list());
  } else if (kinds.size() > 1) {
    ctx.error(kinds[1].second->key_node, "a check has one kind, this one has '" +
                                             kinds[0].second->key + "' and '" +
                                             kinds[1].second->key + "'; write two checks");
  } else if (kinds.size() == 1) {
    auto& [index, entry] = kinds[0];
    entry->used = true;
    out.kind = checks::make_check_kind(index);
    std::string kind_name = entry->key;
    MapReader kr(ctx, entry->value, path + "." + kind_name, "the '" + kind_name + "' check",
                 kind_name, "a map of the " + kind_name + " check's fields");
    if (kr.is_map()) {
      std::size_t before = ctx.error_count();
      std::visit(
          [&](auto& kind) {
            KindReader v{kr};
            checks::visit_fields(kind, v);
          },
          out.kind);
      kr.finish();
      if (ctx.error_count() == before) std::visit(KindRules(kr), out.kind);
    }
  }
  r.finish();
  return ctx.error_count() == errors_before;
}

// ---- the lab -----------------------------------------------------------------------------

// Calls fn(item, index) for each item of a list; a null node is an empty list.
template <class Fn>
void for_list(Ctx& ctx, const YAML::Node* n, std::string_view key, std::string_view expect, Fn fn) {
  if (!n || n->IsNull()) return;
  if (!n->IsSequence()) {
    ctx.type_error(*n, key, expect);
    return;
  }
  std::size_t i = 0;
  for (const auto& item : *n) fn(item, i++);
}

std::string indexed(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// A list of names (roles, competencies), each position recorded at PATH[i].
void read_names(Ctx& ctx, const YAML::Node* n, std::string_view key, std::string_view expect,
                const std::string& path, std::vector<std::string>& out) {
  for_list(ctx, n, key, expect, [&](const YAML::Node& item, std::size_t i) {
    std::string s;
    if (!item.IsScalar()) {
      ctx.type_error(item, "", "a name");
      return;
    }
    ctx.record(indexed(path, i), item);
    if (detail::read(ctx, item, "", s)) out.push_back(std::move(s));
  });
}

bool read_params(Ctx& ctx, MapReader& r, std::string_view key, Params& out) {
  const YAML::Node* n = r.get(key);
  if (!n) return true;
  ctx.record(r.child(key), *n);
  if (n->IsNull()) return true;
  if (!n->IsMap()) {
    ctx.type_error(*n, key, "a map of argument names to values");
    return false;
  }
  Value v;
  bool ok = detail::read(ctx, *n, key, v);
  out = std::move(v.fields);
  return ok;
}

class LabParser {
 public:
  LabParser(Ctx& ctx, Lab& lab) : ctx_(ctx), lab_(lab) {}

  void parse(const YAML::Node& root) {
    MapReader top(ctx_, root, "", "the lab", "",
                  "a map with the keys lab, title, networks, hosts and tasks");
    if (!top.is_map()) return;
    top.req("lab", lab_.id);
    top.req("title", lab_.title);
    if (const YAML::Node* d = top.get("description")) {
      Text t;
      if (detail::read(ctx_, *d, "description", t)) lab_.description = t;
    }
    read_names(ctx_, top.get("competencies"), "competencies", "a list of competency codes",
               "competencies", lab_.competencies);
    top.opt("duration", lab_.duration);
    if (top.opt("check_interval", lab_.check_interval) && lab_.check_interval.count() < 1) {
      ctx_.error(*top.get("check_interval"), "'check_interval': expected a duration of at least 1s, like 30s or 2m");
    }
    variables(top.get("variables"));
    networks(top.need("networks"));
    hosts(top.need("hosts"));
    incidents(top.get("incidents"));
    tasks(top.need("tasks"));
    solution(top.get("solution"));
    top.finish();
  }

 private:
  void variables(const YAML::Node* n) {
    if (!n) return;
    MapReader all(ctx_, *n, "variables", "'variables'", "variables",
                  "a map of variable names to {choice: [...]}, {password: N} or {range: [MIN, MAX]}",
                  true);
    for (auto& e : all.entries()) {
      e.used = true;
      std::string path = "variables." + e.key;
      ctx_.record(path + ":key", e.key_node);
      ctx_.record(path, e.value);
      Variable var;
      var.name = e.key;
      MapReader r(ctx_, e.value, path, "variable '" + e.key + "'", e.key,
                  "{choice: [...]}, {password: N} or {range: [MIN, MAX]}");
      if (!r.is_map()) continue;
      const YAML::Node* choice = r.get("choice");
      const YAML::Node* password = r.get("password");
      const YAML::Node* range = r.get("range");
      int given = (choice ? 1 : 0) + (password ? 1 : 0) + (range ? 1 : 0);
      if (given != 1) {
        ctx_.error(r.mark(), "variable '" + e.key + "' needs exactly one of choice, password, range");
      } else if (choice) {
        ChoiceVariable c;
        if (!choice->IsSequence()) {
          ctx_.type_error(*choice, "choice", "a list of values");
        } else if (detail::read(ctx_, *choice, "choice", c.values)) {
          if (c.values.empty()) ctx_.error(*choice, "'choice': expected at least one value");
        }
        var.kind = std::move(c);
      } else if (password) {
        PasswordVariable p;
        if (detail::read(ctx_, *password, "password", p.length) && (p.length < 4 || p.length > 128)) {
          ctx_.error(*password, "'password': expected a length from 4 to 128");
        }
        var.kind = p;
      } else {
        RangeVariable rv;
        std::vector<std::string> bounds;
        bool good = range->IsSequence() && range->size() == 2;
        if (good) {
          int lo = 0, hi = 0;
          good = detail::read(ctx_, (*range)[0], "range", lo) &&
                 detail::read(ctx_, (*range)[1], "range", hi);
          if (good && lo > hi) {
            ctx_.error(*range, "'range': the minimum " + std::to_string(lo) +
                                   " is above the maximum " + std::to_string(hi));
          }
          rv.min = lo;
          rv.max = hi;
        } else {
          ctx_.type_error(*range, "range", "[MIN, MAX]");
        }
        var.kind = rv;
      }
      r.finish();
      lab_.variables.push_back(std::move(var));
    }
  }

  void networks(const YAML::Node* n) {
    if (!n) return;
    MapReader all(ctx_, *n, "networks", "'networks'", "networks",
                  "a map of network names to {cidr: ..., secured: ...}");
    for (auto& e : all.entries()) {
      e.used = true;
      std::string path = "networks." + e.key;
      ctx_.record(path + ":key", e.key_node);
      ctx_.record(path, e.value);
      Network net;
      net.name = e.key;
      MapReader r(ctx_, e.value, path, "network '" + e.key + "'", e.key, "{cidr: 10.10.0.0/24}");
      if (!r.is_map()) continue;
      std::string cidr;
      if (r.req("cidr", cidr)) {
        auto parsed = Ipv4Network::parse(cidr);
        if (parsed) {
          net.cidr = *parsed;
        } else {
          ctx_.error(*r.get("cidr"), "'cidr': " + parsed.error().message());
        }
      }
      r.opt("secured", net.secured);
      r.finish();
      lab_.networks.push_back(std::move(net));
    }
  }

  void hosts(const YAML::Node* n) {
    if (!n) return;
    MapReader all(ctx_, *n, "hosts", "'hosts'", "hosts", "a map of host names to hosts");
    for (auto& e : all.entries()) {
      e.used = true;
      std::string path = "hosts." + e.key;
      ctx_.record(path + ":key", e.key_node);
      ctx_.record(path, e.value);
      Host h;
      h.name = e.key;
      MapReader r(ctx_, e.value, path, "host '" + e.key + "'", e.key,
                  "a host: {image: ..., nics: {...}}");
      if (!r.is_map()) continue;
      r.req("image", h.image);
      read_names(ctx_, r.get("roles"), "roles", "a list of role names", path + ".roles", h.roles);
      if (const YAML::Node* nics = r.need("nics")) {
        MapReader nr(ctx_, *nics, path + ".nics", "the nics of host '" + e.key + "'", "nics",
                     "a map of network names to addresses, like {lan: 10.10.0.5}");
        for (auto& ne : nr.entries()) {
          ne.used = true;
          std::string npath = path + ".nics." + ne.key;
          ctx_.record(npath + ":key", ne.key_node);
          ctx_.record(npath, ne.value);
          std::string text;
          if (!ne.value.IsScalar()) {
            ctx_.type_error(ne.value, ne.key, "an IPv4 address like 10.10.0.5");
            continue;
          }
          auto address = Ipv4Address::parse(ne.value.Scalar());
          if (!address) {
            ctx_.type_error(ne.value, ne.key, "an IPv4 address like 10.10.0.5");
            continue;
          }
          h.nics.push_back({ne.key, *address});
        }
      }
      r.opt("memory", h.memory_bytes);
      r.opt("vcpus", h.vcpus);
      read_params(ctx_, r, "vars", h.vars);
      r.finish();
      lab_.hosts.push_back(std::move(h));
    }
  }

  // Reads the recipe/on/with keys shared by incidents, solution steps and near misses.
  void recipe_step(MapReader& r, std::string& recipe, std::string& on, Params& with) {
    r.req("recipe", recipe);
    r.req("on", on);
    read_params(ctx_, r, "with", with);
  }

  void incidents(const YAML::Node* n) {
    for_list(ctx_, n, "incidents", "a list of incidents", [&](const YAML::Node& item, std::size_t i) {
      std::string path = indexed("incidents", i);
      ctx_.record(path, item);
      MapReader r(ctx_, item, path, "an incident", "", "an incident: {id, recipe, on, with}");
      if (!r.is_map()) return;
      Incident inc;
      r.req("id", inc.id);
      recipe_step(r, inc.recipe, inc.on, inc.with);
      r.finish();
      lab_.incidents.push_back(std::move(inc));
    });
  }

  void solution(const YAML::Node* n) {
    for_list(ctx_, n, "solution", "a list of solution steps", [&](const YAML::Node& item, std::size_t i) {
      std::string path = indexed("solution", i);
      ctx_.record(path, item);
      MapReader r(ctx_, item, path, "a solution step", "", "a solution step: {task, recipe, on, with}");
      if (!r.is_map()) return;
      SolutionStep step;
      r.req("task", step.task);
      recipe_step(r, step.recipe, step.on, step.with);
      r.finish();
      lab_.solution.push_back(std::move(step));
    });
  }

  void tasks(const YAML::Node* n) {
    if (n && n->IsNull()) {
      ctx_.type_error(*n, "tasks", "a list of tasks");
      return;
    }
    for_list(ctx_, n, "tasks", "a list of tasks", [&](const YAML::Node& item, std::size_t i) {
      std::string path = indexed("tasks", i);
      ctx_.record(path, item);
      MapReader r(ctx_, item, path, "a task", "", "a task: {id, ticket, points, scoring, competencies, checks}");
      if (!r.is_map()) return;
      Task t;
      r.req("id", t.id);
      if (const YAML::Node* tn = r.need("ticket")) ticket(*tn, path + ".ticket", t.ticket);
      r.opt("points", t.points);
      if (t.points < 0) ctx_.error(*r.get("points"), "'points': expected 0 or more");
      if (const YAML::Node* sn = r.get("scoring")) {
        static constexpr std::string_view kScorings[] = {"all", "partial"};
        ctx_.record(path + ".scoring", *sn);
        int index = 0;
        if (detail::read_enum_index(ctx_, *sn, "scoring", kScorings, 2, index)) {
          t.scoring = static_cast<Scoring>(index);
        }
      }
      read_names(ctx_, r.get("competencies"), "competencies", "a list of competency codes",
                 path + ".competencies", t.competencies);
      const YAML::Node* checks = r.need("checks");
      if (checks && checks->IsSequence() && checks->size() == 0) {
        ctx_.error(*checks, "'checks': a task needs at least one check; its checks grade it");
      }
      for_list(ctx_, checks, "checks", "a list of checks", [&](const YAML::Node& cn, std::size_t ci) {
        checks::Check c;
        if (parse_check(ctx_, cn, indexed(path + ".checks", ci), true, c)) t.checks.push_back(std::move(c));
      });
      for_list(ctx_, r.get("near_misses"), "near_misses", "a list of near misses",
               [&](const YAML::Node& nn, std::size_t ni) {
                 std::string npath = indexed(path + ".near_misses", ni);
                 ctx_.record(npath, nn);
                 MapReader nr(ctx_, nn, npath, "a near miss", "",
                              "a near miss: {recipe, on, with, description}");
                 if (!nr.is_map()) return;
                 NearMiss miss;
                 nr.opt("description", miss.description);
                 recipe_step(nr, miss.recipe, miss.on, miss.with);
                 nr.finish();
                 t.near_misses.push_back(std::move(miss));
               });
      r.finish();
      lab_.tasks.push_back(std::move(t));
    });
  }

  void ticket(const YAML::Node& n, const std::string& path, Ticket& t) {
    MapReader r(ctx_, n, path, "the ticket", "ticket", "a ticket: {title, from, priority, sla, text}");
    if (!r.is_map()) return;
    r.req("title", t.title);
    r.req("from", t.from);
    if (const YAML::Node* p = r.need("priority")) {
      static constexpr std::string_view kPriorities[] = {"P1", "P2", "P3", "P4"};
      int index = 0;
      if (detail::read_enum_index(ctx_, *p, "priority", kPriorities, 4, index)) {
        t.priority = static_cast<Priority>(index);
      }
    }
    r.opt("sla", t.sla);
    if (const YAML::Node* text = r.need("text")) {
      MapReader tr(ctx_, *text, path + ".text", "'text' (ticket texts are needed in fr and en)",
                   "text", "the ticket's files {fr: tickets/T1.fr.md, en: tickets/T1.en.md}");
      if (tr.is_map()) {
        tr.req("fr", t.text_files.fr);
        tr.req("en", t.text_files.en);
        tr.finish();
      }
    }
    r.finish();
  }

  Ctx& ctx_;
  Lab& lab_;
};

// ---- files named by the lab -------------------------------------------------------------

// The first role or recipe the lab names, as (what, source path), for the error of a lab that
// needs recipes when no recipes root was given.
std::optional<std::pair<std::string, std::string>> first_recipe_use(const Lab& lab) {
  for (const auto& h : lab.hosts) {
    if (!h.roles.empty()) return std::pair("role '" + h.roles[0] + "'", "hosts." + h.name + ".roles[0]");
  }
  if (!lab.incidents.empty()) return std::pair("recipe '" + lab.incidents[0].recipe + "'", indexed("incidents", 0) + ".recipe");
  if (!lab.solution.empty()) return std::pair("recipe '" + lab.solution[0].recipe + "'", indexed("solution", 0) + ".recipe");
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    if (!lab.tasks[t].near_misses.empty()) {
      return std::pair("recipe '" + lab.tasks[t].near_misses[0].recipe + "'",
                       indexed(indexed("tasks", t) + ".near_misses", 0) + ".recipe");
    }
  }
  return std::nullopt;
}

// Recipe names under root/sub (without .yaml), for "did you mean".
std::vector<std::string> recipe_names(const std::filesystem::path& root, const std::string& sub) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root / sub, ec)) {
    if (entry.path().extension() == ".yaml") {
      out.push_back((sub.empty() ? "" : sub + "/") + entry.path().stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return false;
  out = buf.str();
  return true;
}

void check_files(Lab& lab, const LoadOptions& options, std::vector<Diagnostic>& out) {
  const std::string& file = lab.source.file;
  auto at = [&](const std::string& path) { return lab.source.at(path); };
  // The caller says where the recipes are (atelierd's --recipes-dir, the CLI's --recipes or its
  // install location): nothing is guessed from the lab's folder.
  lab.recipes_root = options.recipes_root;
  std::error_code ec;
  if (lab.recipes_root.empty()) {
    if (auto use = first_recipe_use(lab)) {
      out.push_back({file, at(use->second),
                     "the lab names " + use->first +
                         " but no recipes folder is known; pass --recipes DIR (atelier) or --recipes-dir DIR "
                         "(atelierd)"});
    }
  } else if (!std::filesystem::is_directory(lab.recipes_root, ec)) {
    out.push_back({file, {1, 1}, "recipes folder '" + lab.recipes_root.string() + "' does not exist"});
  } else {
    for (const auto& h : lab.hosts) {
      for (std::size_t i = 0; i < h.roles.size(); ++i) {
        const std::string& role = h.roles[i];
        if (role.empty() || role.find('/') != std::string::npos || has_template(role)) continue;
        if (std::filesystem::is_regular_file(lab.recipes_root / "roles" / (role + ".yaml"), ec)) continue;
        std::string message = "role '" + role + "' not found (no roles/" + role +
                              ".yaml in the recipes folder)";
        std::vector<std::string> names;
        for (auto& n : recipe_names(lab.recipes_root, "roles")) names.push_back(n.substr(6));
        std::string near = closest(role, names);
        if (!near.empty()) message += "; did you mean '" + near + "'?";
        out.push_back({file, at("hosts." + h.name + ".roles[" + std::to_string(i) + "]"), message});
      }
    }
    auto recipe_exists = [&](const std::string& recipe, const std::string& path) {
      if (!is_recipe_name(recipe)) return;  // validate() reports the name
      if (std::filesystem::is_regular_file(lab.recipes_root / (recipe + ".yaml"), ec)) return;
      std::string message = "recipe '" + recipe + "' not found (no " + recipe +
                            ".yaml in the recipes folder)";
      auto slash = recipe.rfind('/');
      std::string near = closest(recipe, recipe_names(lab.recipes_root,
                                                      slash == std::string::npos ? "" : recipe.substr(0, slash)));
      if (!near.empty()) message += "; did you mean '" + near + "'?";
      out.push_back({file, at(path + ".recipe"), message});
    };
    for (std::size_t i = 0; i < lab.incidents.size(); ++i) {
      recipe_exists(lab.incidents[i].recipe, indexed("incidents", i));
    }
    for (std::size_t i = 0; i < lab.solution.size(); ++i) {
      recipe_exists(lab.solution[i].recipe, indexed("solution", i));
    }
    for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
      for (std::size_t i = 0; i < lab.tasks[t].near_misses.size(); ++i) {
        recipe_exists(lab.tasks[t].near_misses[i].recipe,
                      indexed(indexed("tasks", t) + ".near_misses", i));
      }
    }
  }
  // Ticket texts: relative to the lab folder, read and scanned for templates.
  std::filesystem::path shown_dir = std::filesystem::path(file).parent_path();
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    Ticket& ticket = lab.tasks[t].ticket;
    for (auto [lang, rel, body] : {std::tuple{"fr", &ticket.text_files.fr, &ticket.body.fr},
                                   std::tuple{"en", &ticket.text_files.en, &ticket.body.en}}) {
      if (rel->empty()) continue;
      std::string path = indexed("tasks", t) + ".ticket.text." + lang;
      std::filesystem::path p(*rel);
      if (p.is_absolute() || rel->find("..") != std::string::npos) {
        out.push_back({file, at(path), "ticket text '" + *rel +
                                           "' must be a path inside the lab folder, like tickets/T1." +
                                           lang + ".md"});
        continue;
      }
      if (!std::filesystem::is_regular_file(lab.dir / p, ec) || !read_file(lab.dir / p, *body)) {
        out.push_back({file, at(path), "ticket text '" + *rel + "' not found in the lab folder"});
        continue;
      }
      // Templates in the body, with their exact line and column in the ticket file.
      std::string shown = (shown_dir / p).string();
      std::vector<std::size_t> line_starts{0};
      for (std::size_t i = 0; i < body->size(); ++i) {
        if ((*body)[i] == '\n') line_starts.push_back(i + 1);
      }
      auto mark_at = [&](std::size_t offset) {
        auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
        std::size_t line = static_cast<std::size_t>(it - line_starts.begin());
        return Mark{static_cast<int>(line), static_cast<int>(offset - line_starts[line - 1] + 1)};
      };
      detail::for_each_template(
          *body,
          [&](std::string name, std::size_t offset) {
            lab.source.templates.push_back({std::move(name), shown, mark_at(offset)});
          },
          [&](std::string message, std::size_t offset) {
            out.push_back({shown, mark_at(offset), std::move(message)});
          });
    }
  }
}

void sort_diagnostics(std::vector<Diagnostic>& d, const std::string& main_file) {
  std::stable_sort(d.begin(), d.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(a.file != main_file, a.file, a.at.line, a.at.column) <
           std::tuple(b.file != main_file, b.file, b.at.line, b.at.column);
  });
}

std::string join(const std::vector<Diagnostic>& d) {
  std::string out;
  for (const auto& x : d) out += x.to_string() + "\n";
  return out;
}

// The 1-based line of a second document's "---" marker, or 0. Found in the text because
// yaml-cpp 0.7's LoadAll loops forever on some inputs (a stray ',' at the top level).
int second_document_line(std::string_view text) {
  bool content = false;
  int line = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    ++line;
    bool marker = l.rfind("---", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && content) return line;
    std::size_t first = l.find_first_not_of(" \t\r");
    if (!marker && first != std::string_view::npos && l[first] != '#' && l[first] != '%') content = true;
    if (marker && l.find_first_not_of(" \t\r", 3) != std::string_view::npos &&
        l[l.find_first_not_of(" \t\r", 3)] != '#') {
      content = true;  // "--- value" starts a document with content on the marker's line
    }
    pos = end + 1;
  }
  return 0;
}

// Loads the YAML document; false (with a diagnostic) on a syntax error.
bool load_yaml(std::string_view text, const std::string& file, YAML::Node& root,
               std::vector<Diagnostic>& out) {
  if (int line = second_document_line(text)) {
    out.push_back({file, {line, 1}, "a file holds one YAML document; remove the '---' and what follows"});
    return false;
  }
  try {
    root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      bool blank = true;
      for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view l = text.substr(pos, end - pos);
        std::size_t first = l.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && l[first] != '#' && l.substr(first).rfind("---", 0) != 0) blank = false;
        pos = end + 1;
      }
      out.push_back({file, {1, 1}, blank ? "the file is empty"
                                         : "no YAML value found; expected a map with the keys lab, title, "
                                           "networks, hosts and tasks"});
      return false;
    }
    return true;
  } catch (const YAML::Exception& e) {
    Mark at = e.mark.line < 0 ? Mark{1, 1} : Mark{e.mark.line + 1, e.mark.column + 1};
    out.push_back({file, at, "YAML syntax: " + e.msg});
  } catch (const std::exception& e) {
    out.push_back({file, {1, 1}, std::string("YAML: ") + e.what()});
  }
  return false;
}

}  // namespace

std::string LoadReport::to_string() const { return join(diagnostics); }
std::string CheckFileReport::to_string() const { return join(diagnostics); }

LoadReport parse_lab_report(std::string_view text, const std::string& file_name,
                            const LoadOptions& options) {
  LoadReport report;
  Lab lab;
  lab.file = file_name;
  lab.dir = lab.file.parent_path().empty() ? std::filesystem::path(".") : lab.file.parent_path();
  lab.source.file = file_name;
  YAML::Node root;
  if (load_yaml(text, file_name, root, report.diagnostics)) {
    try {
      Ctx ctx(file_name, report.diagnostics, &lab.source, true);
      LabParser(ctx, lab).parse(root);
    } catch (const std::exception& e) {  // yaml-cpp throws on odd nodes; never past the loader
      report.diagnostics.push_back({file_name, {1, 1}, std::string("internal: ") + e.what()});
    }
    if (options.check_files) check_files(lab, options, report.diagnostics);
    validate(lab, report.diagnostics);
  }
  sort_diagnostics(report.diagnostics, file_name);
  if (report.diagnostics.empty()) report.lab = std::move(lab);
  return report;
}

LoadReport load_lab_report(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  std::filesystem::path file = std::filesystem::is_directory(path, ec) ? path / "lab.yaml" : path;
  std::string text;
  if (!read_file(file, text)) {
    LoadReport report;
    report.io_failure = true;
    report.diagnostics.push_back({file.string(), {0, 0}, "cannot read the file"});
    return report;
  }
  return parse_lab_report(text, file.string(), options);
}

namespace {
Result<Lab> to_result(LoadReport report) {
  if (report.ok()) return std::move(*report.lab);
  std::string message = report.to_string();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return Error(report.io_failure ? ErrorCode::kIo : ErrorCode::kInvalidArgument, std::move(message));
}
Result<std::vector<checks::Check>> to_result(CheckFileReport report) {
  if (report.ok()) return std::move(report.checks);
  std::string message = report.to_string();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return Error(report.io_failure ? ErrorCode::kIo : ErrorCode::kInvalidArgument, std::move(message));
}
}  // namespace

Result<Lab> load_lab(const std::filesystem::path& path, const LoadOptions& options) {
  return to_result(load_lab_report(path, options));
}
Result<Lab> parse_lab(std::string_view text, const std::string& file_name, const LoadOptions& options) {
  return to_result(parse_lab_report(text, file_name, options));
}

CheckFileReport parse_check_file_report(std::string_view text, const std::string& file_name) {
  CheckFileReport report;
  YAML::Node root;
  if (load_yaml(text, file_name, root, report.diagnostics)) {
    try {
      Ctx ctx(file_name, report.diagnostics, nullptr, false);
      const YAML::Node* list = &root;
      std::optional<MapReader> top;
      if (root.IsMap()) {
        top.emplace(ctx, root, "", "the check file", "", "a map");
        list = top->need("checks");
      }
      constexpr std::string_view kExpect = "a list of checks, or a map {checks: [...]}";
      if (list && !list->IsSequence()) {
        ctx.type_error(*list, top ? "checks" : "", kExpect);
      } else if (list) {
        std::size_t i = 0;
        for (const auto& item : *list) {
          checks::Check c;
          if (parse_check(ctx, item, indexed("checks", i++), false, c)) report.checks.push_back(std::move(c));
        }
      }
      if (top) top->finish();
    } catch (const std::exception& e) {
      report.diagnostics.push_back({file_name, {1, 1}, std::string("internal: ") + e.what()});
    }
  }
  sort_diagnostics(report.diagnostics, file_name);
  if (!report.diagnostics.empty()) report.checks.clear();
  return report;
}

Result<std::vector<checks::Check>> parse_check_file(std::string_view text, const std::string& file_name) {
  return to_result(parse_check_file_report(text, file_name));
}

Result<std::vector<checks::Check>> load_check_file(const std::filesystem::path& path) {
  std::string text;
  if (!read_file(path, text)) {
    CheckFileReport report;
    report.io_failure = true;
    report.diagnostics.push_back({path.string(), {0, 0}, "cannot read the file"});
    return to_result(std::move(report));
  }
  return to_result(parse_check_file_report(text, path.string()));
}

}  // namespace atelier::lab
