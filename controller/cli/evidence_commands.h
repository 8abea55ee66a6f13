// Signed evidence for the jury (docs/threat-model.md): `atelier key show` prints atelierd's
// public signing key; `atelier results bundle` writes one signed archive per candidate from the
// store in --state-dir; `atelier results verify` checks bundles and signed exports offline.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier key show [--state-dir DIR] [--output text|json] [--out FILE]
int key_show(const std::vector<std::string>& args);
// atelier results bundle SESSION [--candidate C] [--out DIR] [--state-dir DIR] [--recordings DIR]
//                               [--recipes DIR]
int results_bundle(const std::vector<std::string>& args);
// atelier results verify FILE... [--key PUBKEY] [--state-dir DIR]
int results_verify(const std::vector<std::string>& args);

}  // namespace atelier::cli
