// The agent's spool: results it has not yet seen acknowledged, one file per bundle, written
// durably before they are sent, removed once the controller acks every result in them.
#pragma once

#include <filesystem>
#include <vector>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace atelier::agent {

class Spool {
 public:
  // The folder is created on first store(). Not thread-safe: the agent has one thread.
  explicit Spool(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes the results durably (temp file, fsync, rename, fsync of the folder). Storing the
  // same bundle again replaces its file. kIo on failure.
  Status store(const protocol::Results& results);

  // Every stored bundle, oldest first. A file that cannot be read is skipped (and reported in
  // `errors` when given) rather than blocking the others.
  std::vector<protocol::Results> pending(std::vector<std::string>* errors = nullptr) const;

  // Drops the acked result ids from their bundle; deletes the bundle's file when nothing is
  // left. Acks for unknown bundles or ids are ignored (a duplicate ack is harmless).
  Status ack(const protocol::Ack& ack);

  std::size_t size() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path file_for(const std::string& bundle_id) const;
  std::filesystem::path dir_;
};

}  // namespace atelier::agent
