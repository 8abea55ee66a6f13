// EXPECT_EVIDENCE for check tests: the status, and a part of the evidence the check reported.
// Shared by the unit tests of local checks and the integration tests of protocol probes.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "agent/checks/check.h"

#define EXPECT_EVIDENCE(e, want_status, part)                                              \
  do {                                                                                     \
    ::atelier::agent::Evidence ev_ = (e);                                                  \
    EXPECT_EQ(ev_.status, want_status)                                                     \
        << "expected: " << ev_.expected << "\nobserved: " << ev_.observed;                 \
    EXPECT_NE(ev_.observed.find(part), std::string::npos) << "observed: " << ev_.observed; \
  } while (false)
