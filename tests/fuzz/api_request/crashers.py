#!/usr/bin/env python3
"""Writes the API request fuzzer's large seeds into the folder given (run_fuzz.sh runs them
whole, then adds them to the corpus): inputs longer than libFuzzer's -max_len that issue 19
named, kept as code rather than stored files."""
import sys

d = sys.argv[1]
def write(name, text):
    with open(f"{d}/{name}", "wb") as f:
        f.write(text.encode("latin-1"))

long = "a" * 30000
# The 30,000-character path and query: over the listener's 16 KiB header limit.
write("long-path.http", f"GET /api/v1/sessions/{long} HTTP/1.1\r\nHost: a\r\n\r\n")
write("long-query.http", f"GET /results?candidate={long}&x=%41 HTTP/1.1\r\nHost: a\r\n\r\n")
# Under the limit: a 15,000-character query of many keys, parsed by query_params.
write("many-keys.http", "GET /r?" + "&".join(f"k{i}=%{i % 256:02X}" for i in range(1500)) +
      " HTTP/1.1\r\nHost: a\r\n\r\n")
# A header field of 30,000 characters, and a chunk size of 30,000 digits.
write("long-field.http", f"GET / HTTP/1.1\r\nHost: a\r\nX-Long: {long}\r\n\r\n")
write("long-chunk-size.http",
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + "f" * 30000 + "\r\n")
