// `atelier image ...`: build guest images from controller/images/definitions/<name>.yaml and show
// where they are.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier image build NAME [--state-dir DIR] [--images-dir DIR] [--force] [--output text|json]
int image_build(const std::vector<std::string>& args);
// atelier image show NAME [--state-dir DIR] [--images-dir DIR] [--output text|json]
int image_show(const std::vector<std::string>& args);

}  // namespace atelier::cli
