#!/bin/sh
# install_layout: `cmake --install --strip` of this build into a temporary prefix, the prefix then
# moved elsewhere as a whole. From a folder with no labs/ in it:
#   - no installed program holds a path of the source or build tree;
#   - the CLI finds the image definitions (image show), the labs and the recipes (lab validate of
#     a lab that uses roles) under PREFIX/share/atelier;
#   - atelierd's defaults name PREFIX/lib/atelier/atelier-agent and PREFIX/share/atelier/web/assets,
#     and atelierd serves the pages' stylesheet from there;
#   - a copy of atelierd outside any layout refuses to provision without --agent, saying why.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d /tmp/atelier-install-XXXXXX)
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cmake --install "$build" --prefix "$tmp/first" --strip >"$tmp/install.log" 2>&1 ||
  fail "cmake --install: $(tail -5 "$tmp/install.log")"
mv "$tmp/first" "$tmp/moved"
p=$tmp/moved
cd "$tmp"

for program in bin/atelier sbin/atelierd lib/atelier/atelier-agent; do
  [ -x "$p/$program" ] || fail "$program was not installed"
  if strings "$p/$program" | grep -F "$src" >/dev/null; then
    fail "$program holds a path of the source or build tree: $(strings "$p/$program" | grep -F "$src" | head -3)"
  fi
done

# The image definition is found (its hash is computed); the image itself is not built here.
out=$("$p/bin/atelier" image show debian12 --state-dir "$tmp/state" 2>&1) || true
echo "$out" | grep -q "debian12-[0-9a-f]\{12\}" || fail "image show did not find debian12's definition: $out"
# The demo lab names roles: validating it needs the recipes root.
out=$("$p/bin/atelier" lab validate "$p/share/atelier/labs/demo" 2>&1) || fail "lab validate: $out"
echo "$out" | grep -q "ok (lab demo" || fail "lab validate: $out"

help=$("$p/sbin/atelierd" --help)
echo "$help" | grep -qF "(=$p/lib/atelier/atelier-agent)" || fail "atelierd's default agent: $help"
echo "$help" | grep -qF "(=$p/share/atelier/web/assets)" || fail "atelierd's default web assets"

"$p/sbin/atelierd" --no-reconcile --state-dir "$tmp/d" --labs-dir "$p/share/atelier/labs" \
  --listen 127.0.0.1:0 --port-file "$tmp/port" >"$tmp/atelierd.log" 2>&1 &
daemon=$!
i=0
while [ ! -s "$tmp/port" ]; do
  i=$((i + 1))
  [ "$i" -lt 300 ] || fail "atelierd did not listen within 30 s: $(tail -5 "$tmp/atelierd.log")"
  kill -0 "$daemon" 2>/dev/null || fail "atelierd stopped: $(tail -5 "$tmp/atelierd.log")"
  sleep 0.1
done
css=$(python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" \
  "http://127.0.0.1:$(cat "$tmp/port")/assets/atelier.css") || fail "GET /assets/atelier.css"
cmp -s "$p/share/atelier/web/assets/atelier.css" - <<CSS || fail "the stylesheet served is not the installed one"
$css
CSS

cp "$p/sbin/atelierd" "$tmp/lone-atelierd"
out=$("$tmp/lone-atelierd" --state-dir "$tmp/lone" --listen 127.0.0.1:0 2>&1) && fail "a lone atelierd started: $out"
echo "$out" | grep -q "no atelier-agent beside atelierd" || fail "a lone atelierd's refusal: $out"
echo "ok: installed, moved, found its data beside it; no source or build path in the programs"
