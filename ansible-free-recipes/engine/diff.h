// Unified diff of two texts, for reports of what changed (or would change). Pure.
#pragma once

#include <string>

namespace atelier::recipes {

// "--- label (before)\n+++ label (after)\n@@ ... @@\n..." with 3 lines of context; "" when equal.
// Very large inputs (more than 4 million line pairs) get a one-line summary instead.
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label);

}  // namespace atelier::recipes
