#!/usr/bin/env python3
"""The self-test's "input that once crashed it": written only in replay mode
(ATELIER_FUZZ_SELFTEST=replay), so that the other modes exercise fuzzing itself."""
import os
import sys

if os.environ.get("ATELIER_FUZZ_SELFTEST") == "replay":
    with open(f"{sys.argv[1]}/planted-defect", "w") as f:
        f.write("ATELIER! once crashed the target\n")
