// Per-test fixtures for the provider's integration tests.
#include "tests/integration/provider/fixture.h"

#include <pugixml.hpp>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace atelier::provider::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "atelier-provider-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = tmpl;
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string make_fixture(const TempDir& dir, const std::vector<std::string>& extra) {
  pugi::xml_document doc;
  std::string base = std::string(ATELIER_PROVIDER_FIXTURES) + "/base.xml";
  if (!doc.load_file(base.c_str())) {
    throw std::runtime_error("cannot load " + base);
  }
  pugi::xml_node node = doc.child("node");
  for (const std::string& fragment : extra) {
    pugi::xml_document part;
    if (!part.load_string(fragment.c_str())) {
      throw std::runtime_error("bad fixture fragment: " + fragment);
    }
    for (pugi::xml_node child : part.children()) {
      node.append_copy(child);
    }
  }
  std::filesystem::path out = dir.path() / "node.xml";
  if (!doc.save_file(out.c_str())) {
    throw std::runtime_error("cannot write " + out.string());
  }
  return "test://" + out.string();
}

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (status) *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  int rc = ::pclose(pipe);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

}  // namespace atelier::provider::testing
