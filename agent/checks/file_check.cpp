// The `file` check: existence, type, mode, owner, group, and content (substring, regex, sha256).
#include <grp.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/text/regex.h"

namespace atelier::agent {
namespace {

constexpr std::size_t kMaxContent = 64 * 1024 * 1024;

std::string user_name(uid_t uid) {
  passwd* pw = getpwuid(uid);
  return pw ? pw->pw_name : std::to_string(uid);
}
std::string group_name(gid_t gid) {
  group* gr = getgrgid(gid);
  return gr ? gr->gr_name : std::to_string(gid);
}

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    out += buf;
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

Evidence run_file(const checks::FileCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  struct stat st {};
  if (::stat(c.path.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      ev.expect(c.exists ? c.path + " exists" : c.path + " is absent", "", false);
      return ev.error("stat " + c.path + ": " + std::strerror(errno));
    }
    ev.expect(c.exists ? c.path + " exists" : c.path + " is absent", c.path + " does not exist",
              !c.exists);
    return ev.finish();
  }
  bool is_dir = S_ISDIR(st.st_mode);
  const char* type = is_dir ? "a directory" : S_ISREG(st.st_mode) ? "a file" : "a special file";
  if (!c.exists) {
    ev.expect(c.path + " is absent", c.path + " exists (" + type + ")", false);
    return ev.finish();
  }
  if (c.directory) {
    ev.expect(c.path + " is a directory", c.path + " is " + type, is_dir);
  } else {
    ev.expect(c.path + " exists", c.path + " exists (" + type + ")", true);
  }
  if (c.mode) {
    auto want = parse_mode(*c.mode);
    unsigned have = st.st_mode & 07777;
    if (!want) {
      ev.expect("mode " + *c.mode, "", false);
      return ev.error("mode \"" + *c.mode + "\" is not an octal mode");
    }
    ev.expect("mode " + octal(*want), "mode " + octal(have), *want == have);
  }
  if (c.owner) {
    std::string have = user_name(st.st_uid);
    ev.expect("owner " + *c.owner, "owner " + have,
              have == *c.owner || std::to_string(st.st_uid) == *c.owner);
  }
  if (c.group) {
    std::string have = group_name(st.st_gid);
    ev.expect("group " + *c.group, "group " + have,
              have == *c.group || std::to_string(st.st_gid) == *c.group);
  }
  if (c.contains || c.regex || c.sha256) {
    if (is_dir) return ev.error(c.path + " is a directory: its content cannot be checked");
    std::ifstream in(c.path, std::ios::binary);
    if (!in) return ev.error("cannot read " + c.path + ": " + std::strerror(errno));
    std::string content;
    content.resize(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), kMaxContent));
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<std::size_t>(in.gcount()));
    if (c.contains) {
      bool found = content.find(*c.contains) != std::string::npos;
      ev.expect("content contains " + quote(*c.contains),
                found ? "content contains " + quote(*c.contains)
                      : "content (" + std::to_string(content.size()) + " bytes) does not contain " +
                            quote(*c.contains),
                found);
    }
    if (c.regex) {
      auto re = text::Regex::compile(*c.regex);
      if (!re) {
        ev.expect("content matches /" + *c.regex + "/", "", false);
        return ev.error("invalid regex /" + *c.regex + "/: " + re.error().message());
      }
      auto m = re->search(content);
      ev.expect("content matches /" + *c.regex + "/",
                m ? "matched " + quote(std::string(*m), 120) : "no line matches /" + *c.regex + "/",
                m.has_value());
    }
    if (c.sha256) {
      std::string have = sha256_hex(content);
      ev.expect("sha256 " + lower(*c.sha256), "sha256 " + have, have == lower(*c.sha256));
    }
  }
  return ev.finish();
}

}  // namespace atelier::agent
