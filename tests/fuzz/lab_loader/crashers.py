#!/usr/bin/env python3
"""Writes the inputs that once crashed the lab loader into the folder given (issue 19: std::regex
recursed per character): run_fuzz.sh runs them whole, then adds them to the corpus. Written here
rather than stored (230 kB)."""
import sys

d = sys.argv[1]
with open(f"{d}/long-lab-id.yaml", "w") as f:
    f.write("lab: " + "a" * 30000 + "\n")
with open(f"{d}/long-recipe-name.yaml", "w") as f:
    f.write("lab: x\nincidents:\n  - {id: i, recipe: " + "a/" * 100000 + "a, on: h}\n")
