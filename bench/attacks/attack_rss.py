#!/usr/bin/env python3
"""Aggregator RSS and fds under issue 12's resource attacks (raw TCP, no token).

Usage: bench/attacks/attack_rss.py BUILD/logcatch [--huge-mib N] [--silent N]

Starts `logcatch aggregate` on 127.0.0.1 (any port), then:
  1. `--silent` connections that never send a byte (held open 8 s),
  2. 2 connections that send one 32-byte BASP client_handshake header
     announcing a `--huge-mib` MiB payload, then nothing,
and prints the aggregator's RSS (VmRSS) and open fds after each step, and
whether it still accepts a new connection. No line of logcatch runs in this
script: it only opens sockets, as a stranger on the network would.
"""
import os, re, signal, socket, struct, subprocess, sys, tempfile, time

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))

def main():
    binary = sys.argv[1]
    huge_mib = int(sys.argv[sys.argv.index("--huge-mib") + 1]) if "--huge-mib" in sys.argv else 1024
    silent_n = int(sys.argv[sys.argv.index("--silent") + 1]) if "--silent" in sys.argv else 400
    d = tempfile.mkdtemp(prefix="logcatch-attack-")
    with open(f"{d}/token", "w") as f:
        f.write("attack-test-token\n")
    err = open(f"{d}/aggregator.stderr", "w+")
    p = subprocess.Popen([binary, "aggregate", "--listen", "127.0.0.1:0", "--sink-path",
                          f"{d}/out.log", "--auth-token-file", f"{d}/token"], stderr=err)
    port = None
    for _ in range(600):
        err.seek(0)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", err.read())
        if m:
            port = int(m.group(1)); break
        time.sleep(0.05)
    assert port, "aggregator did not start"
    time.sleep(0.5)
    print(f"idle: RSS {rss_kib(p.pid)/1024:.1f} MiB, fds {fds(p.pid)}")
    silent = []
    for _ in range(silent_n):
        s = socket.create_connection(("127.0.0.1", port)); silent.append(s)
    time.sleep(1)
    print(f"{silent_n} silent connections after 1 s: RSS {rss_kib(p.pid)/1024:.1f} MiB, fds {fds(p.pid)}")
    time.sleep(7)
    print(f"... after 8 s: RSS {rss_kib(p.pid)/1024:.1f} MiB, fds {fds(p.pid)}")
    for s in silent: s.close()
    time.sleep(1)
    huge = []
    header = struct.pack(">BBBBIQQQ", 1, 0, 0, 0, huge_mib << 20, 0, 0, 0)  # client_handshake
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port)); s.sendall(header); huge.append(s)
    peak = 0
    for _ in range(30):
        peak = max(peak, rss_kib(p.pid)); time.sleep(0.1)
    print(f"2 headers announcing {huge_mib} MiB each: RSS peak {peak/1024:.1f} MiB")
    ok = socket.create_connection(("127.0.0.1", port), timeout=5); ok.close()
    print("a new connection is still accepted:", "yes")
    time.sleep(6)
    closed = 0
    for s in huge:
        s.settimeout(0.5)
        try:
            while True:
                if not s.recv(65536): closed += 1; break
        except (socket.timeout, ConnectionResetError):
            closed += 0 if isinstance(sys.exc_info()[1], socket.timeout) else 1
    print(f"after 6 s more: {closed} of 2 cut by the aggregator, RSS {rss_kib(p.pid)/1024:.1f} MiB")
    for s in huge: s.close()
    p.send_signal(signal.SIGTERM)
    print("exit code", p.wait(timeout=30))

if __name__ == "__main__":
    main()
