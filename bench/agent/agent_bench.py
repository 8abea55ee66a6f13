#!/usr/bin/python3
"""agent_bench: the same 50 local checks run by atelier-agent (standalone) and by testinfra
(Debian's python3-testinfra, local backend) on this machine, in one run. Prints both wall
times (median of N runs, process start included for both), the ratio, and the agent's idle RSS.

usage: agent_bench.py AGENT_BINARY [--runs N]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def sysctl(key):
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        return f.read().strip()


def build_checks(listener_ports):
    """Returns (yaml lines, testinfra test functions), one pair per check, 50 in all."""
    y, t = [], []

    def add(yaml, test):
        y.append("  - " + yaml)
        t.append(test)

    # The modes are this machine's own (containers differ from installed systems).
    files = [(p, "%04o" % (os.stat(p).st_mode & 0o7777)) for p in ("/etc/passwd", "/etc/group", "/etc/hostname",
                                                                     "/etc/hosts", "/etc/shadow")]
    files += [("/etc/os-release", None), ("/bin/sh", None), ("/usr/bin/env", None)]
    for path, mode in files:
        if mode:
            add(f'{{file: {{path: {path}, mode: "{mode}", owner: root}}}}',
                f'f = host.file("{path}"); assert f.exists and f.mode == 0o{mode[1:]} and f.user == "root"')
        else:
            add(f"{{file: {{path: {path}}}}}", f'assert host.file("{path}").exists')
    add('{file: {path: /etc/hosts, contains: localhost}}', 'assert host.file("/etc/hosts").contains("localhost")')
    add('{file: {path: /tmp, directory: true}}', 'assert host.file("/tmp").is_directory')
    for pkg in ["bash", "coreutils", "dpkg", "libc6", "procps", "iproute2", "nftables", "openssh-client"]:
        add(f"{{package: {{name: {pkg}}}}}", f'assert host.package("{pkg}").is_installed')
    for user in ["root", "nobody", "daemon"]:
        add(f"{{user: {{name: {user}}}}}", f'assert host.user("{user}").exists')
    for group in ["root", "nogroup", "adm"]:
        add(f"{{group: {{name: {group}}}}}", f'assert host.group("{group}").exists')
    for key in ["kernel.ostype", "net.ipv4.ip_forward", "kernel.pid_max", "net.ipv4.tcp_syncookies",
                "kernel.hostname", "vm.swappiness"]:
        value = sysctl(key)
        add(f'{{sysctl: {{key: {key}, value: "{value}"}}}}', f'assert str(host.sysctl("{key}")) == "{value}"')
    for path, fstype in [("/proc", "proc"), ("/sys", "sysfs"), ("/dev", None), ("/", None)]:
        if fstype:
            add(f"{{mount: {{path: {path}, fstype: {fstype}}}}}",
                f'm = host.mount_point("{path}"); assert m.exists and m.filesystem == "{fstype}"')
        else:
            add(f"{{mount: {{path: {path}}}}}", f'assert host.mount_point("{path}").exists')
    # Long-lived processes only: init, this script and its parent (other processes on a shared
    # machine come and go between the two runs).
    names = [comm(1), comm(os.getpid()), comm(os.getppid()), comm(1)]
    for name in names:
        add(f"{{process: {{name: {name}}}}}", f'assert host.process.filter(comm="{name}")')
    for port in listener_ports:
        add(f"{{port: {{port: {port}}}}}",
            f'assert any(host.socket(u).is_listening for u in ("tcp://0.0.0.0:{port}", "tcp://127.0.0.1:{port}", "tcp://:::{port}"))')
    add("{interface: {name: lo}}", 'assert host.interface("lo").exists')
    add("{interface: {name: lo, address: 127.0.0.1/8}}", 'assert "127.0.0.1" in host.interface("lo").addresses')
    add("{route: {destination: 127.0.0.0/8, device: lo}}", 'assert host.run("ip route show table all 127.0.0.0/8").rc == 0')
    add("{disk_free: {path: /tmp, min_free_bytes: 1}}", 'assert host.run("df --output=avail /tmp").rc == 0')
    for cmd in ["true", "echo hi", "test -d /", "uname -s"]:
        add(f"{{command: {{run: '{cmd}'}}}}", f'assert host.run("{cmd}").rc == 0')
    assert len(y) == 50, len(y)
    return y, t


def median_time(argv, runs, expect_rc):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.monotonic() - start)
        if r.returncode != expect_rc:
            sys.exit(f"agent_bench: {argv[0]} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-2000:]}")
    return statistics.median(times)


def idle_rss_kb(agent, tmp):
    path = os.path.join(tmp, "port.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    proc = subprocess.Popen([agent, "serve", "--port", path, "--spool", os.path.join(tmp, "spool")],
                            stderr=subprocess.DEVNULL)
    conn, _ = srv.accept()
    conn.makefile("rb").readline()  # hello
    time.sleep(1.0)
    rss = 0
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    proc.terminate()
    proc.wait()
    conn.close()
    srv.close()
    return rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("agent")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    # Ports this bench itself listens on, for the 4 port checks.
    listeners = []
    for _ in range(4):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listeners.append(listener)
    yaml_lines, tests = build_checks([s.getsockname()[1] for s in listeners])
    with tempfile.TemporaryDirectory(prefix="atelier-agent-bench-") as tmp:
        checks_file = os.path.join(tmp, "checks.yaml")
        with open(checks_file, "w") as f:
            f.write("checks:\n" + "\n".join(yaml_lines) + "\n")
        test_file = os.path.join(tmp, "test_bench.py")
        with open(test_file, "w") as f:
            for i, body in enumerate(tests):
                f.write(f"def test_{i:02d}(host):\n    {body}\n\n")
        # Both must pass everything: the bench compares the same work, not failures.
        agent_s = median_time([args.agent, "run", "--checks", checks_file, "--output", "json"], args.runs, 0)
        testinfra_s = median_time(["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                   "--hosts=local://", test_file], args.runs, 0)
        rss = idle_rss_kb(args.agent, tmp)
    print(f"50 local checks, median of {args.runs} runs (wall time, process start included)")
    print(f"  atelier-agent run: {agent_s * 1000:8.1f} ms")
    print(f"  testinfra (local): {testinfra_s * 1000:8.1f} ms")
    print(f"  ratio testinfra / atelier-agent: {testinfra_s / agent_s:.1f}x")
    print(f"  atelier-agent serve idle RSS: {rss} kB")


if __name__ == "__main__":
    main()
