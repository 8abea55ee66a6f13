// The store's schema migrations in order (migrations.cpp); Store::migrate applies them and
// PRAGMA user_version records how many were applied.
#pragma once

#include <span>

namespace atelier::store {

std::span<const char* const> migrations();

}  // namespace atelier::store
