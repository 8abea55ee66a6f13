// The lab model: the typed, validated form of a lab.yaml (docs/lab-authoring.md is the reference).
// Produced by common/lab/loader.h; nothing here holds YAML. String fields may contain
// {{variable}} templates until the lab is resolved for one candidate (common/lab/variant.h).
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/check_spec.h"
#include "common/result.h"

namespace atelier::lab {

// A position in a source file, 1-based; 0 when unknown.
struct Mark {
  int line = 0;
  int column = 0;
  friend bool operator==(const Mark&, const Mark&) = default;
};

// One error found in a lab or check file. to_string() gives the one format every tool prints:
//   FILE:LINE:COL: error: MESSAGE      (FILE:LINE:COL: warning: MESSAGE for a warning)
struct Diagnostic {
  std::string file;
  Mark at;
  std::string message;
  bool warning = false;  // advice (grading_warnings): the lab is still valid
  std::string to_string() const;
};

// A text in both languages of the platform. Where the format asks for a Text, both are required.
struct Text {
  std::string fr;
  std::string en;
  friend bool operator==(const Text&, const Text&) = default;
};

// An IPv4 address, host byte order.
struct Ipv4Address {
  std::uint32_t bits = 0;
  // Dotted quad, exactly four decimal octets 0..255; nullopt otherwise.
  static std::optional<Ipv4Address> parse(std::string_view text);
  std::string to_string() const;
  friend auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

// An IPv4 network in CIDR form; the address is the network address (host bits zero).
struct Ipv4Network {
  Ipv4Address address;
  int prefix_length = 0;  // 0..32
  // "10.10.0.0/24". Errors (kInvalidArgument) say what is wrong: a bad address, a bad prefix,
  // or host bits set ("10.10.0.1/24 has host bits set; did you mean 10.10.0.0/24?").
  static Result<Ipv4Network> parse(std::string_view text);
  Ipv4Address netmask() const;
  Ipv4Address broadcast() const;
  bool contains(Ipv4Address a) const;
  std::string to_string() const;  // "10.10.0.0/24"
  friend bool operator==(const Ipv4Network&, const Ipv4Network&) = default;
};

// ---- variables: drawn per candidate from the session seed --------------------------------

struct ChoiceVariable {  // {choice: [a, b, c]}: one of the values
  std::vector<std::string> values;
};
struct PasswordVariable {  // {password: 12}: that many characters from [A-HJ-NP-Za-km-z2-9]
  int length = 12;
};
struct RangeVariable {  // {range: [1000, 1999]}: an integer in [min, max], both included
  std::int64_t min = 0;
  std::int64_t max = 0;
};
struct Variable {
  std::string name;  // [a-z_][a-z0-9_]*
  std::variant<ChoiceVariable, PasswordVariable, RangeVariable> kind;
};

// ---- free-form recipe arguments ---------------------------------------------------------

struct Param;
// A recipe argument as written (`with:` of incidents and solution steps, `vars:` of hosts):
// a scalar (kept as its text; the recipe's params give it a type), a list or a map. Null is
// an empty value written `~` or nothing.
struct Value {
  enum class Type { kNull, kScalar, kList, kMap };
  Type type = Type::kNull;
  std::string scalar;              // kScalar
  std::vector<Value> items;        // kList
  std::vector<Param> fields;       // kMap, in file order
  static Value of(std::string s);  // a scalar
};
struct Param {
  std::string name;
  Value value;
};
inline Value Value::of(std::string s) {
  Value v;
  v.type = Type::kScalar;
  v.scalar = std::move(s);
  return v;
}
using Params = std::vector<Param>;
// The value named `name`, or nullptr.
const Value* find_param(const Params& params, std::string_view name);

// ---- the lab -----------------------------------------------------------------------------

struct Network {
  std::string name;  // [a-z][a-z0-9-]*
  Ipv4Network cidr;
  bool secured = false;  // only reachable through a router's firewall
};

struct Nic {
  std::string network;  // a declared network
  Ipv4Address address;  // inside that network, not its network/broadcast address, unique in it
};

inline constexpr std::uint64_t kMiB = 1024ull * 1024ull;

struct Host {
  std::string name;                // [a-z][a-z0-9-]*
  std::string image;               // an image definition NAME.yaml, e.g. debian12
  std::vector<std::string> roles;  // recipes/roles/NAME.yaml, applied in order
  std::vector<Nic> nics;           // in file order; the first is the host's primary address
  std::uint64_t memory_bytes = 256 * kMiB;
  int vcpus = 1;
  // A screen (VGA) the candidate reaches in the browser (noVNC), with a login on tty1; the
  // serial console is there either way.
  bool display = false;
  Params vars;  // passed to the host's roles
  const Nic* nic(std::string_view network) const;
};

// A fault injected after provisioning, before the lab is handed over.
struct Incident {
  std::string id;      // [a-z0-9-]+, unique in the lab
  std::string recipe;  // a path under the recipes root without ".yaml": "incidents/service-stopped"
  std::string on;      // a declared host
  Params with;
};

// One step of the reference solution.
struct SolutionStep {
  std::string task;  // a declared task
  std::string recipe;
  std::string on;
  Params with;
};

// A plausible wrong fix for a task: after it, the task's checks must still fail (lab prove).
struct NearMiss {
  std::string description;  // optional
  std::string recipe;
  std::string on;
  Params with;
};

enum class Priority { kP1, kP2, kP3, kP4 };
std::string_view to_string(Priority p);  // "P1".."P4"

struct Ticket {
  Text title;
  std::string from;  // who opened it, e.g. "{{user}}"
  Priority priority = Priority::kP3;
  std::chrono::seconds sla{0};  // 0: no SLA given
  Text text_files;              // paths relative to the lab folder, as written
  Text body;                    // the files' contents (filled by load_lab)
};

// How a task's points follow from its checks (`scoring:`; docs/lab-authoring.md).
enum class Scoring {
  kAll,      // the points only when every check passes (the default)
  kPartial,  // points * passing checks / checks
};
std::string_view to_string(Scoring s);  // "all", "partial"

struct Task {
  std::string id;  // [A-Za-z0-9_-]+, unique in the lab
  Ticket ticket;
  int points = 1;
  Scoring scoring = Scoring::kAll;
  std::vector<std::string> competencies;  // C01..C19
  std::vector<checks::Check> checks;      // all pass = task solved
  std::vector<NearMiss> near_misses;      // optional
};

// A template reference found while parsing: {{name}} at a position of a file.
struct TemplateUse {
  std::string name;  // the text inside the braces, trimmed: "user", "host.mail.ip.dmz"
  std::string file;
  Mark at;
};

// Where things were in the source, for tools that report on a loaded lab (lab prove).
// Keys are paths: "hosts.mail.nics.dmz", "tasks[0].checks[1].on", "solution[2].task".
struct SourceMap {
  std::string file;
  std::unordered_map<std::string, Mark> marks;
  std::vector<TemplateUse> templates;      // every {{...}} in the lab and its ticket texts
  Mark at(const std::string& path) const;  // {0,0} when unknown
};

// The values drawn for one candidate (set on a resolved lab).
struct VariantValues {
  std::string candidate;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> values;  // in declaration order
};

// The grader endpoint (issue 20): a vantage point on every network of a candidate's lab that
// atelierd owns and the candidate does not (a network namespace on the hypervisor host). A
// protocol check written `on: grader` runs there; "grader" is no host's name.
inline constexpr const char* kGraderHost = "grader";

struct Lab {
  std::string id;  // [a-z0-9-]+
  Text title;
  std::optional<Text> description;
  std::vector<std::string> competencies;  // C01..C19 or EPREUVE
  std::chrono::seconds duration{0};
  // How often the controller runs the checks during a session (`check_interval:`); 0: not
  // given, the controller's or the session's default applies. At least 1s when given.
  std::chrono::seconds check_interval{0};
  std::vector<Variable> variables;
  std::vector<Network> networks;
  std::vector<Host> hosts;
  std::vector<Incident> incidents;
  std::vector<Task> tasks;
  std::vector<SolutionStep> solution;

  std::filesystem::path file;          // the lab.yaml it came from
  std::filesystem::path dir;           // its folder (ticket paths are relative to it)
  std::filesystem::path recipes_root;  // where roles/incidents/solutions were found
  SourceMap source;
  std::optional<VariantValues> variant;  // set by resolve()

  const Host* host(std::string_view name) const;
  const Network* network(std::string_view name) const;
  const Task* task(std::string_view task_id) const;
  int total_points() const;
  // Whether some task has a check `on: grader`.
  bool uses_grader() const;
  // An exam lab: its competencies name EPREUVE (the title's synthesis exam).
  bool is_exam() const;
};

// The grader endpoint's address on a network: the last host address of its range (10.10.0.254
// in 10.10.0.0/24), reserved in a lab that uses the grader. nullopt for a /31 or /32.
std::optional<Ipv4Address> grader_address(const Network& network);

// Where the grader sits in a lab: on every network that is not `secured`, at its grader_address,
// like a user's machine plugged into it; a secured network is reached through the lab's router
// to it (the first host, in the lab's order, with a nic on it and on a network the grader is on),
// so that the grader's traffic crosses the same firewall as the users'. A secured network no host
// routes to from there gets a nic of its own.
struct GraderPlan {
  struct Nic {
    std::string network;
    Ipv4Address address;
    int prefix_length = 0;
  };
  struct Route {
    Ipv4Network destination;  // a secured network
    Ipv4Address via;          // the router's address on a network the grader is on
  };
  std::vector<Nic> nics;
  std::vector<Route> routes;
};
GraderPlan grader_plan(const Lab& lab);

// Advice on how a lab is graded, not errors: each task of an exam lab whose checks all run on
// the candidate's own hosts (where root can answer for the agent) gets a warning.
std::vector<Diagnostic> grading_warnings(const Lab& lab);

}  // namespace atelier::lab
