// The JSON codec for protocol messages and check specs. Each struct lists its fields once, in
// a `fields(visitor, struct)` function; one visitor writes JSON, the other reads and validates.
#include "common/protocol/codec.h"

#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <boost/json.hpp>

namespace atelier::protocol {
namespace json = boost::json;
using namespace atelier::checks;

const char* to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kError: return "error";
  }
  return "error";
}

Result<CheckStatus> parse_check_status(std::string_view text) {
  if (text == "pass") return CheckStatus::kPass;
  if (text == "fail") return CheckStatus::kFail;
  if (text == "error") return CheckStatus::kError;
  return Error(ErrorCode::kInvalidArgument,
               "status \"" + std::string(text) + "\" is not one of pass, fail, error");
}

namespace {

// ---- enum names (the same words lab.yaml uses) ---------------------------------------------

template <typename E>
struct EnumNames;
template <>
struct EnumNames<Transport> {
  static constexpr std::array<const char*, 2> kNames{"tcp", "udp"};
};
template <>
struct EnumNames<ServiceState> {
  static constexpr std::array<const char*, 2> kNames{"running", "stopped"};
};
template <>
struct EnumNames<DnsType> {
  static constexpr std::array<const char*, 8> kNames{"A", "AAAA", "MX", "SRV", "PTR", "CNAME", "TXT", "NS"};
};
template <>
struct EnumNames<SqlEngine> {
  static constexpr std::array<const char*, 2> kNames{"postgresql", "mariadb"};
};
template <>
struct EnumNames<LdapScope> {
  static constexpr std::array<const char*, 3> kNames{"base", "one", "sub"};
};
template <>
struct EnumNames<CheckStatus> {
  static constexpr std::array<const char*, 3> kNames{"pass", "fail", "error"};
};

template <typename T>
concept NamedEnum = requires { EnumNames<T>::kNames; };

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

// ---- writing -------------------------------------------------------------------------------

template <typename T>
void fields_write(json::object& out, const T& v);
template <typename T>
void fields_read(const json::object& in, T& v, const std::string& where, std::optional<Error>& err);

template <typename T>
json::value to_json_value(const T& v);

template <typename T>
json::value to_json_value(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return json::value(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return json::value(v);
  } else if constexpr (NamedEnum<T>) {
    return json::value(EnumNames<T>::kNames[static_cast<std::size_t>(v)]);
  } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    return json::value(static_cast<std::int64_t>(v.count()));
  } else if constexpr (std::is_floating_point_v<T>) {
    return json::value(static_cast<double>(v));
  } else if constexpr (std::is_unsigned_v<T>) {
    return json::value(static_cast<std::uint64_t>(v));
  } else if constexpr (std::is_integral_v<T>) {
    return json::value(static_cast<std::int64_t>(v));
  } else if constexpr (IsVector<T>::value) {
    json::array a;
    for (const auto& item : v) a.push_back(to_json_value(item));
    return a;
  } else {
    json::object o;
    fields_write(o, v);
    return o;
  }
}

struct Writer {
  json::object& out;
  template <typename T>
  void operator()(const char* key, const T& v) {
    if constexpr (IsOptional<T>::value) {
      if (v) out[key] = to_json_value(*v);
    } else {
      out[key] = to_json_value(v);
    }
  }
};

// ---- reading -------------------------------------------------------------------------------

struct Reader;

template <typename T>
bool from_json_value(const json::value& j, T& out, const std::string& where, std::optional<Error>& err);

inline void fail(std::optional<Error>& err, const std::string& where, const std::string& what) {
  if (!err) err = Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

template <typename T>
bool from_json_value(const json::value& j, T& out, const std::string& where, std::optional<Error>& err) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return fail(err, where, "expected a string"), false;
    out = std::string(j.as_string());
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_bool()) return fail(err, where, "expected true or false"), false;
    out = j.as_bool();
  } else if constexpr (NamedEnum<T>) {
    if (j.is_string()) {
      const auto& names = EnumNames<T>::kNames;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (j.as_string() == names[i]) {
          out = static_cast<T>(i);
          return true;
        }
      }
    }
    std::string list;
    for (const char* n : EnumNames<T>::kNames) list += (list.empty() ? "" : ", ") + std::string(n);
    return fail(err, where, "expected one of " + list), false;
  } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    std::int64_t ms = 0;
    if (!from_json_value(j, ms, where, err)) return false;
    out = std::chrono::milliseconds(ms);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) return fail(err, where, "expected a number"), false;
    out = static_cast<T>(j.to_number<double>());
  } else if constexpr (std::is_integral_v<T>) {
    if (j.is_int64()) {
      std::int64_t v = j.as_int64();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
        return fail(err, where, "number out of range"), false;
      }
      out = static_cast<T>(v);
    } else if (j.is_uint64()) {
      std::uint64_t v = j.as_uint64();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        return fail(err, where, "number out of range"), false;
      }
      out = static_cast<T>(v);
    } else {
      return fail(err, where, "expected an integer"), false;
    }
  } else if constexpr (IsVector<T>::value) {
    if (!j.is_array()) return fail(err, where, "expected a list"), false;
    out.clear();
    std::size_t i = 0;
    for (const auto& item : j.as_array()) {
      typename T::value_type v{};
      if (!from_json_value(item, v, where + "[" + std::to_string(i++) + "]", err)) return false;
      out.push_back(std::move(v));
    }
  } else {
    if (!j.is_object()) return fail(err, where, "expected an object"), false;
    fields_read(j.as_object(), out, where, err);
    return !err;
  }
  return true;
}

// Reads the fields a struct lists; absent keys keep the struct's defaults unless `required`.
struct Reader {
  const json::object& in;
  std::string where;
  std::optional<Error>& err;
  std::vector<std::string> known;

  template <typename T>
  void operator()(const char* key, T& v) {
    known.emplace_back(key);
    const json::value* j = in.if_contains(key);
    if (!j || j->is_null()) return;
    std::string field = where.empty() ? std::string(key) : where + "." + key;
    if constexpr (IsOptional<T>::value) {
      typename T::value_type inner{};
      if (from_json_value(*j, inner, field, err)) v = std::move(inner);
    } else {
      from_json_value(*j, v, field, err);
    }
  }
  // A key that must be present.
  void require(const char* key) {
    if (!in.if_contains(key)) fail(err, where.empty() ? std::string(key) : where + "." + key, "missing");
  }
  // Rejects keys the struct does not list: a typo in a check must not pass silently.
  void reject_unknown() {
    for (const auto& kv : in) {
      bool ok = false;
      for (const auto& k : known) ok = ok || kv.key() == k;
      if (!ok) fail(err, where.empty() ? std::string(kv.key()) : where + "." + std::string(kv.key()), "unknown key");
    }
  }
};

// ---- field lists ---------------------------------------------------------------------------
// `required` lists the keys that must be present when reading.

#define ATELIER_FIELDS(Type, required_list, body)                                            \
  template <typename V, typename S>                                                           \
  void fields_of(V& f, S& s, Type*) body                                                       \
  [[maybe_unused]] inline std::vector<const char*> required_of(Type*) { return required_list; }

using Req = std::vector<const char*>;

ATELIER_FIELDS(FileCheck, (Req{"path"}), {
  f("path", s.path); f("exists", s.exists); f("directory", s.directory); f("mode", s.mode);
  f("owner", s.owner); f("group", s.group); f("contains", s.contains); f("regex", s.regex);
  f("sha256", s.sha256);
})
ATELIER_FIELDS(PackageCheck, (Req{"name"}), {
  f("name", s.name); f("installed", s.installed); f("version", s.version);
})
ATELIER_FIELDS(ServiceCheck, (Req{"name"}), {
  f("name", s.name); f("state", s.state); f("enabled", s.enabled);
})
ATELIER_FIELDS(UserCheck, (Req{"name"}), {
  f("name", s.name); f("exists", s.exists); f("shell", s.shell); f("home", s.home); f("groups", s.groups);
})
ATELIER_FIELDS(GroupCheck, (Req{"name"}), {
  f("name", s.name); f("exists", s.exists); f("members", s.members);
})
ATELIER_FIELDS(ProcessCheck, (Req{"name"}), {
  f("name", s.name); f("running", s.running); f("user", s.user);
})
ATELIER_FIELDS(PortCheck, (Req{"port"}), {
  f("port", s.port); f("protocol", s.protocol); f("listening", s.listening); f("address", s.address);
})
ATELIER_FIELDS(RouteCheck, (Req{"destination"}), {
  f("destination", s.destination); f("gateway", s.gateway); f("device", s.device); f("present", s.present);
})
ATELIER_FIELDS(InterfaceCheck, (Req{"name"}), {
  f("name", s.name); f("address", s.address); f("up", s.up);
})
ATELIER_FIELDS(FirewallCheck, (Req{"table"}), {
  f("family", s.family); f("table", s.table); f("chain", s.chain); f("policy", s.policy);
  f("rule", s.rule); f("present", s.present);
})
ATELIER_FIELDS(CommandCheck, (Req{"run"}), {
  f("run", s.run); f("exit_code", s.exit_code); f("stdout_regex", s.stdout_regex); f("user", s.user);
})
ATELIER_FIELDS(SysctlCheck, (Req{"key", "value"}), { f("key", s.key); f("value", s.value); })
ATELIER_FIELDS(MountCheck, (Req{"path"}), {
  f("path", s.path); f("mounted", s.mounted); f("fstype", s.fstype); f("source", s.source);
})
ATELIER_FIELDS(DiskFreeCheck, (Req{"path"}), {
  f("path", s.path); f("min_free_bytes", s.min_free_bytes); f("min_free_percent", s.min_free_percent);
})
ATELIER_FIELDS(TcpCheck, (Req{"host", "port"}), { f("host", s.host); f("port", s.port); f("open", s.open); })
ATELIER_FIELDS(DnsCheck, (Req{"server", "name"}), {
  f("server", s.server); f("name", s.name); f("type", s.type); f("expect", s.expect); f("exists", s.exists);
})
ATELIER_FIELDS(HttpCheck, (Req{"url"}), { f("url", s.url); f("status", s.status); f("body_regex", s.body_regex); })
ATELIER_FIELDS(SmtpCheck, (Req{"server", "from", "to"}), {
  f("server", s.server); f("port", s.port); f("from", s.from); f("to", s.to); f("accepted", s.accepted);
})
ATELIER_FIELDS(ImapCheck, (Req{"server", "user", "password"}), {
  f("server", s.server); f("port", s.port); f("user", s.user); f("password", s.password);
  f("mailbox", s.mailbox); f("subject", s.subject);
})
ATELIER_FIELDS(LdapCheck, (Req{"url", "base"}), {
  f("url", s.url); f("bind_dn", s.bind_dn); f("password", s.password); f("base", s.base);
  f("filter", s.filter); f("scope", s.scope); f("attribute", s.attribute); f("value", s.value);
  f("count", s.count);
})
ATELIER_FIELDS(SqlCheck, (Req{"host", "user", "database", "query"}), {
  f("engine", s.engine); f("host", s.host); f("port", s.port); f("user", s.user);
  f("password", s.password); f("database", s.database); f("query", s.query); f("rows", s.rows);
  f("count", s.count); f("succeeds", s.succeeds);
})
ATELIER_FIELDS(PingCheck, (Req{"host"}), { f("host", s.host); f("reachable", s.reachable); f("count", s.count); })
ATELIER_FIELDS(FlowCheck, (Req{"to", "port"}), {
  f("to", s.to); f("port", s.port); f("protocol", s.protocol); f("allowed", s.allowed);
})

// Protocol bodies.
ATELIER_FIELDS(Identity, (Req{}), { f("session", s.session); f("candidate", s.candidate); f("host", s.host); })
ATELIER_FIELDS(InterfaceFact, (Req{"name"}), {
  f("name", s.name); f("mac", s.mac); f("up", s.up); f("addresses", s.addresses);
})
ATELIER_FIELDS(HostFacts, (Req{}), {
  f("hostname", s.hostname); f("kernel", s.kernel); f("os", s.os); f("interfaces", s.interfaces);
})
ATELIER_FIELDS(Hello, (Req{"protocol_version", "agent_version"}), {
  f("protocol_version", s.protocol_version); f("agent_version", s.agent_version);
  f("identity", s.identity); f("facts", s.facts); f("spooled", s.spooled);
})
ATELIER_FIELDS(HelloRequest, (Req{}), { (void)f; (void)s; })
ATELIER_FIELDS(Heartbeat, (Req{}), { f("sequence", s.sequence); f("unix_ms", s.unix_ms); })
ATELIER_FIELDS(ExecRequest, (Req{}), {
  f("argv", s.argv); f("shell", s.shell); f("timeout_ms", s.timeout); f("user", s.user);
  f("stdin", s.stdin_data); f("max_output", s.max_output);
})
ATELIER_FIELDS(ExecResult, (Req{"exit_code"}), {
  f("exit_code", s.exit_code); f("signal", s.signal); f("timed_out", s.timed_out);
  f("stdout", s.stdout_text); f("stderr", s.stderr_text); f("stdout_truncated", s.stdout_truncated);
  f("stderr_truncated", s.stderr_truncated); f("duration_ms", s.duration);
})
ATELIER_FIELDS(GetFileRequest, (Req{"path"}), { f("path", s.path); f("max_bytes", s.max_bytes); })
ATELIER_FIELDS(Ok, (Req{}), { (void)f; (void)s; })
ATELIER_FIELDS(CheckResult, (Req{"result_id", "status"}), {
  f("result_id", s.result_id); f("index", s.index); f("kind", s.kind); f("description", s.description);
  f("status", s.status); f("expected", s.expected); f("observed", s.observed);
  f("duration_ms", s.duration); f("started_unix_ms", s.started_unix_ms);
})
ATELIER_FIELDS(Results, (Req{"bundle_id"}), {
  f("bundle_id", s.bundle_id); f("host", s.host); f("results", s.results);
  f("finished_unix_ms", s.finished_unix_ms);
})
ATELIER_FIELDS(Ack, (Req{"bundle_id"}), { f("bundle_id", s.bundle_id); f("result_ids", s.result_ids); })
ATELIER_FIELDS(ErrorReply, (Req{"code"}), { f("code", s.code); f("message", s.message); })

#undef ATELIER_FIELDS

template <typename T>
void fields_write(json::object& out, const T& v) {
  Writer w{out};
  fields_of(w, v, static_cast<T*>(nullptr));
}

template <typename T>
void fields_read(const json::object& in, T& v, const std::string& where, std::optional<Error>& err) {
  Reader r{in, where, err, {}};
  for (const char* key : required_of(static_cast<T*>(nullptr))) r.require(key);
  fields_of(r, v, static_cast<T*>(nullptr));
  r.reject_unknown();
}

// ---- bodies with hand-written parts (base64 content, nested checks) ------------------------

json::object body_to_json(const Body& body) {
  json::object o;
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, PutFileRequest>) {
          o["path"] = b.path;
          o["content_base64"] = base64_encode(b.content);
          if (b.mode) o["mode"] = *b.mode;
          if (b.owner) o["owner"] = *b.owner;
          if (b.group) o["group"] = *b.group;
          o["make_parents"] = b.make_parents;
        } else if constexpr (std::is_same_v<B, FileContent>) {
          o["path"] = b.path;
          o["content_base64"] = base64_encode(b.content);
          o["mode"] = b.mode;
          o["owner"] = b.owner;
          o["group"] = b.group;
          o["size"] = b.size;
          o["truncated"] = b.truncated;
        } else if constexpr (std::is_same_v<B, RunChecks>) {
          o["bundle_id"] = b.bundle_id;
          json::array checks;
          for (const auto& c : b.checks) checks.push_back(check_to_json(c));
          o["checks"] = std::move(checks);
        } else {
          fields_write(o, b);
        }
      },
      body);
  return o;
}

// Reads a small object with explicit keys; used for the hand-written bodies.
template <typename T>
bool read_key(const json::object& in, const char* key, T& out, std::optional<Error>& err, bool required) {
  const json::value* j = in.if_contains(key);
  if (!j || j->is_null()) {
    if (required) fail(err, key, "missing");
    return false;
  }
  return from_json_value(*j, out, key, err);
}

// Ranges the types alone do not express; a clear protocol error instead of an overflow later.
Status check_ranges(const Body& body) {
  if (const auto* e = std::get_if<ExecRequest>(&body)) {
    if (e->timeout.count() < 1 || e->timeout.count() > kMaxExecTimeoutMs) {
      return Error(ErrorCode::kInvalidArgument,
                   "timeout_ms: expected 1 to " + std::to_string(kMaxExecTimeoutMs) + ", got " +
                       std::to_string(e->timeout.count()));
    }
    if (e->max_output > kMaxExecOutputBytes) {
      return Error(ErrorCode::kInvalidArgument, "max_output: expected at most " +
                                                    std::to_string(kMaxExecOutputBytes) + ", got " +
                                                    std::to_string(e->max_output));
    }
  }
  if (const auto* p = std::get_if<PutFileRequest>(&body); p && p->mode && *p->mode > kMaxFileMode) {
    return Error(ErrorCode::kInvalidArgument, "mode: expected at most 07777");
  }
  if (const auto* g = std::get_if<GetFileRequest>(&body); g && g->max_bytes > kMaxExecOutputBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "max_bytes: expected at most " + std::to_string(kMaxExecOutputBytes));
  }
  return Status();
}

Result<Body> body_from_json(std::string_view type, const json::object& in) {
  std::optional<Error> err;
  auto finish = [&](Body b) -> Result<Body> {
    if (err) return std::move(*err);
    return b;
  };
  if (type == "put_file") {
    PutFileRequest b;
    std::string b64;
    read_key(in, "path", b.path, err, true);
    read_key(in, "content_base64", b64, err, true);
    std::uint32_t mode = 0;
    if (read_key(in, "mode", mode, err, false)) b.mode = mode;
    std::string s;
    if (read_key(in, "owner", s, err, false)) b.owner = s;
    if (read_key(in, "group", s, err, false)) b.group = s;
    read_key(in, "make_parents", b.make_parents, err, false);
    if (err) return std::move(*err);
    auto content = base64_decode(b64);
    if (!content) return std::move(content).error().context("content_base64");
    b.content = std::move(*content);
    return finish(std::move(b));
  }
  if (type == "file") {
    FileContent b;
    std::string b64;
    read_key(in, "path", b.path, err, true);
    read_key(in, "content_base64", b64, err, true);
    read_key(in, "mode", b.mode, err, false);
    read_key(in, "owner", b.owner, err, false);
    read_key(in, "group", b.group, err, false);
    read_key(in, "size", b.size, err, false);
    read_key(in, "truncated", b.truncated, err, false);
    if (err) return std::move(*err);
    auto content = base64_decode(b64);
    if (!content) return std::move(content).error().context("content_base64");
    b.content = std::move(*content);
    return finish(std::move(b));
  }
  if (type == "run_checks") {
    RunChecks b;
    read_key(in, "bundle_id", b.bundle_id, err, true);
    if (err) return std::move(*err);
    const json::value* checks = in.if_contains("checks");
    if (!checks || !checks->is_array()) return Error(ErrorCode::kInvalidArgument, "checks: expected a list");
    std::size_t i = 0;
    for (const auto& c : checks->as_array()) {
      auto check = check_from_json(c);
      if (!check) return std::move(check).error().context("checks[" + std::to_string(i) + "]");
      b.checks.push_back(std::move(*check));
      ++i;
    }
    return Body(std::move(b));
  }
  // The struct-described bodies: find the alternative by its wire name.
  Result<Body> out = Error(ErrorCode::kInvalidArgument, "unknown message type \"" + std::string(type) + "\"");
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       using B = std::variant_alternative_t<I, Body>;
       if constexpr (!std::is_same_v<B, PutFileRequest> && !std::is_same_v<B, FileContent> &&
                     !std::is_same_v<B, RunChecks>) {
         if (type == kBodyTypeNames[I]) {
           B b{};
           fields_read(in, b, "", err);
           if (err) {
             out = std::move(*err);
           } else {
             out = Body(std::in_place_index<I>, std::move(b));
           }
         }
       }
     }()),
     ...);
  }(std::make_index_sequence<std::variant_size_v<Body>>{});
  return out;
}

}  // namespace

// ---- checks --------------------------------------------------------------------------------

json::value check_to_json(const Check& check) {
  json::object o;
  o["kind"] = kind_name(check.kind);
  if (!check.on.empty()) o["on"] = check.on;
  if (!check.description.empty()) o["description"] = check.description;
  o["timeout_ms"] = static_cast<std::int64_t>(check.timeout.count());
  json::object args;
  std::visit([&](const auto& k) { fields_write(args, k); }, check.kind);
  o["args"] = std::move(args);
  return o;
}

Result<Check> check_from_json(const json::value& j) {
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "a check must be an object");
  const auto& o = j.as_object();
  const json::value* kind = o.if_contains("kind");
  if (!kind || !kind->is_string()) return Error(ErrorCode::kInvalidArgument, "kind: missing");
  Check check;
  std::optional<Error> err;
  read_key(o, "on", check.on, err, false);
  read_key(o, "description", check.description, err, false);
  read_key(o, "timeout_ms", check.timeout, err, false);
  for (const auto& kv : o) {
    auto k = kv.key();
    if (k != "kind" && k != "on" && k != "description" && k != "timeout_ms" && k != "args") {
      fail(err, std::string(k), "unknown key");
    }
  }
  if (err) return std::move(*err);
  static const json::object kEmpty;
  const json::value* args_v = o.if_contains("args");
  if (args_v && !args_v->is_object()) return Error(ErrorCode::kInvalidArgument, "args: expected an object");
  const json::object& args = args_v ? args_v->as_object() : kEmpty;
  bool found = false;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       if (!found && kind->as_string() == kCheckKindNames[I]) {
         found = true;
         std::variant_alternative_t<I, CheckKind> k{};
         fields_read(args, k, "args", err);
         check.kind.template emplace<I>(std::move(k));
       }
     }()),
     ...);
  }(std::make_index_sequence<std::variant_size_v<CheckKind>>{});
  if (!found) {
    return Error(ErrorCode::kInvalidArgument,
                 "kind: \"" + std::string(kind->as_string()) + "\" is not a check kind");
  }
  if (err) return std::move(*err).context(std::string("check of kind ") + kind_name(check.kind));
  return check;
}

json::value result_to_json(const CheckResult& result) {
  json::object o;
  fields_write(o, result);
  return o;
}

Result<CheckResult> result_from_json(const json::value& j) {
  CheckResult r;
  std::optional<Error> err;
  from_json_value(j, r, "result", err);
  if (err) return std::move(*err);
  return r;
}

// ---- envelopes -----------------------------------------------------------------------------

std::string encode(const Envelope& message) {
  json::object o;
  o["v"] = kProtocolVersion;
  o["type"] = type_name(message.body);
  if (message.id != 0) o["id"] = message.id;
  if (message.re) o["re"] = *message.re;
  o["body"] = body_to_json(message.body);
  std::string line = json::serialize(o);
  line += '\n';
  return line;
}

Result<Envelope> decode(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  boost::system::error_code ec;
  json::value j = json::parse(line, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "not JSON: " + ec.message());
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "a message must be a JSON object");
  const auto& o = j.as_object();
  std::optional<Error> err;
  int version = 0;
  read_key(o, "v", version, err, true);
  if (err) return std::move(*err);
  if (version != kProtocolVersion) {
    return Error(ErrorCode::kInvalidArgument, "version " + std::to_string(version) +
                                                  " is not supported (this side speaks " +
                                                  std::to_string(kProtocolVersion) + ")");
  }
  Envelope e;
  std::string type;
  read_key(o, "type", type, err, true);
  read_key(o, "id", e.id, err, false);
  std::uint64_t re = 0;
  if (read_key(o, "re", re, err, false)) e.re = re;
  if (err) return std::move(*err);
  static const json::object kEmpty;
  const json::value* body = o.if_contains("body");
  if (body && !body->is_object()) return Error(ErrorCode::kInvalidArgument, "body: expected an object");
  auto parsed = body_from_json(type, body ? body->as_object() : kEmpty);
  if (!parsed) return std::move(parsed).error().context("message \"" + type + "\"");
  if (auto range = check_ranges(*parsed); !range.ok()) {
    return std::move(range).error().context("message \"" + type + "\"");
  }
  e.body = std::move(*parsed);
  return e;
}

// ---- base64 --------------------------------------------------------------------------------

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = std::uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return Error(ErrorCode::kInvalidArgument, "base64 length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return Error(ErrorCode::kInvalidArgument, "base64 padding in the middle");
        v[k] = value(c);
        if (v[k] < 0) return Error(ErrorCode::kInvalidArgument, "invalid base64 character");
      }
    }
    std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += char((n >> 16) & 0xff);
    if (pad < 2) out += char((n >> 8) & 0xff);
    if (pad < 1) out += char(n & 0xff);
  }
  return out;
}

}  // namespace atelier::protocol
