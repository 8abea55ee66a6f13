// GET /assets/* : the pages' installed stylesheets and scripts (share/atelier/web/assets) and the
// front-end libraries installed by scripts/install-deps under their own prefixes (/assets/xterm/*,
// /assets/player/*, and Debian's noVNC as /assets/novnc/*). Only plain names of known types under
// those folders are served: no "..", no hidden files, no escapes, no symlinks out of the folder.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "controller/api/handlers.h"
#include "controller/api/web_state.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxAsset = 8 * 1024 * 1024;

// The content type of a served file, "" for a type we do not serve.
std::string content_type(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".woff2") return "font/woff2";
  return "";
}

// Segments of letters, digits, '.', '-', '_' that do not start with '.': no traversal, no
// hidden files, and nothing percent-encoded for a later layer to decode.
bool plain_relative(std::string_view rest) {
  if (rest.empty() || rest.size() > 256) return false;
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view seg = rest.substr(start, end - start);
    if (seg.empty() || seg.front() == '.') return false;
    for (char c : seg) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

HttpResponse not_found() {
  return json_error(404, "not_found", "no such asset");
}

// The folder `rest` is read from, and `rest` made relative to it: a library's prefix names its
// own folder (one row per vendored library), anything else is one of atelierd's own assets.
fs::path root_of(const WebOptions& web, std::string& rest) {
  const std::pair<std::string_view, const fs::path*> prefixes[] = {
      {"xterm/", &web.xterm_dir},
      {"player/", &web.player_dir},
      {"novnc/", &web.novnc_dir},
  };
  for (const auto& [prefix, dir] : prefixes) {
    if (rest.starts_with(prefix)) {
      rest.erase(0, prefix.size());
      return *dir;
    }
  }
  return web.assets_dir;
}

}  // namespace

HttpResponse handle_asset(const HandlerContext& ctx) {
  std::string rest = ctx.route.rest;
  if (auto q = rest.find('?'); q != std::string::npos) rest.resize(q);
  if (!plain_relative(rest)) return not_found();
  const fs::path root = root_of(ctx.options.web, rest);
  if (root.empty()) return not_found();
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return not_found();
  fs::path file = fs::canonical(base / rest, ec);
  // canonical() resolves symlinks: the file must still be inside the folder.
  if (ec) return not_found();
  auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (b != base.end()) return not_found();
  std::string type = content_type(file);
  if (type.empty() || !fs::is_regular_file(file, ec)) return not_found();
  if (fs::file_size(file, ec) > kMaxAsset || ec) return not_found();
  std::ifstream in(file, std::ios::binary);
  if (!in) return not_found();
  HttpResponse r;
  r.content_type = type;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.headers = {{"X-Content-Type-Options", "nosniff"}};
  return r;
}

}  // namespace atelier::api
