// ustar writer and strict reader (ustar.h). Header layout: POSIX.1-1988 (name 0..99, mode 100,
// uid 108, gid 116, size 124, mtime 136, chksum 148, typeflag 156, magic 257 "ustar\0",
// version 263 "00").
#include "controller/evidence/ustar.h"

#include <algorithm>
#include <set>

namespace atelier::evidence {
namespace {

constexpr std::size_t kBlock = 512;

void put_octal(std::string& header, std::size_t offset, std::size_t width, std::uint64_t value) {
  // width - 1 digits, then NUL.
  for (std::size_t i = width - 1; i-- > 0;) {
    header[offset + i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  header[offset + width - 1] = '\0';
}

std::uint64_t checksum(std::string_view header) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    // The checksum field counts as eight spaces.
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
  }
  return sum;
}

// An octal field: digits, maybe after spaces, ended by NUL or space; -1 when it is not one.
std::int64_t parse_octal(std::string_view field) {
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  std::int64_t v = 0;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v > (std::int64_t{1} << 55)) return -1;
    v = v * 8 + (field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i) {
    if (field[i] != '\0' && field[i] != ' ') return -1;
  }
  return any ? v : -1;
}

Error at(std::size_t offset, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument,
               "header at byte " + std::to_string(offset) + ": " + what);
}

}  // namespace

std::string bad_member_name(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name.size() > 99) return "a name longer than 99 bytes";
  if (name.front() == '/') return "an absolute name";
  if (name.back() == '/') return "a folder";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return "a name with an empty, \".\" or \"..\" part";
    start = end + 1;
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "a control character in the name";
  }
  return "";
}

Result<std::string> write_ustar(const std::vector<TarMember>& members, std::int64_t mtime) {
  std::string out;
  for (const auto& m : members) {
    if (auto bad = bad_member_name(m.name); !bad.empty()) {
      return Error(ErrorCode::kInvalidArgument, "cannot archive \"" + m.name + "\": " + bad);
    }
    std::string h(kBlock, '\0');
    std::copy(m.name.begin(), m.name.end(), h.begin());
    put_octal(h, 100, 8, 0644);
    put_octal(h, 108, 8, 0);
    put_octal(h, 116, 8, 0);
    put_octal(h, 124, 12, m.data.size());
    put_octal(h, 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
    h[156] = '0';
    std::copy_n("ustar", 6, h.begin() + 257);  // with its NUL
    h[263] = '0';
    h[264] = '0';
    // chksum: six octal digits, NUL, space.
    put_octal(h, 148, 7, checksum(h));
    h[155] = ' ';
    out += h;
    out += m.data;
    out.append((kBlock - m.data.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<std::vector<TarMember>> read_ustar(std::string_view archive) {
  std::vector<TarMember> members;
  std::set<std::string> names;
  std::size_t offset = 0;
  for (;;) {
    if (offset + kBlock > archive.size())
      return at(offset, "the archive ends without its closing zero blocks");
    std::string_view h = archive.substr(offset, kBlock);
    if (std::all_of(h.begin(), h.end(), [](char c) { return c == '\0'; })) break;
    if (h.substr(257, 5) != "ustar") return at(offset, "not a ustar header");
    const std::int64_t sum = parse_octal(h.substr(148, 8));
    if (sum < 0 || static_cast<std::uint64_t>(sum) != checksum(h)) {
      return at(offset, "checksum does not match (the archive was changed)");
    }
    std::string name(h.substr(0, 100).substr(0, h.substr(0, 100).find('\0')));
    if (h[345] != '\0') return at(offset, "a name with a prefix field (not written by atelier)");
    if (h[156] != '0' && h[156] != '\0')
      return at(offset, "\"" + name + "\" is not a regular file");
    if (auto bad = bad_member_name(name); !bad.empty())
      return at(offset, "\"" + name + "\": " + bad);
    if (!names.insert(name).second) return at(offset, "\"" + name + "\" appears twice");
    const std::int64_t size = parse_octal(h.substr(124, 12));
    if (size < 0) return at(offset, "\"" + name + "\": its size is not a number");
    const std::size_t n = static_cast<std::size_t>(size);
    offset += kBlock;
    if (n > archive.size() - offset) return at(offset - kBlock, "\"" + name + "\" is cut short");
    members.push_back({std::move(name), std::string(archive.substr(offset, n))});
    offset += (n + kBlock - 1) / kBlock * kBlock;
  }
  // After the first zero block: only zeros (the second block and any record padding).
  for (std::size_t i = offset; i < archive.size(); ++i) {
    if (archive[i] != '\0') return at(offset, "data after the end of the archive");
  }
  if (archive.size() < offset + 2 * kBlock)
    return at(offset, "the archive ends without its closing zero blocks");
  return members;
}

}  // namespace atelier::evidence
