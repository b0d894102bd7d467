#!/usr/bin/env python3
"""Startup figures for the published binary (issue 2): time from spawn to the first 200 on /healthz,
idle RSS after that first request, and the binary size. Median of N runs (default 5).
   python3 bench/measure-startup.py [path/to/ibmi-mcp] [runs]"""
import os, socket, statistics, subprocess, sys, time, urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else "artifacts/publish/linux-x64/ibmi-mcp"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

times, rss = [], []
env = {k: v for k, v in os.environ.items() if not k.startswith(("MCP_", "IBMI_", "DB2i_"))}
for _ in range(runs):
    port = free_port()
    start = time.perf_counter()
    p = subprocess.Popen([binary, "--transport", "http", "--port", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except Exception:
            if time.perf_counter() > deadline:
                p.kill(); sys.exit("server did not answer")
            time.sleep(0.0005)
    times.append((time.perf_counter() - start) * 1000)
    time.sleep(0.5)
    rss.append(rss_kib(p.pid) / 1024)
    p.terminate(); p.wait()

size = os.path.getsize(binary)
print(f"binary size: {size} bytes ({size/1048576:.1f} MiB)")
print(f"spawn → first /healthz 200: median {statistics.median(times):.1f} ms (runs: {', '.join(f'{t:.1f}' for t in times)})")
print(f"idle RSS after first request: median {statistics.median(rss):.1f} MiB (runs: {', '.join(f'{r:.1f}' for r in rss)})")
