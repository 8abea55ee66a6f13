// The lab loader: YAML text -> Lab (parse), then the files it names (lab_files.cpp), then the
// pure validation of references (validate.cpp). Every error is collected, none stops the rest.
#include "common/lab/loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/lab/check_fields.h"
#include "common/lab/check_parse.h"
#include "common/lab/lab_files.h"
#include "common/lab/names.h"
#include "common/lab/yaml_reader.h"

namespace atelier::lab {

using detail::check_files;
using detail::Ctx;
using detail::indexed;
using detail::MapReader;
using detail::parse_check;
using detail::read_file;

namespace {

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
      ctx_.error(*top.get("check_interval"),
                 "'check_interval': expected a duration of at least 1s, like 30s or 2m");
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
    MapReader all(
        ctx_, *n, "variables", "'variables'", "variables",
        "a map of variable names to {choice: [...]}, {password: N} or {range: [MIN, MAX]}", true);
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
        ctx_.error(r.mark(),
                   "variable '" + e.key + "' needs exactly one of choice, password, range");
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
        if (detail::read(ctx_, *password, "password", p.length) &&
            (p.length < 4 || p.length > 128)) {
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
      r.opt("display", h.display);
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
    for_list(
        ctx_, n, "incidents", "a list of incidents", [&](const YAML::Node& item, std::size_t i) {
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
    for_list(ctx_, n, "solution", "a list of solution steps",
             [&](const YAML::Node& item, std::size_t i) {
               std::string path = indexed("solution", i);
               ctx_.record(path, item);
               MapReader r(ctx_, item, path, "a solution step", "",
                           "a solution step: {task, recipe, on, with}");
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
      MapReader r(ctx_, item, path, "a task", "",
                  "a task: {id, ticket, points, scoring, competencies, checks}");
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
      for_list(ctx_, checks, "checks", "a list of checks",
               [&](const YAML::Node& cn, std::size_t ci) {
                 checks::Check c;
                 if (parse_check(ctx_, cn, indexed(path + ".checks", ci), true, c))
                   t.checks.push_back(std::move(c));
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
    MapReader r(ctx_, n, path, "the ticket", "ticket",
                "a ticket: {title, from, priority, sla, text}");
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
    bool marker =
        l.rfind("---", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && content) return line;
    std::size_t first = l.find_first_not_of(" \t\r");
    if (!marker && first != std::string_view::npos && l[first] != '#' && l[first] != '%')
      content = true;
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
    out.push_back(
        {file, {line, 1}, "a file holds one YAML document; remove the '---' and what follows"});
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
        if (first != std::string_view::npos && l[first] != '#' &&
            l.substr(first).rfind("---", 0) != 0)
          blank = false;
        pos = end + 1;
      }
      out.push_back({file,
                     {1, 1},
                     blank ? "the file is empty"
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

std::string LoadReport::to_string() const {
  return join(diagnostics);
}
std::string CheckFileReport::to_string() const {
  return join(diagnostics);
}

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
  return Error(report.io_failure ? ErrorCode::kIo : ErrorCode::kInvalidArgument,
               std::move(message));
}
Result<std::vector<checks::Check>> to_result(CheckFileReport report) {
  if (report.ok()) return std::move(report.checks);
  std::string message = report.to_string();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return Error(report.io_failure ? ErrorCode::kIo : ErrorCode::kInvalidArgument,
               std::move(message));
}
}  // namespace

Result<Lab> load_lab(const std::filesystem::path& path, const LoadOptions& options) {
  return to_result(load_lab_report(path, options));
}
Result<Lab> parse_lab(std::string_view text, const std::string& file_name,
                      const LoadOptions& options) {
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
          if (parse_check(ctx, item, indexed("checks", i++), false, c))
            report.checks.push_back(std::move(c));
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

Result<std::vector<checks::Check>> parse_check_file(std::string_view text,
                                                    const std::string& file_name) {
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
