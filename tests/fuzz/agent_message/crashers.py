#!/usr/bin/env python3
"""Writes the agent message fuzzer's large seeds into the folder given (run_fuzz.sh runs them
whole, then adds them to the corpus): inputs longer than libFuzzer's -max_len that issue 19
named, kept as code rather than stored files."""
import sys

d = sys.argv[1]
def write(name, text):
    with open(f"{d}/{name}", "w") as f:
        f.write(text)

# The 30,000-character id, as a string where an id is a string and as a number where it is one.
write("long-bundle-id.json", '{"v":1,"type":"ack","body":{"bundle_id":"' + "a" * 30000 +
      '","result_ids":["' + "b" * 30000 + '"]}}\n')
write("long-numeric-id.json", '{"v":1,"type":"ok","id":' + "9" * 30000 + ',"body":{}}\n')
# Deep nesting: the JSON parser's depth limit, not the stack, must stop it.
write("deep-nesting.json", '{"v":1,"type":"hello","body":{"facts":' + "[" * 100000 + "\n")
# A long argv and a long base64 content, decoded whole.
write("long-argv.json", '{"v":1,"type":"exec","id":1,"body":{"argv":[' +
      ",".join(['"x"'] * 20000) + '],"timeout_ms":1000}}\n')
write("long-content.json", '{"v":1,"type":"put_file","id":1,"body":{"path":"/x","content_base64":"' +
      "QUJD" * 25000 + '","mode":4095}}\n')
