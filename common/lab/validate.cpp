// The pure half of lab validation: ids, references between parts of the lab, addresses,
// competency codes and templates, over the parsed model and its SourceMap.
#include <algorithm>
#include <map>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "common/data/competencies.h"
#include "common/lab/loader.h"
#include "common/lab/names.h"

namespace atelier::lab {

namespace {

std::vector<std::string> load_competency_codes() {
  std::vector<std::string> codes;
  try {
    YAML::Node root = YAML::Load(data::kCompetenciesYaml);
    for (const char* section : {"competencies", "assessment"}) {
      for (const auto& item : root[section]) codes.push_back(item["code"].as<std::string>());
    }
  } catch (const std::exception&) {
    assert(false && "the compiled-in competency list must parse");
  }
  return codes;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

class Validator {
 public:
  Validator(const Lab& lab, std::vector<Diagnostic>& out)
      : lab_(lab),
        out_(out),
        file_(lab.source.file.empty() ? lab.file.string() : lab.source.file) {}

  void run() {
    ids();
    addresses();
    references();
    grader_addresses();
    competencies();
    templates();
  }

 private:
  void error(const std::string& path, std::string message) {
    out_.push_back({file_, lab_.source.at(path), std::move(message)});
  }
  // " did you mean 'X'?" or "".
  static std::string suggest(std::string_view word, const std::vector<std::string>& names) {
    std::string near = closest(word, names);
    return near.empty() ? "" : "; did you mean '" + near + "'?";
  }

  void ids() {
    if (lab_.id.size() > kMaxIdLength) {
      error("lab", "lab id of " + std::to_string(lab_.id.size()) + " characters is too long (" +
                       std::to_string(kMaxIdLength) + " at most)");
    } else if (!lab_.id.empty() && !is_lab_id(lab_.id)) {
      error("lab", "lab id '" + lab_.id + "' must use only a-z, 0-9 and '-'");
    }
    for (const auto& n : lab_.networks) {
      if (!is_host_name(n.name)) {
        error("networks." + n.name + ":key",
              "network name '" + n.name +
                  "' must start with a-z and use only a-z, 0-9 and '-' (32 at most)");
      }
    }
    for (const auto& h : lab_.hosts) {
      if (!is_host_name(h.name)) {
        error("hosts." + h.name + ":key",
              "host name '" + h.name +
                  "' must start with a-z and use only a-z, 0-9 and '-' (32 at most)");
      }
      if (h.name == kGraderHost) {
        error("hosts." + h.name + ":key",
              "host name 'grader' is reserved for atelierd's grader endpoint (checks `on: "
              "grader`); give the host another name");
      }
      if (h.vcpus < 1 || h.vcpus > 16)
        error("hosts." + h.name + ".vcpus", "'vcpus': expected 1 to 16");
      if (h.memory_bytes < 64 * kMiB) {
        error("hosts." + h.name + ".memory", "'memory': expected at least 64MiB");
      }
      if (h.image.empty())
        error("hosts." + h.name + ".image", "'image': expected an image name like debian12");
    }
    for (const auto& v : lab_.variables) {
      if (!is_var_name(v.name)) {
        error("variables." + v.name + ":key",
              "variable name '" + v.name +
                  "' must start with a-z or '_' and use only a-z, 0-9 and '_'");
      }
    }
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < lab_.tasks.size(); ++i) {
      const auto& t = lab_.tasks[i];
      std::string path = "tasks[" + std::to_string(i) + "].id";
      if (!is_task_id(t.id)) {
        error(path, "task id '" + t.id + "' must use only letters, digits, '_' and '-'");
      }
      auto [it, fresh] = seen.emplace(t.id, i);
      if (!fresh) {
        error(path, "duplicate task id '" + t.id + "' (first at line " +
                        std::to_string(
                            lab_.source.at("tasks[" + std::to_string(it->second) + "].id").line) +
                        ")");
      }
    }
    seen.clear();
    for (std::size_t i = 0; i < lab_.incidents.size(); ++i) {
      const auto& inc = lab_.incidents[i];
      std::string path = "incidents[" + std::to_string(i) + "].id";
      if (!is_lab_id(inc.id)) {
        error(path, "incident id '" + inc.id + "' must use only a-z, 0-9 and '-'");
      }
      auto [it, fresh] = seen.emplace(inc.id, i);
      if (!fresh) {
        error(path,
              "duplicate incident id '" + inc.id + "' (first at line " +
                  std::to_string(
                      lab_.source.at("incidents[" + std::to_string(it->second) + "].id").line) +
                  ")");
      }
    }
    if (lab_.hosts.empty() && lab_.source.marks.count("hosts")) {
      error("hosts", "'hosts': a lab needs at least one host");
    }
    if (lab_.tasks.empty() && lab_.source.marks.count("tasks")) {
      error("tasks", "'tasks': a lab needs at least one task");
    }
  }

  void addresses() {
    struct Owner {
      std::string host;
      std::string path;
    };
    std::map<std::pair<std::string, std::uint32_t>, Owner> used;
    for (const auto& h : lab_.hosts) {
      for (const auto& nic : h.nics) {
        std::string path = "hosts." + h.name + ".nics." + nic.network;
        const Network* net = lab_.network(nic.network);
        if (!net) {
          error(path + ":key", "host '" + h.name + "' has a nic on network '" + nic.network +
                                   "', which is not declared under 'networks'" +
                                   suggest(nic.network, network_names()));
          continue;
        }
        std::string a = nic.address.to_string();
        if (!net->cidr.contains(nic.address)) {
          error(path, "address " + a + " is outside network '" + net->name + "' (" +
                          net->cidr.to_string() + ")");
          continue;
        }
        if (net->cidr.prefix_length <= 30) {
          if (nic.address == net->cidr.address) {
            error(path, "address " + a + " is the network address of '" + net->name + "' (" +
                            net->cidr.to_string() + "); use a host address");
            continue;
          }
          if (nic.address == net->cidr.broadcast()) {
            error(path, "address " + a + " is the broadcast address of '" + net->name + "' (" +
                            net->cidr.to_string() + "); use a host address");
            continue;
          }
        }
        auto [it, fresh] =
            used.emplace(std::pair{net->name, nic.address.bits}, Owner{h.name, path});
        if (!fresh) {
          error(path, "address " + a + " on network '" + net->name + "' is already used by host '" +
                          it->second.host + "' (line " +
                          std::to_string(lab_.source.at(it->second.path).line) + ")");
        }
      }
    }
  }

  std::vector<std::string> host_names() const {
    std::vector<std::string> out;
    for (const auto& h : lab_.hosts) out.push_back(h.name);
    return out;
  }
  std::vector<std::string> network_names() const {
    std::vector<std::string> out;
    for (const auto& n : lab_.networks) out.push_back(n.name);
    return out;
  }

  void host_ref(const std::string& on, const std::string& path, std::string_view what) {
    if (on.empty() || lab_.host(on)) return;
    error(path, std::string(what) + " runs on host '" + on +
                    "', which is not declared under 'hosts'" + suggest(on, host_names()));
  }

  void recipe_name(const std::string& recipe, const std::string& path) {
    if (recipe.empty() || is_recipe_name(recipe)) return;
    if (recipe.size() > kMaxPathLength) {
      error(path, "recipe name of " + std::to_string(recipe.size()) + " characters is too long (" +
                      std::to_string(kMaxPathLength) + " at most)");
      return;
    }
    std::string message = "recipe '" + recipe + "' is not a recipe name";
    if (recipe.size() > 5 && recipe.ends_with(".yaml")) {
      message += "; write it without .yaml: '" + recipe.substr(0, recipe.size() - 5) + "'";
    } else {
      message += "; expected a path under the recipes folder like incidents/service-stopped";
    }
    error(path, message);
  }

  void references() {
    for (std::size_t i = 0; i < lab_.incidents.size(); ++i) {
      std::string path = "incidents[" + std::to_string(i) + "]";
      host_ref(lab_.incidents[i].on, path + ".on", "incident '" + lab_.incidents[i].id + "'");
      recipe_name(lab_.incidents[i].recipe, path + ".recipe");
    }
    std::vector<std::string> task_ids;
    for (const auto& t : lab_.tasks) task_ids.push_back(t.id);
    for (std::size_t i = 0; i < lab_.solution.size(); ++i) {
      std::string path = "solution[" + std::to_string(i) + "]";
      const auto& step = lab_.solution[i];
      host_ref(step.on, path + ".on", "solution step " + std::to_string(i + 1));
      recipe_name(step.recipe, path + ".recipe");
      if (!step.task.empty() && !lab_.task(step.task)) {
        error(path + ".task", "solution step " + std::to_string(i + 1) + " is for task '" +
                                  step.task + "', which is not declared under 'tasks'" +
                                  suggest(step.task, task_ids));
      }
    }
    for (std::size_t t = 0; t < lab_.tasks.size(); ++t) {
      const auto& task = lab_.tasks[t];
      std::string tpath = "tasks[" + std::to_string(t) + "]";
      for (std::size_t c = 0; c < task.checks.size(); ++c) {
        const std::string cpath = tpath + ".checks[" + std::to_string(c) + "]";
        if (task.checks[c].on == kGraderHost) {
          grader_check(task.checks[c], cpath, task.id);
        } else {
          host_ref(task.checks[c].on, cpath + ".on", "a check of task '" + task.id + "'");
        }
        // A flow's `to` is a host of the lab or an address: a name must be declared.
        if (const auto* flow = std::get_if<checks::FlowCheck>(&task.checks[c].kind)) {
          const std::string& to = flow->to;
          if (!to.empty() && to.find("{{") == std::string::npos && !Ipv4Address::parse(to) &&
              !lab_.host(to)) {
            error(cpath + ".flow.to", "flow to '" + to +
                                          "': not a host of this lab nor an IPv4 address" +
                                          suggest(to, host_names()));
          }
        }
      }
      for (std::size_t n = 0; n < task.near_misses.size(); ++n) {
        std::string path = tpath + ".near_misses[" + std::to_string(n) + "]";
        host_ref(task.near_misses[n].on, path + ".on", "a near miss of task '" + task.id + "'");
        recipe_name(task.near_misses[n].recipe, path + ".recipe");
      }
    }
  }

  // `on: grader`: a protocol probe only (the endpoint has no state of its own to read), and
  // the endpoint's address on each network (grader_address) left free by the lab's hosts.
  void grader_check(const checks::Check& check, const std::string& path, const std::string& task) {
    if (!checks::is_protocol_check(check.kind)) {
      error(path + ".on", std::string("a ") + checks::kind_name(check.kind) + " check of task '" +
                              task +
                              "' reads the state of the host it runs on and cannot run on the "
                              "grader; put it on a host of the lab, or use a protocol check (tcp, "
                              "dns, http, smtp, imap, ldap, sql, ping, flow)");
    }
  }
  void grader_addresses() {
    if (!lab_.uses_grader()) return;
    for (const auto& h : lab_.hosts) {
      for (const auto& nic : h.nics) {
        const Network* net = lab_.network(nic.network);
        auto reserved = net ? grader_address(*net) : std::nullopt;
        if (reserved && nic.address == *reserved) {
          error("hosts." + h.name + ".nics." + nic.network,
                "address " + nic.address.to_string() + " is the grader's on network '" + net->name +
                    "' (its last host address, reserved when a check runs `on: " +
                    "grader`); give host '" + h.name + "' another address");
        }
      }
    }
  }

  void competencies() {
    const auto& codes = competency_codes();
    std::vector<std::string> task_codes;
    for (const auto& c : codes) {
      if (c.size() == 3 && c[0] == 'C') task_codes.push_back(c);
    }
    for (std::size_t i = 0; i < lab_.competencies.size(); ++i) {
      const auto& code = lab_.competencies[i];
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        error("competencies[" + std::to_string(i) + "]", "unknown competency '" + code +
                                                             "'; expected C01 to C19 or EPREUVE" +
                                                             suggest(code, codes));
      }
    }
    for (std::size_t t = 0; t < lab_.tasks.size(); ++t) {
      const auto& list = lab_.tasks[t].competencies;
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (std::find(task_codes.begin(), task_codes.end(), list[i]) == task_codes.end()) {
          error("tasks[" + std::to_string(t) + "].competencies[" + std::to_string(i) + "]",
                "unknown competency '" + list[i] + "' for a task; expected C01 to C19" +
                    (list[i] == "EPREUVE" ? " (EPREUVE belongs in the lab's own list)"
                                          : suggest(list[i], task_codes)));
        }
      }
    }
  }

  // {{host.H.ip.N}} or {{network.N.x}} naming a nic or network that was written but failed to
  // parse: the parse error is the one to fix, this one would only repeat it.
  bool names_failed_part(const std::string& name) const {
    auto parts = split(name, '.');
    const auto& marks = lab_.source.marks;
    if (parts.size() == 4 && parts[0] == "host" && parts[2] == "ip") {
      return marks.count("hosts." + parts[1] + ".nics." + parts[3] + ":key") > 0 &&
             !(lab_.host(parts[1]) && lab_.host(parts[1])->nic(parts[3]));
    }
    if (parts.size() == 3 && parts[0] == "network") {
      return marks.count("networks." + parts[1] + ":key") > 0 && !lab_.network(parts[1]);
    }
    return false;
  }

  void templates() {
    std::vector<std::string> names;
    for (const auto& v : lab_.variables) names.push_back(v.name);
    for (const char* b : {"candidate", "lab", "seed"}) names.emplace_back(b);
    for (const auto& use : lab_.source.templates) {
      if (std::find(names.begin(), names.end(), use.name) != names.end()) continue;
      if (is_builtin_template(lab_, use.name)) continue;
      if (names_failed_part(use.name))
        continue;  // that host's nic or network already has its error
      std::string message;
      if (use.name.rfind("host.", 0) == 0 || use.name.rfind("network.", 0) == 0) {
        message = "'{{" + use.name +
                  "}}' names no host address or network of this lab; built-ins are "
                  "{{host.HOST.ip}}, {{host.HOST.ip.NETWORK}}, {{network.NETWORK.cidr}}, "
                  "{{network.NETWORK.netmask}}, {{network.NETWORK.prefix}}";
      } else {
        message = "undeclared variable '" + use.name + "' in '{{" + use.name + "}}'" +
                  suggest(use.name, names);
        if (message.find("did you mean") == std::string::npos) {
          message += "; declare it under 'variables' or use a built-in such as {{candidate}}";
        }
      }
      out_.push_back({use.file, use.at, message});
    }
  }

  const Lab& lab_;
  std::vector<Diagnostic>& out_;
  std::string file_;
};

}  // namespace

const std::vector<std::string>& competency_codes() {
  static const std::vector<std::string> kCodes = load_competency_codes();
  return kCodes;
}

bool is_builtin_template(const Lab& lab, std::string_view name) {
  if (name == "candidate" || name == "lab" || name == "seed") return true;
  auto parts = split(name, '.');
  if (parts.size() >= 3 && parts[0] == "host" && parts[2] == "ip") {
    const Host* h = lab.host(parts[1]);
    if (!h) return false;
    if (parts.size() == 3) return !h->nics.empty();
    return parts.size() == 4 && h->nic(parts[3]) != nullptr;
  }
  if (parts.size() == 3 && parts[0] == "network") {
    return lab.network(parts[1]) &&
           (parts[2] == "cidr" || parts[2] == "netmask" || parts[2] == "prefix");
  }
  return false;
}

void validate(const Lab& lab, std::vector<Diagnostic>& out) {
  Validator(lab, out).run();
}

}  // namespace atelier::lab
