#!/usr/bin/env bash
# Bench: the same 24-step play applied over SSH to a loopback sshd by `atelier recipe apply` and
# by Ansible (Debian's ansible-core), first run and re-run; prints times, changed counts and the
# ratios. Everything (sshd keys and config, the scratch folders) lives in one temp folder that is
# removed at the end; sshd listens on 127.0.0.1 only. Needs root (sshd) and ansible-core:
#   apt-get install --no-install-recommends ansible-core
# usage: bench/recipes/run.sh [path/to/atelier]   (default: build/controller/cli/atelier)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
atelier=${1:-$here/../../build/controller/cli/atelier}
[[ -x $atelier ]] || { echo "bench: no atelier binary at $atelier (give its path)" >&2; exit 1; }
command -v ansible-playbook >/dev/null || { echo "bench: ansible-playbook missing: apt-get install --no-install-recommends ansible-core" >&2; exit 1; }

work=$(mktemp -d /tmp/atelier-bench-recipes.XXXXXX)
sshd_pid=
cleanup() { [[ -n $sshd_pid ]] && kill "$sshd_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
mkdir -p /run/sshd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
MaxSessions 50
LogLevel ERROR
CFG
# bash sources ~/.bashrc for every command sshd runs; a slow one (pyenv's init takes ~1 s here)
# would then decide both times. sshd runs in its own mount namespace where root's ~/.bashrc is
# empty: the host's file is untouched, and both tools see the same target.
hide_rc=()
if [[ -f /root/.bashrc ]] && command -v unshare >/dev/null; then
  hide_rc=(unshare -m sh -c 'mount --bind /dev/null /root/.bashrc && exec "$0" "$@"')
  echo "bench: root's ~/.bashrc hidden from the bench's sshd (own mount namespace)"
fi
"${hide_rc[@]}" /usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

now() { date +%s.%N; }
summary() { grep -Eo 'changed=[0-9]+' | tail -n 1 | cut -d= -f2; }

# atelier
mkdir -p "$work/a"
run_atelier() {
  "$atelier" recipe apply "$here/play.yaml" --target "ssh://root@127.0.0.1:$port" --identity "$work/client_key" \
    --known-hosts "$work/known_hosts" --var "root=$work/a" > "$work/atelier.$1.out"
}
t0=$(now); run_atelier 1; t1=$(now); run_atelier 2; t2=$(now)
a_changed1=$(summary < "$work/atelier.1.out"); a_changed2=$(summary < "$work/atelier.2.out")

# ansible
mkdir -p "$work/b"
cat > "$work/inventory" <<INV
[bench]
127.0.0.1 ansible_port=$port ansible_user=root ansible_ssh_private_key_file=$work/client_key ansible_python_interpreter=/usr/bin/python3
INV
cat > "$work/ansible.cfg" <<ACFG
[defaults]
host_key_checking = False
interpreter_python = /usr/bin/python3
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$work/known_hosts_ansible -o StrictHostKeyChecking=accept-new
control_path_dir = $work/cp
ACFG
run_ansible() {
  ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" ansible-playbook -i "$work/inventory" \
    "$here/ansible_play.yml" -e "root=$work/b" > "$work/ansible.$1.out"
}
t3=$(now); run_ansible 1; t4=$(now); run_ansible 2; t5=$(now)
b_changed1=$(summary < "$work/ansible.1.out"); b_changed2=$(summary < "$work/ansible.2.out")

# Same result on disk (the timestamp file aside)?
same=yes
diff -r --exclude=installed "$work/a" "$work/b" > "$work/diff.out" || same=no

python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$a_changed1" "$a_changed2" "$b_changed1" "$b_changed2" "$same" <<'PY'
import sys
t = list(map(float, sys.argv[1:7])); a1, a2, b1, b2, same = sys.argv[7:12]
af, ar, bf, br = t[1]-t[0], t[2]-t[1], t[4]-t[3], t[5]-t[4]
print("bench/recipes: 24-step play over SSH to 127.0.0.1 (one host)")
print(f"{'':10} {'first run':>12} {'changed':>8} {'re-run':>10} {'changed':>8}")
print(f"{'atelier':10} {af:11.2f}s {a1:>8} {ar:9.2f}s {a2:>8}")
print(f"{'ansible':10} {bf:11.2f}s {b1:>8} {br:9.2f}s {b2:>8}")
print(f"ratio ansible/atelier: first run {bf/af:.1f}x, re-run {br/ar:.1f}x; same files on disk: {same}")
PY
if [[ $same == no ]]; then echo "differences:"; head -n 20 "$work/diff.out"; fi
