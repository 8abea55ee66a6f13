// The codec's field machinery (internal to codec.cpp): enum names, the JSON writer and the
// validating reader, and each struct's field list, written once and used by both directions.
// Everything here is a template or inline; only common/protocol/codec*.cpp include it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/json.hpp>

#include "common/protocol/codec.h"

namespace atelier::protocol::codec_detail {
namespace json = boost::json;
using namespace atelier::checks;

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
  static constexpr std::array<const char*, 8> kNames{"A",   "AAAA",  "MX",  "SRV",
                                                     "PTR", "CNAME", "TXT", "NS"};
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
concept NamedEnum = requires {
  EnumNames<T>::kNames;
};

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
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
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
bool from_json_value(const json::value& j, T& out, const std::string& where,
                     std::optional<Error>& err);

inline void fail(std::optional<Error>& err, const std::string& where, const std::string& what) {
  if (!err) err = Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

template <typename T>
bool from_json_value(const json::value& j, T& out, const std::string& where,
                     std::optional<Error>& err) {
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
          (v > 0 && static_cast<std::uint64_t>(v) >
                        static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
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
    if (!in.if_contains(key))
      fail(err, where.empty() ? std::string(key) : where + "." + key, "missing");
  }
  // Rejects keys the struct does not list: a typo in a check must not pass silently.
  void reject_unknown() {
    for (const auto& kv : in) {
      bool ok = false;
      for (const auto& k : known) ok = ok || kv.key() == k;
      if (!ok)
        fail(err, where.empty() ? std::string(kv.key()) : where + "." + std::string(kv.key()),
             "unknown key");
    }
  }
};

// ---- field lists ---------------------------------------------------------------------------
// `required` lists the keys that must be present when reading.

// Type is a type name and body a function body: neither can be put in parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ATELIER_FIELDS(Type, required_list, body)                                         \
  template <typename V, typename S>                                                       \
  void fields_of(V& f, S& s, Type*) body [[maybe_unused]] inline std::vector<const char*> \
  required_of(Type*) {                                                                    \
    return required_list;                                                                 \
  }
// NOLINTEND(bugprone-macro-parentheses)

using Req = std::vector<const char*>;

ATELIER_FIELDS(FileCheck, (Req{"path"}), {
  f("path", s.path);
  f("exists", s.exists);
  f("directory", s.directory);
  f("mode", s.mode);
  f("owner", s.owner);
  f("group", s.group);
  f("contains", s.contains);
  f("regex", s.regex);
  f("sha256", s.sha256);
})
ATELIER_FIELDS(PackageCheck, (Req{"name"}), {
  f("name", s.name);
  f("installed", s.installed);
  f("version", s.version);
})
ATELIER_FIELDS(ServiceCheck, (Req{"name"}), {
  f("name", s.name);
  f("state", s.state);
  f("enabled", s.enabled);
})
ATELIER_FIELDS(UserCheck, (Req{"name"}), {
  f("name", s.name);
  f("exists", s.exists);
  f("shell", s.shell);
  f("home", s.home);
  f("groups", s.groups);
})
ATELIER_FIELDS(GroupCheck, (Req{"name"}), {
  f("name", s.name);
  f("exists", s.exists);
  f("members", s.members);
})
ATELIER_FIELDS(ProcessCheck, (Req{"name"}), {
  f("name", s.name);
  f("running", s.running);
  f("user", s.user);
})
ATELIER_FIELDS(PortCheck, (Req{"port"}), {
  f("port", s.port);
  f("protocol", s.protocol);
  f("listening", s.listening);
  f("address", s.address);
})
ATELIER_FIELDS(RouteCheck, (Req{"destination"}), {
  f("destination", s.destination);
  f("gateway", s.gateway);
  f("device", s.device);
  f("present", s.present);
})
ATELIER_FIELDS(InterfaceCheck, (Req{"name"}), {
  f("name", s.name);
  f("address", s.address);
  f("up", s.up);
})
ATELIER_FIELDS(FirewallCheck, (Req{"table"}), {
  f("family", s.family);
  f("table", s.table);
  f("chain", s.chain);
  f("policy", s.policy);
  f("rule", s.rule);
  f("present", s.present);
})
ATELIER_FIELDS(CommandCheck, (Req{"run"}), {
  f("run", s.run);
  f("exit_code", s.exit_code);
  f("stdout_regex", s.stdout_regex);
  f("user", s.user);
})
ATELIER_FIELDS(SysctlCheck, (Req{"key", "value"}), {
  f("key", s.key);
  f("value", s.value);
})
ATELIER_FIELDS(MountCheck, (Req{"path"}), {
  f("path", s.path);
  f("mounted", s.mounted);
  f("fstype", s.fstype);
  f("source", s.source);
})
ATELIER_FIELDS(DiskFreeCheck, (Req{"path"}), {
  f("path", s.path);
  f("min_free_bytes", s.min_free_bytes);
  f("min_free_percent", s.min_free_percent);
})
ATELIER_FIELDS(TcpCheck, (Req{"host", "port"}), {
  f("host", s.host);
  f("port", s.port);
  f("open", s.open);
})
ATELIER_FIELDS(DnsCheck, (Req{"server", "name"}), {
  f("server", s.server);
  f("name", s.name);
  f("type", s.type);
  f("expect", s.expect);
  f("exists", s.exists);
})
ATELIER_FIELDS(HttpCheck, (Req{"url"}), {
  f("url", s.url);
  f("status", s.status);
  f("body_regex", s.body_regex);
})
ATELIER_FIELDS(SmtpCheck, (Req{"server", "from", "to"}), {
  f("server", s.server);
  f("port", s.port);
  f("from", s.from);
  f("to", s.to);
  f("accepted", s.accepted);
})
ATELIER_FIELDS(ImapCheck, (Req{"server", "user", "password"}), {
  f("server", s.server);
  f("port", s.port);
  f("user", s.user);
  f("password", s.password);
  f("mailbox", s.mailbox);
  f("subject", s.subject);
})
ATELIER_FIELDS(LdapCheck, (Req{"url", "base"}), {
  f("url", s.url);
  f("bind_dn", s.bind_dn);
  f("password", s.password);
  f("base", s.base);
  f("filter", s.filter);
  f("scope", s.scope);
  f("attribute", s.attribute);
  f("value", s.value);
  f("count", s.count);
})
ATELIER_FIELDS(SqlCheck, (Req{"host", "user", "database", "query"}), {
  f("engine", s.engine);
  f("host", s.host);
  f("port", s.port);
  f("user", s.user);
  f("password", s.password);
  f("database", s.database);
  f("query", s.query);
  f("rows", s.rows);
  f("count", s.count);
  f("succeeds", s.succeeds);
})
ATELIER_FIELDS(PingCheck, (Req{"host"}), {
  f("host", s.host);
  f("reachable", s.reachable);
  f("count", s.count);
})
ATELIER_FIELDS(FlowCheck, (Req{"to", "port"}), {
  f("to", s.to);
  f("port", s.port);
  f("protocol", s.protocol);
  f("allowed", s.allowed);
})

// Protocol bodies.
ATELIER_FIELDS(Identity, (Req{}), {
  f("session", s.session);
  f("candidate", s.candidate);
  f("host", s.host);
})
ATELIER_FIELDS(InterfaceFact, (Req{"name"}), {
  f("name", s.name);
  f("mac", s.mac);
  f("up", s.up);
  f("addresses", s.addresses);
})
ATELIER_FIELDS(HostFacts, (Req{}), {
  f("hostname", s.hostname);
  f("kernel", s.kernel);
  f("os", s.os);
  f("interfaces", s.interfaces);
})
ATELIER_FIELDS(AgentInstance, (Req{"nonce"}), {
  f("nonce", s.nonce);
  f("started_unix_ms", s.started_unix_ms);
  f("boot_id", s.boot_id);
})
ATELIER_FIELDS(Hello, (Req{"protocol_version", "agent_version"}), {
  f("protocol_version", s.protocol_version);
  f("agent_version", s.agent_version);
  f("identity", s.identity);
  f("facts", s.facts);
  f("spooled", s.spooled);
  f("instance", s.instance);
})
ATELIER_FIELDS(HelloRequest, (Req{}), {
  (void)f;
  (void)s;
})
ATELIER_FIELDS(Heartbeat, (Req{}), {
  f("sequence", s.sequence);
  f("unix_ms", s.unix_ms);
})
ATELIER_FIELDS(ExecRequest, (Req{}), {
  f("argv", s.argv);
  f("shell", s.shell);
  f("timeout_ms", s.timeout);
  f("user", s.user);
  f("stdin", s.stdin_data);
  f("max_output", s.max_output);
})
ATELIER_FIELDS(ExecResult, (Req{"exit_code"}), {
  f("exit_code", s.exit_code);
  f("signal", s.signal);
  f("timed_out", s.timed_out);
  f("stdout", s.stdout_text);
  f("stderr", s.stderr_text);
  f("stdout_truncated", s.stdout_truncated);
  f("stderr_truncated", s.stderr_truncated);
  f("duration_ms", s.duration);
})
ATELIER_FIELDS(GetFileRequest, (Req{"path"}), {
  f("path", s.path);
  f("max_bytes", s.max_bytes);
})
ATELIER_FIELDS(Ok, (Req{}), {
  (void)f;
  (void)s;
})
ATELIER_FIELDS(CheckResult, (Req{"result_id", "status"}), {
  f("result_id", s.result_id);
  f("index", s.index);
  f("kind", s.kind);
  f("description", s.description);
  f("status", s.status);
  f("expected", s.expected);
  f("observed", s.observed);
  f("duration_ms", s.duration);
  f("started_unix_ms", s.started_unix_ms);
})
ATELIER_FIELDS(Results, (Req{"bundle_id"}), {
  f("bundle_id", s.bundle_id);
  f("host", s.host);
  f("results", s.results);
  f("finished_unix_ms", s.finished_unix_ms);
})
ATELIER_FIELDS(Ack, (Req{"bundle_id"}), {
  f("bundle_id", s.bundle_id);
  f("result_ids", s.result_ids);
})
ATELIER_FIELDS(ErrorReply, (Req{"code"}), {
  f("code", s.code);
  f("message", s.message);
})

#undef ATELIER_FIELDS

template <typename T>
void fields_write(json::object& out, const T& v) {
  Writer w{out};
  fields_of(w, v, static_cast<T*>(nullptr));
}

template <typename T>
void fields_read(const json::object& in, T& v, const std::string& where,
                 std::optional<Error>& err) {
  Reader r{in, where, err, {}};
  for (const char* key : required_of(static_cast<T*>(nullptr))) r.require(key);
  fields_of(r, v, static_cast<T*>(nullptr));
  r.reject_unknown();
}

}  // namespace atelier::protocol::codec_detail
