// Per-candidate variants: the lab's variables drawn deterministically from (seed, candidate),
// and the lab with every {{template}} substituted. Stable across platforms and versions: the
// PRNG is SplitMix64 (docs/lab-authoring.md, "Variables").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/lab/lab.h"
#include "common/result.h"

namespace atelier::lab {

// SplitMix64 (Steele, Lea, Flood 2014): the generator behind every drawn value.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  std::uint64_t next();
  // Uniform in [0, bound) by rejection, bound > 0.
  std::uint64_t below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

// FNV-1a 64-bit of the bytes of s.
std::uint64_t fnv1a64(std::string_view s);

// The value of every variable for (seed, candidate), in declaration order. Each variable has its
// own stream, seeded with fnv1a64(candidate + '\n' + name) ^ seed, so adding a variable does
// not change the others' values.
std::vector<std::pair<std::string, std::string>> draw_variables(const Lab& lab,
                                                                std::string_view candidate,
                                                                std::uint64_t seed);

// The lab for one candidate: every {{...}} in checks, host vars, recipe arguments, tickets
// (title, from, bodies) and texts replaced by its value; lab.variant set. Errors
// (kInvalidArgument) name an unknown template; a validated lab never has one.
Result<Lab> resolve(const Lab& lab, std::string_view candidate, std::uint64_t seed);

// Substitutes {{name}} in `text` with lookup(name); unknown names are collected in `unknown`.
std::string substitute(std::string_view text,
                       const std::vector<std::pair<std::string, std::string>>& values,
                       std::vector<std::string>* unknown);

}  // namespace atelier::lab
