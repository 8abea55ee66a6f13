// Small pure parsers and the "did you mean" helper used by the lab loader.
#include <algorithm>
#include <charconv>

#include "common/lab/loader.h"

namespace atelier::lab {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::chrono::milliseconds total{0};
  std::size_t pos = 0;
  int last_rank = 100;  // units must come in decreasing order: 1h30m, not 30m1h
  while (pos < text.size()) {
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return std::nullopt;
    long long n = 0;
    std::from_chars(text.data() + start, text.data() + pos, n);
    std::size_t unit_start = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    long long ms_per = 0;
    int rank = 0;
    if (unit == "h") {
      ms_per = 3600000, rank = 4;
    } else if (unit == "m") {
      ms_per = 60000, rank = 3;
    } else if (unit == "s") {
      ms_per = 1000, rank = 2;
    } else if (unit == "ms") {
      ms_per = 1, rank = 1;
    } else {
      return std::nullopt;
    }
    if (rank >= last_rank) return std::nullopt;
    last_rank = rank;
    total += std::chrono::milliseconds(n * ms_per);
  }
  return total;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  if (pos == 0 || pos > 15) return std::nullopt;
  std::uint64_t n = 0;
  std::from_chars(text.data(), text.data() + pos, n);
  std::string_view unit = text.substr(pos);
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "KiB") {
    shift = 10;
  } else if (unit == "MiB") {
    shift = 20;
  } else if (unit == "GiB") {
    shift = 30;
  } else if (unit == "TiB") {
    shift = 40;
  } else {
    return std::nullopt;
  }
  if (shift > 0 && n > (~std::uint64_t{0} >> shift)) return std::nullopt;
  return n << shift;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("wbe" -> "web"
// is one edit), which is what typos mostly are.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(n, m);
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace atelier::lab
