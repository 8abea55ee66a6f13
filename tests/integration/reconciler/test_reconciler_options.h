// The reconciler options the reconciler's integration tests share: libvirt's test:///default
// driver as the one host and an empty image cache (labs fail at planning, "image debian12 is
// not built"), everything else under the test's own folder.
#pragma once

#include <chrono>
#include <filesystem>

#include "controller/reconciler/reconciler.h"

namespace atelier::reconciler::test {

inline ReconcilerOptions test_driver_options(const std::filesystem::path& dir,
                                             const std::filesystem::path& labs,
                                             const std::filesystem::path& src) {
  ReconcilerOptions ro;
  ro.state_dir = dir / "state";
  ro.run_dir = dir / "run";
  ro.labs_dir = labs;
  ro.load.recipes_root = src / "ansible-free-recipes" / "recipes";
  ro.hosts = {{"local", "test:///default"}};
  ro.overlay_dir = (dir / "overlays").string();
  ro.image_definitions = src / "controller" / "images" / "definitions";
  ro.image_state_dir = (dir / "images").string();
  ro.loop_interval = std::chrono::milliseconds(100);
  return ro;
}

}  // namespace atelier::reconciler::test
