// sql (statements through psql or mysql on the target, guarded by an `unless` query) and
// ldap_entry (search, compare, then ldapmodify/ldbmodify with the planned LDIF).
#include <cstring>
#include <set>
#include <sstream>

#include "ansible-free-recipes/engine/ops/op_util.h"

namespace atelier::recipes {

using transport::shell_quote;

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64_encode(const std::string& in) {
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(n >> k) & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string b64_decode(const std::string& in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = std::strchr(kB64, c);
    if (!p || c == '\0') continue;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

// RFC 2849: values that are not "safe strings" are written base64.
std::string ldif_line(const std::string& attr, const std::string& value) {
  bool safe = value.empty() ||
              (value[0] != ' ' && value[0] != ':' && value[0] != '<' && value.back() != ' ');
  for (unsigned char c : value) safe = safe && c >= 32 && c < 127;
  return safe ? attr + ": " + value + "\n" : attr + ":: " + b64_encode(value) + "\n";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::map<std::string, std::vector<std::string>> parse_ldif_entry(const std::string& text) {
  // Unfold continuation lines (a line starting with one space continues the previous one).
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty() && l[0] == ' ' && !lines.empty())
      lines.back() += l.substr(1);
    else
      lines.push_back(l);
  }
  std::map<std::string, std::vector<std::string>> out;
  bool in_entry = false;
  for (const auto& line : lines) {
    if (line.empty() || line[0] == '#') {
      if (in_entry && line.empty()) break;  // first entry only
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string attr = lower(line.substr(0, colon));
    std::string value;
    if (colon + 1 < line.size() && line[colon + 1] == ':')
      value = b64_decode(detail::trim(line.substr(colon + 2)));
    else
      value =
          line.size() > colon + 1 ? line.substr(colon + 1 + (line[colon + 1] == ' ' ? 1 : 0)) : "";
    in_entry = true;
    if (attr == "dn") continue;
    out[attr].push_back(value);
  }
  return out;
}

std::string plan_ldif(const std::optional<std::map<std::string, std::vector<std::string>>>& current,
                      const LdapEntryOp& op) {
  std::string out = ldif_line("dn", op.dn);
  if (op.state == PresenceState::kAbsent) return current ? out + "changetype: delete\n" : "";
  if (!current) {
    out += "changetype: add\n";
    for (const auto& [attr, values] : op.attributes) {
      for (const auto& v : values) out += ldif_line(attr, v);
    }
    return out;
  }
  out += "changetype: modify\n";
  bool any = false;
  for (const auto& [attr, values] : op.attributes) {
    auto it = current->find(lower(attr));
    std::multiset<std::string> have, want(values.begin(), values.end());
    if (it != current->end()) have.insert(it->second.begin(), it->second.end());
    if (have == want) continue;
    any = true;
    out += "replace: " + attr + "\n";
    for (const auto& v : values) out += ldif_line(attr, v);
    out += "-\n";
  }
  return any ? out : "";
}

namespace detail {

OpResult apply_sql(const SqlOp& op, OpEnv& env) {
  std::string client;
  std::string user;
  if (op.engine == SqlEngine::kPostgresql) {
    user = op.os_user.value_or("postgres");
    client = "psql -X -q -A -t -v ON_ERROR_STOP=1" +
             (op.database ? " -d " + shell_quote(*op.database) : "");
  } else {
    user = op.os_user.value_or("root");
    client =
        "mysql --batch --skip-column-names" + (op.database ? " " + shell_quote(*op.database) : "");
  }
  auto as_user = [&](const std::string& cmd) {
    return user == "root" ? cmd : "runuser -u " + shell_quote(user) + " -- " + cmd;
  };
  const char* flag = op.engine == SqlEngine::kPostgresql ? " -c " : " -e ";
  if (op.unless) {
    auto r = sh(env, as_user(client + flag + shell_quote(*op.unless)));
    if (!r.ok()) return failed(r.error().context("unless query"));
    if (r->exit_code != 0) return failed("unless query failed: " + tail(*r));
    if (!trim(r->stdout_text).empty()) return ok("unless: query returned rows");
  }
  std::string diff;
  std::string cmd = client;
  for (const auto& s : op.statements) {
    diff += "SQL> " + s + "\n";
    cmd += flag + shell_quote(s);
  }
  if (env.dry_run) return changed(diff, "would run");
  if (op.engine == SqlEngine::kMysql && op.statements.size() > 1) {
    // mysql keeps only the last -e: join the statements instead.
    std::string joined;
    for (const auto& s : op.statements) joined += s + (s.ends_with(";") ? " " : "; ");
    cmd = client + " -e " + shell_quote(joined);
  }
  auto r = sh(env, as_user(cmd), kChangeTimeout);
  if (!r.ok()) return failed(r.error());
  OpResult out;
  out.output = *r;
  out.diff = diff;
  if (r->exit_code != 0) {
    out.status = StepStatus::kFailed;
    out.message = "SQL failed: " + tail(*r);
  } else {
    out.status = StepStatus::kChanged;
    out.message = op.unless ? "ran" : "ran (no unless guard: runs every time)";
  }
  return out;
}

OpResult apply_ldap_entry(const LdapEntryOp& op, OpEnv& env) {
  std::string auth;
  if (op.tool == LdapTool::kLdapmodify) {
    auth = " -H " + shell_quote(op.uri);
    if (op.bind_dn)
      auth += " -x -D " + shell_quote(*op.bind_dn) +
              (op.password_file ? " -y " + shell_quote(*op.password_file) : "");
    else
      auth += " -Y EXTERNAL -Q";
  } else {
    auth = " -H " + shell_quote(op.uri);
  }
  std::string search =
      op.tool == LdapTool::kLdapmodify
          ? "ldapsearch -LLL -o ldif-wrap=no" + auth + " -s base -b " + shell_quote(op.dn) +
                " '(objectClass=*)'"
          : "ldbsearch" + auth + " -s base -b " + shell_quote(op.dn) + " '(objectClass=*)'";
  for (const auto& [attr, _] : op.attributes) search += " " + shell_quote(attr);
  auto r = sh(env, search + " 2>&1");
  if (!r.ok()) return failed(r.error());
  std::optional<std::map<std::string, std::vector<std::string>>> current;
  bool missing = r->exit_code == 32 || r->stdout_text.find("No such object") != std::string::npos ||
                 (op.tool == LdapTool::kLdbmodify &&
                  r->stdout_text.find("# returned 0 records") != std::string::npos);
  if (!missing) {
    if (r->exit_code != 0) return failed("search " + op.dn + " failed: " + tail(*r));
    current = parse_ldif_entry(r->stdout_text);
  }
  std::string ldif = plan_ldif(current, op);
  if (ldif.empty()) return ok();
  if (env.dry_run) return changed(ldif, "would modify");
  std::string tool = op.tool == LdapTool::kLdapmodify ? "ldapmodify" + auth : "ldbmodify" + auth;
  auto s =
      must(env, tool + " <<'ATELIER_LDIF_EOF'\n" + ldif + "ATELIER_LDIF_EOF\n", "modify " + op.dn);
  if (!s.ok()) return failed(s.error());
  return changed(ldif, "modified");
}

}  // namespace detail
}  // namespace atelier::recipes
