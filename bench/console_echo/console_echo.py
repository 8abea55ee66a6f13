#!/usr/bin/python3
"""console_echo: one console's keystroke-to-echo latency through atelierd's WebSocket against
`virsh console` (the peer) on the same guest: the tiny guest of the console tests (a shell as init
on ttyS0, booted on the real libvirtd under qemu:///system), one key at a time, the time from
writing the key to reading its echo. Prints both medians and 90th percentiles and the ratio
(goal: atelierd under 1.2x virsh). Not a CTest test: `cmake --build DIR --target console_echo_bench`.

With --consoles N (N > 1): N such guests, one per candidate of a session, all consoles open at
once; every round sends a key to each and reads every echo. Prints the echo latency over all keys
and what serving the N consoles costs: atelierd's CPU and its memory with them open, against N
`virsh console` processes (the peer) doing the same.

The WebSocket client reads each console on a thread of its own and answers atelierd's pings at
once, as a browser does: read one console at a time, 30 consoles left the others unread for more
than the server's 300-s idle limit (Beast's suggested server timeouts) while guests booted, and
atelierd rightly closed them.

Measured on the 2-core machine (December 2026, 30 TCG guests, load average 5-6): 30 consoles
open at once, 20 rounds: echo median 33.6 ms through atelierd against 35.9 ms through 30
`virsh console` (0.94x); serving them cost atelierd 0.1% of a core and 27 MiB (22 MiB before),
the 30 virsh processes 0.4% and 560 MiB. The run takes about 20 min (the guests' boots).

usage: console_echo.py ATELIERD ATELIER SOURCE_DIR [--keys N] [--consoles N] [--rounds R]
"""
import argparse
import json
import os
import pathlib
import pty
import select
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "support"))
import browser as web  # noqa: E402  (start_atelierd, trainer_token, cli)
from guest import DOMAIN_XML, built_kernel, virsh  # noqa: E402

LETTERS = "abcdefghijklmnopqrstuvwxyz"
KILL_LINE = b"\x15"  # Ctrl-U: the shell's line stays short


class VirshConsole:
    """`virsh console` on a pty of its own, as a person's terminal would run it."""

    def __init__(self, name):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp("virsh", ["virsh", "-c", "qemu:///system", "console", name, "--force"])

    def send(self, data):
        os.write(self.fd, data)

    def recv(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        return os.read(self.fd, 65536) if r else b""

    def close(self):
        os.write(self.fd, b"\x1d")  # virsh's escape: leaves the console
        os.waitpid(self.pid, 0)
        os.close(self.fd)


class WsConsole:
    """The console through atelierd: a minimal RFC 6455 client with a trainer's token, which takes
    the keyboard (`take-over`) so its keys reach the guest."""

    def __init__(self, url, path, token):
        host = url[len("http://"):]
        h, p = host.split(":")
        self.s = socket.create_connection((h, int(p)), timeout=30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        "Authorization: Bearer %s\r\n\r\n" % (path, host, token)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("atelierd refused the console: " + head.decode(errors="replace"))
        self.s.settimeout(None)
        self.send_lock = threading.Lock()
        self.ready = threading.Condition()
        self.data, self.closed = b"", None
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()
        self.frame(0x1, b"take-over")

    def frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
        with self.send_lock:
            self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, data):
        self.frame(0x2, data)

    def _read_loop(self):
        """Reads frames as they come, as a browser does: answers atelierd's pings at once (with
        many consoles, the bench waits on one while the others must stay alive) and queues the
        data frames for recv()."""
        buf = b""

        def need(n):
            nonlocal buf
            while len(buf) < n:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("atelierd closed the console")
                buf += chunk

        try:
            while True:
                need(2)
                opcode, n, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
                if n >= 126:
                    width = 2 if n == 126 else 8
                    need(2 + width)
                    n, at = int.from_bytes(buf[2:2 + width], "big"), 2 + width
                need(at + n)
                payload, buf = buf[at:at + n], buf[at + n:]
                if opcode == 0x9:
                    self.frame(0xA, payload)
                elif opcode == 0x8:
                    raise EOFError("atelierd closed the console: %r" % payload)
                elif opcode in (0x2, 0x0):
                    with self.ready:
                        self.data += payload
                        self.ready.notify()
                # 0x1: atelierd's text frames say who holds the keyboard; they are not the console's.
        except (OSError, EOFError) as e:
            with self.ready:
                self.closed = str(e)
                self.ready.notify()

    def recv(self, timeout):
        """What the console printed since the last call ("" when nothing comes within timeout)."""
        with self.ready:
            self.ready.wait_for(lambda: self.data or self.closed, timeout)
            if not self.data and self.closed:
                raise RuntimeError(self.closed)
            out, self.data = self.data, b""
            return out

    def close(self):
        try:
            self.frame(0x8, b"\x03\xe8")
        except OSError:
            pass  # atelierd closed it first: what the caller is handling says why
        try:
            self.s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.reader.join(timeout=10)
        self.s.close()


def drain(con, quiet=0.3, most=10):
    """Reads until the console says nothing for `quiet` seconds, or `most` seconds have passed (a
    guest that keeps printing), between measured keys only."""
    deadline = time.monotonic() + most
    while con.recv(quiet) and time.monotonic() < deadline:
        pass


def wait_for(con, needle, seconds, poke=None):
    seen, deadline, next_poke = b"", time.monotonic() + seconds, 0.0
    while needle not in seen:
        if time.monotonic() > deadline:
            raise RuntimeError("%r not seen within %d s; the console ends with %r" % (needle, seconds, seen[-300:]))
        if poke and time.monotonic() > next_poke:
            con.send(poke)
            next_poke = time.monotonic() + 10
        seen += con.recv(1)
    return seen


def echo_of(con, key, seconds):
    """Reads until `key` comes back; raises when the console says nothing for `seconds`."""
    seen = b""
    while key not in seen:
        chunk = con.recv(seconds)
        if not chunk:
            raise RuntimeError("no echo of %r in %d s" % (key, seconds))
        seen += chunk


def measure(con, keys):
    """Milliseconds from writing each key to reading its echo."""
    wait_for(con, b"ready-42", 300, b"echo ready-$((6*7))\r")
    drain(con)
    out = []
    for i in range(keys):
        if i % 20 == 0:
            con.send(KILL_LINE)
            drain(con)
        key = LETTERS[i % 26].encode()
        t0 = time.perf_counter()
        con.send(key)
        echo_of(con, key, 10)
        out.append((time.perf_counter() - t0) * 1000)
    con.send(KILL_LINE)
    return out


def summary(name, ms):
    ms = sorted(ms)
    p90 = ms[int(len(ms) * 0.9) - 1]
    print("%-22s median %7.2f ms   p90 %7.2f ms   min %6.2f ms   (%d keys)" % (
        name, statistics.median(ms), p90, ms[0], len(ms)))
    return statistics.median(ms)


def cpu_seconds(pids):
    """User + system CPU of the processes so far (/proc/PID/stat), in seconds."""
    ticks = 0
    for pid in pids:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mib(pids):
    total = 0
    for pid in pids:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def rounds_of_keys(cons, rounds):
    """Every round: a key to each console, then each echo read; milliseconds per key."""
    for con in cons:
        wait_for(con, b"ready-42", 600, b"echo ready-$((6*7))\r")
        drain(con)
    out = []
    for r in range(rounds):
        key = LETTERS[r % 26].encode()
        sent = []
        for con in cons:
            if r % 20 == 0:
                con.send(KILL_LINE)
            sent.append(time.perf_counter())
            con.send(key)
        for con, t0 in zip(cons, sent):
            echo_of(con, key, 30)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def serve_many(pids_of, open_all, rounds):
    """Opens every console, measures rounds of keys, and what the serving processes cost while they
    did: (latencies, CPU seconds per second of wall time, RSS MiB)."""
    cons = open_all()
    try:
        pids = pids_of(cons)
        rounds_of_keys(cons, 1)  # every shell answers before the clock starts
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        ms = rounds_of_keys(cons, rounds)
        cpu = (cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)
        return ms, cpu, rss_mib(pids)
    finally:
        for con in cons:
            con.close()


def many(a, url, token, session, proc):
    names = ["c%02d" % i for i in range(a.consoles)]
    rss_before = rss_mib([proc.pid])
    peer = serve_many(lambda cons: [c.pid for c in cons],
                      lambda: [VirshConsole("atelier-%s-%s-server" % (session, n)) for n in names], a.rounds)
    ours = serve_many(lambda cons: [proc.pid],
                      lambda: [WsConsole(url, "/console/%s/%s/server" % (session, n), token) for n in names],
                      a.rounds)
    print("%d consoles open at once, %d rounds of a key to each (TCG guests; load average %s):" % (
        a.consoles, a.rounds, " ".join(open("/proc/loadavg").read().split()[:3])))
    m_peer = summary("%d x virsh console" % a.consoles, peer[0])
    m_ours = summary("atelierd WebSocket", ours[0])
    print("serving them: %d virsh processes %.1f%% of a core, %.0f MiB; atelierd %.1f%% of a core, "
          "%.0f MiB (%.0f MiB before the consoles)" % (a.consoles, peer[1] * 100, peer[2], ours[1] * 100,
                                                       ours[2], rss_before))
    print("ratio atelierd / virsh: latency (medians) %.2fx, CPU %.2fx, memory %.2fx" % (
        m_ours / m_peer, ours[1] / peer[1] if peer[1] else float("inf"), ours[2] / peer[2]))
    print(json.dumps({"consoles": a.consoles, "virsh_median_ms": round(m_peer, 3),
                      "atelierd_median_ms": round(m_ours, 3), "virsh_cpu_cores": round(peer[1], 4),
                      "atelierd_cpu_cores": round(ours[1], 4), "virsh_rss_mib": round(peer[2], 1),
                      "atelierd_rss_mib": round(ours[2], 1), "atelierd_rss_before_mib": round(rss_before, 1)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("atelierd")
    ap.add_argument("atelier")
    ap.add_argument("src", type=pathlib.Path)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--consoles", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=40)
    a = ap.parse_args()
    kernels = built_kernel()
    if virsh("version", check=False).returncode != 0 or not kernels:
        print("needs libvirtd (scripts/start-services) and a built image's kernel (atelier image build debian12)")
        return 2
    session = "ce%d" % os.getpid()
    names = ["c%02d" % i for i in range(a.consoles)] if a.consoles > 1 else ["alice"]
    domains = ["atelier-%s-%s-server" % (session, n) for n in names]
    with tempfile.TemporaryDirectory(prefix="atelier-console-echo-") as t:
        tmp = pathlib.Path(t)
        os.chmod(tmp, 0o755)  # libvirt-qemu reads the kernel copy
        shutil.copy(kernels[0], tmp / "vmlinuz")
        shutil.copy(kernels[1], tmp / "initrd.img")
        proc, url = web.start_atelierd(a.atelierd, a.src, tmp, "local=qemu:///system",
                                       ["--no-reconcile", "--console", "pty"])
        try:
            token = web.trainer_token(a.atelier, tmp)
            web.cli(a.atelier, url, token, "session", "create", "--lab", "demo", "--candidates", ",".join(names),
                    "--name", session)
            with sqlite3.connect(tmp / "state" / "atelier.db") as db:  # what the reconciler would place
                db.execute("UPDATE candidate_labs SET host = 'local' WHERE session = ?", (session,))
            for n, domain in zip(names, domains):
                (tmp / "domain.xml").write_text(DOMAIN_XML.format(
                    name=domain, session=session, candidate=n, host="server",
                    kernel=tmp / "vmlinuz", initrd=tmp / "initrd.img"))
                virsh("define", str(tmp / "domain.xml"))
                virsh("start", domain)
            if a.consoles > 1:
                many(a, url, token, session, proc)
                return 0
            # The peer first, then atelierd: one console client on the guest at a time.
            con = VirshConsole(domains[0])
            peer = measure(con, a.keys)
            con.close()
            con = WsConsole(url, "/console/%s/alice/server" % session, token)
            ours = measure(con, a.keys)
            con.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            for domain in domains:
                virsh("destroy", domain, check=False)
                virsh("undefine", domain, check=False)
    print("keystroke to echo on one guest console (TCG guest; load average %s):" %
          " ".join(open("/proc/loadavg").read().split()[:3]))
    m_peer = summary("virsh console", peer)
    m_ours = summary("atelierd WebSocket", ours)
    print("ratio atelierd / virsh (medians): %.2fx  (goal < 1.2x)" % (m_ours / m_peer))
    print(json.dumps({"virsh_median_ms": round(m_peer, 3), "atelierd_median_ms": round(m_ours, 3),
                      "ratio": round(m_ours / m_peer, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
