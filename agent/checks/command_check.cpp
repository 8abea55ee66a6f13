// The `command` check: RUN exits with the expected code and its stdout matches a regex; the
// check's timeout kills the command's whole process group. RUN is a /bin/sh command line; one
// that is plain words (no quoting, expansion, redirection or builtin) is executed directly, which
// is the same for sh and spares a shell per check.
#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "agent/checks/check.h"
#include "common/process/run_process.h"
#include "common/text/regex.h"

namespace atelier::agent {
namespace {

// sh's builtins and keywords: a command line starting with one needs the shell.
constexpr std::array<std::string_view, 40> kShellWords = {
    "cd",      "exit",  "export",   "set",     "unset", "source", ".",        "alias",
    "unalias", "read",  "eval",     "exec",    "if",    "then",   "else",     "elif",
    "fi",      "for",   "while",    "until",   "do",    "done",   "case",     "esac",
    "ulimit",  "umask", "shift",    "trap",    "wait",  "type",   "command",  "hash",
    "return",  "local", "readonly", "getopts", "times", "break",  "continue", "jobs"};

// The words of a command line that sh would run as one simple command with no expansion, or
// nullopt when the line needs the shell.
std::optional<std::vector<std::string>> plain_words(const std::string& run) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : run) {
    bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 std::string_view("-_./,:+@%").find(ch) != std::string_view::npos;
    if (ch == ' ' || ch == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (plain) {
      word += ch;
    } else {
      return std::nullopt;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty() ||
      std::find(kShellWords.begin(), kShellWords.end(), words[0]) != kShellWords.end()) {
    return std::nullopt;
  }
  return words;
}

std::vector<std::string> command_argv(const checks::CommandCheck& c, bool direct) {
  std::vector<std::string> argv;
  if (c.user) argv = {"runuser", "-u", *c.user, "--"};
  auto words = direct ? plain_words(c.run) : std::nullopt;
  if (words) {
    argv.insert(argv.end(), words->begin(), words->end());
  } else {
    argv.insert(argv.end(), {"/bin/sh", "-c", c.run});
  }
  return argv;
}

}  // namespace

Evidence run_command(const checks::CommandCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string want = "exit " + std::to_string(c.exit_code);
  if (c.stdout_regex) want += ", stdout matches /" + *c.stdout_regex + "/";
  auto r = process::run_process({command_argv(c, true), {}, "", "", ctx.timeout, 64 * 1024});
  // A program that cannot be started: sh says so its own way (exit 127, "not found").
  if (!r && r.error().code() == ErrorCode::kIo) {
    r = process::run_process({command_argv(c, false), {}, "", "", ctx.timeout, 64 * 1024});
  }
  if (!r) {
    ev.expect(want, "", false);
    if (r.error().code() == ErrorCode::kTimeout) {
      return ev.error("no exit within " + std::to_string(ctx.timeout.count()) +
                      " ms: the process group was killed");
    }
    return ev.error(r.error().to_string());
  }
  std::string seen = "exit " + std::to_string(r->exit_code) + ", stdout " + quote(r->out);
  if (!r->err.empty()) seen += ", stderr " + quote(r->err, 120);
  bool ok = r->exit_code == c.exit_code;
  if (c.stdout_regex) {
    auto re = text::Regex::compile(*c.stdout_regex);
    if (!re) {
      ev.expect(want, "", false);
      return ev.error("invalid regex /" + *c.stdout_regex + "/: " + re.error().message());
    }
    ok = ok && re->search(r->out).has_value();
  }
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
