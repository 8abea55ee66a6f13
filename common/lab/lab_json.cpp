// JSON and text views of the lab model (Boost.JSON).
#include "common/lab/lab_json.h"

#include <boost/json.hpp>
#include <sstream>

#include "common/lab/check_fields.h"

namespace atelier::lab {

namespace json = boost::json;

namespace {

json::value text_json(const Text& t) {
  return json::object{{"fr", t.fr}, {"en", t.en}};
}

json::value params_json(const Params& ps) {
  json::object o;
  for (const auto& p : ps) o[p.name] = to_json(p.value);
  return o;
}

// Writes check fields (check_fields.h visitor); absent optionals are left out.
struct FieldWriter {
  json::object& o;
  void put(std::string_view k, const std::string& v) { o[k] = v; }
  void put(std::string_view k, bool v) { o[k] = v; }
  void put(std::string_view k, int v) { o[k] = v; }
  void put(std::string_view k, std::uint16_t v) { o[k] = v; }
  void put(std::string_view k, std::uint64_t v) { o[k] = v; }
  void put(std::string_view k, double v) { o[k] = v; }
  void put(std::string_view k, const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    o[k] = std::move(a);
  }
  void put(std::string_view k, const std::vector<std::vector<std::string>>& rows) {
    json::array a;
    for (const auto& r : rows) {
      json::array row;
      for (const auto& s : r) row.emplace_back(s);
      a.emplace_back(std::move(row));
    }
    o[k] = std::move(a);
  }
  template <class E>
  requires std::is_enum_v<E>
  void put(std::string_view k, E e) { o[k] = checks::enum_name(e); }
  template <class T>
  void put(std::string_view k, const std::optional<T>& v) {
    if (v) put(k, *v);
  }
  template <class T>
  void req(std::string_view k, T& v) {
    put(k, v);
  }
  template <class T>
  void opt(std::string_view k, T& v) {
    put(k, v);
  }
};

// Reads check fields from JSON; the first error wins.
struct FieldReader {
  const json::object& o;
  std::optional<Error> error;

  void fail(std::string_view k, std::string_view expect) {
    if (!error)
      error = Error(ErrorCode::kInvalidArgument,
                    "'" + std::string(k) + "': expected " + std::string(expect));
  }
  void get(std::string_view k, const json::value& v, std::string& out) {
    if (v.is_string())
      out = std::string(v.get_string());
    else
      fail(k, "a string");
  }
  void get(std::string_view k, const json::value& v, bool& out) {
    if (v.is_bool())
      out = v.get_bool();
    else
      fail(k, "true or false");
  }
  template <class I>
  requires std::is_integral_v<I>
  void get(std::string_view k, const json::value& v, I& out) {
    if (v.is_int64() && std::in_range<I>(v.get_int64()))
      out = static_cast<I>(v.get_int64());
    else if (v.is_uint64() && std::in_range<I>(v.get_uint64()))
      out = static_cast<I>(v.get_uint64());
    else
      fail(k, "an integer in range");
  }
  void get(std::string_view k, const json::value& v, double& out) {
    if (v.is_number())
      out = v.to_number<double>();
    else
      fail(k, "a number");
  }
  void get(std::string_view k, const json::value& v, std::vector<std::string>& out) {
    if (!v.is_array()) return fail(k, "a list of strings");
    out.clear();
    for (const auto& x : v.get_array()) {
      out.emplace_back();
      get(k, x, out.back());
    }
  }
  void get(std::string_view k, const json::value& v, std::vector<std::vector<std::string>>& out) {
    if (!v.is_array()) return fail(k, "a list of rows");
    out.clear();
    for (const auto& x : v.get_array()) {
      out.emplace_back();
      get(k, x, out.back());
    }
  }
  template <class E>
  requires std::is_enum_v<E>
  void get(std::string_view k, const json::value& v, E& out) {
    const auto& names = checks::EnumNames<E>::kNames;
    if (v.is_string()) {
      for (std::size_t i = 0; i < std::size(names); ++i) {
        if (v.get_string() == names[i]) {
          out = static_cast<E>(i);
          return;
        }
      }
    }
    fail(k, "one of the names of this field");
  }
  template <class T>
  void get(std::string_view k, const json::value& v, std::optional<T>& out) {
    T x{};
    get(k, v, x);
    out = x;
  }
  template <class T>
  void req(std::string_view k, T& out) {
    if (const auto* v = o.if_contains(k))
      get(k, *v, out);
    else
      fail(k, "a value (it is required)");
  }
  template <class T>
  void opt(std::string_view k, T& out) {
    if (const auto* v = o.if_contains(k)) get(k, *v, out);
  }
};

}  // namespace

json::value to_json(const Value& value) {
  switch (value.type) {
    case Value::Type::kNull:
      return nullptr;
    case Value::Type::kScalar:
      return json::string(value.scalar);
    case Value::Type::kList: {
      json::array a;
      for (const auto& v : value.items) a.push_back(to_json(v));
      return a;
    }
    case Value::Type::kMap:
      return params_json(value.fields);
  }
  return nullptr;
}

json::value to_json(const checks::Check& check) {
  json::object o;
  o["on"] = check.on;
  if (!check.description.empty()) o["description"] = check.description;
  o["timeout_ms"] = check.timeout.count();
  json::object fields;
  FieldWriter w{fields};
  std::visit(
      [&](const auto& kind) {
        checks::visit_fields(const_cast<std::decay_t<decltype(kind)>&>(kind), w);
      },
      check.kind);
  o[checks::kind_name(check.kind)] = std::move(fields);
  return o;
}

Result<checks::Check> check_from_json(const json::value& value) {
  if (!value.is_object())
    return Error(ErrorCode::kInvalidArgument, "a check must be a JSON object");
  const auto& o = value.get_object();
  checks::Check check;
  std::optional<std::size_t> kind;
  for (std::size_t i = 0; i < std::size(checks::kCheckKindNames); ++i) {
    if (o.contains(checks::kCheckKindNames[i])) {
      if (kind) return Error(ErrorCode::kInvalidArgument, "a check has exactly one kind");
      kind = i;
    }
  }
  if (!kind) return Error(ErrorCode::kInvalidArgument, "a check needs a kind key such as \"file\"");
  if (const auto* on = o.if_contains("on"); on && on->is_string())
    check.on = std::string(on->get_string());
  if (const auto* d = o.if_contains("description"); d && d->is_string()) {
    check.description = std::string(d->get_string());
  }
  if (const auto* t = o.if_contains("timeout_ms"); t && t->is_int64()) {
    check.timeout = std::chrono::milliseconds(t->get_int64());
  }
  const auto& fields = o.at(checks::kCheckKindNames[*kind]);
  if (!fields.is_object())
    return Error(ErrorCode::kInvalidArgument, "check fields must be an object");
  check.kind = checks::make_check_kind(*kind);
  FieldReader r{fields.get_object(), std::nullopt};
  std::visit([&](auto& k) { checks::visit_fields(k, r); }, check.kind);
  if (r.error)
    return std::move(*r.error).context(std::string("read ") + checks::kind_name(check.kind) +
                                       " check");
  return check;
}

namespace {

json::object variables_json(const std::vector<Variable>& variables) {
  json::object vars;
  for (const auto& v : variables) {
    json::object d;
    if (const auto* c = std::get_if<ChoiceVariable>(&v.kind)) {
      json::array a;
      for (const auto& s : c->values) a.emplace_back(s);
      d["choice"] = std::move(a);
    } else if (const auto* p = std::get_if<PasswordVariable>(&v.kind)) {
      d["password"] = p->length;
    } else if (const auto* r = std::get_if<RangeVariable>(&v.kind)) {
      d["range"] = json::array{r->min, r->max};
    }
    vars[v.name] = std::move(d);
  }
  return vars;
}

json::array tasks_json(const std::vector<Task>& lab_tasks) {
  json::array tasks;
  for (const auto& t : lab_tasks) {
    json::object ticket{
        {"title", text_json(t.ticket.title)},           {"from", t.ticket.from},
        {"priority", to_string(t.ticket.priority)},     {"sla_s", t.ticket.sla.count()},
        {"text_files", text_json(t.ticket.text_files)}, {"body", text_json(t.ticket.body)}};
    json::array checks;
    for (const auto& c : t.checks) checks.push_back(to_json(c));
    json::array comps_t;
    for (const auto& c : t.competencies) comps_t.emplace_back(c);
    json::array misses;
    for (const auto& m : t.near_misses) {
      misses.push_back(json::object{{"description", m.description},
                                    {"recipe", m.recipe},
                                    {"on", m.on},
                                    {"with", params_json(m.with)}});
    }
    tasks.push_back(json::object{{"id", t.id},
                                 {"ticket", std::move(ticket)},
                                 {"points", t.points},
                                 {"scoring", to_string(t.scoring)},
                                 {"competencies", std::move(comps_t)},
                                 {"checks", std::move(checks)},
                                 {"near_misses", std::move(misses)}});
  }
  return tasks;
}

}  // namespace

json::value to_json(const Lab& lab) {
  json::object o;
  o["lab"] = lab.id;
  o["title"] = text_json(lab.title);
  if (lab.description) o["description"] = text_json(*lab.description);
  json::array comps;
  for (const auto& c : lab.competencies) comps.emplace_back(c);
  o["competencies"] = std::move(comps);
  o["duration_s"] = lab.duration.count();
  o["check_interval_s"] = lab.check_interval.count();
  if (lab.variant) {
    json::object values;
    for (const auto& [k, v] : lab.variant->values) values[k] = v;
    o["variant"] = json::object{{"candidate", lab.variant->candidate},
                                {"seed", lab.variant->seed},
                                {"values", std::move(values)}};
  }
  o["variables"] = variables_json(lab.variables);
  json::object nets;
  for (const auto& n : lab.networks) {
    nets[n.name] = json::object{{"cidr", n.cidr.to_string()}, {"secured", n.secured}};
  }
  o["networks"] = std::move(nets);
  json::object hosts;
  for (const auto& h : lab.hosts) {
    json::object nics;
    for (const auto& nic : h.nics) nics[nic.network] = nic.address.to_string();
    json::array roles;
    for (const auto& r : h.roles) roles.emplace_back(r);
    hosts[h.name] = json::object{{"image", h.image},           {"roles", std::move(roles)},
                                 {"nics", std::move(nics)},    {"memory_bytes", h.memory_bytes},
                                 {"vcpus", h.vcpus},           {"display", h.display},
                                 {"vars", params_json(h.vars)}};
  }
  o["hosts"] = std::move(hosts);
  json::array incidents;
  for (const auto& i : lab.incidents) {
    incidents.push_back(json::object{
        {"id", i.id}, {"recipe", i.recipe}, {"on", i.on}, {"with", params_json(i.with)}});
  }
  o["incidents"] = std::move(incidents);
  o["tasks"] = tasks_json(lab.tasks);
  json::array solution;
  for (const auto& s : lab.solution) {
    solution.push_back(json::object{
        {"task", s.task}, {"recipe", s.recipe}, {"on", s.on}, {"with", params_json(s.with)}});
  }
  o["solution"] = std::move(solution);
  return o;
}

std::string to_text(const Lab& lab) {
  std::ostringstream out;
  out << "lab " << lab.id << ": " << lab.title.en << " / " << lab.title.fr << "\n";
  if (lab.variant) {
    out << "candidate " << lab.variant->candidate << ", seed " << lab.variant->seed << "\n";
    for (const auto& [k, v] : lab.variant->values) out << "  " << k << " = " << v << "\n";
  }
  out << "duration " << lab.duration.count() / 60 << " min, " << lab.total_points() << " points\n";
  out << "networks:\n";
  for (const auto& n : lab.networks) {
    out << "  " << n.name << " " << n.cidr.to_string() << (n.secured ? " (secured)" : "") << "\n";
  }
  std::uint64_t memory = 0;
  int vcpus = 0;
  for (const auto& h : lab.hosts) {
    memory += h.memory_bytes;
    vcpus += h.vcpus;
  }
  // What one candidate's lab takes, to size a room (atelierd adds QEMU's own: GET /labs).
  out << "hosts: " << lab.hosts.size() << ", " << vcpus << " vCPU(s), " << memory / kMiB
      << " MiB of guest memory a candidate\n";
  for (const auto& h : lab.hosts) {
    out << "  " << h.name << " image=" << h.image << " memory=" << h.memory_bytes / kMiB
        << "MiB vcpus=" << h.vcpus << (h.display ? " display" : "");
    for (const auto& nic : h.nics) out << " " << nic.network << "=" << nic.address.to_string();
    if (!h.roles.empty()) {
      out << " roles=";
      for (std::size_t i = 0; i < h.roles.size(); ++i) out << (i ? "," : "") << h.roles[i];
    }
    out << "\n";
  }
  if (!lab.incidents.empty()) out << "incidents:\n";
  for (const auto& i : lab.incidents)
    out << "  " << i.id << ": " << i.recipe << " on " << i.on << "\n";
  out << "tasks:\n";
  for (const auto& t : lab.tasks) {
    out << "  " << t.id << " [" << to_string(t.ticket.priority) << ", " << t.points << " pts] "
        << t.ticket.title.en << " (from " << t.ticket.from << ")\n";
    for (const auto& c : t.checks) {
      out << "    - " << checks::kind_name(c.kind) << " on " << c.on << ": "
          << json::serialize(to_json(c).as_object().at(checks::kind_name(c.kind))) << "\n";
    }
  }
  if (!lab.solution.empty()) out << "solution:\n";
  for (const auto& s : lab.solution)
    out << "  " << s.task << ": " << s.recipe << " on " << s.on << "\n";
  return out.str();
}

}  // namespace atelier::lab
