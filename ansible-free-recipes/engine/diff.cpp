// Line diff by longest common subsequence: O(n*m) memory, fine for configuration files.
#include "ansible-free-recipes/engine/diff.h"

#include <vector>

namespace atelier::recipes {
namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    auto nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start) + "\n\\ No newline at end of file");
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label) {
  if (before == after) return "";
  auto a = split_lines(before);
  auto b = split_lines(after);
  const size_t n = a.size(), m = b.size();
  if (n * m > 4'000'000) {
    return "--- " + label + "\n+++ " + label + "\n(content differs: " + std::to_string(n) +
           " lines -> " + std::to_string(m) + " lines)\n";
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  struct Line {
    char tag;
    std::string text;
    size_t ai, bj;  // positions before this line in a and b
  };
  std::vector<Line> script;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      script.push_back({' ', a[i], i, j});
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.push_back({'-', a[i], i, j});
      ++i;
    } else {
      script.push_back({'+', b[j], i, j});
      ++j;
    }
  }
  std::string out = "--- " + label + " (before)\n+++ " + label + " (after)\n";
  const size_t ctx = 3;
  size_t k = 0;
  while (k < script.size()) {
    if (script[k].tag == ' ') {
      ++k;
      continue;
    }
    size_t start = k >= ctx ? k - ctx : 0;
    // Extend the hunk while changes are within 2*ctx lines of each other.
    size_t end = k;
    size_t last_change = k;
    while (end < script.size()) {
      if (script[end].tag != ' ')
        last_change = end;
      else if (end - last_change > 2 * ctx)
        break;
      ++end;
    }
    end = std::min(script.size(), last_change + ctx + 1);
    size_t a_count = 0, b_count = 0;
    for (size_t x = start; x < end; ++x) {
      if (script[x].tag != '+') ++a_count;
      if (script[x].tag != '-') ++b_count;
    }
    size_t a_start = script[start].ai + (a_count ? 1 : 0);
    size_t b_start = script[start].bj + (b_count ? 1 : 0);
    out += "@@ -" + std::to_string(a_start) + "," + std::to_string(a_count) + " +" +
           std::to_string(b_start) + "," + std::to_string(b_count) + " @@\n";
    for (size_t x = start; x < end; ++x) out += script[x].tag + script[x].text + "\n";
    k = end;
  }
  return out;
}

}  // namespace atelier::recipes
