"""Process-level figures of the real daemon: start, idle RSS and CPU, fires, catch-up.

Spawns `python -m halfway run --config CONFIG` with a config of its own and a copy of
the data folder; nudges go to a JSON receiver on loopback run here in a thread. Relies
only on the CLI, the config file contract and GET /healthz. One Markdown row per figure.
Run: .venv/bin/python bench/daemon.py [--data-dir DIR] [--only idle,fires,catchup]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only, everywhere
FAKETIME_LIBS = "/usr/lib/*/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1"
RUNS: list[Run] = []  # every run made, so none is left running or on disk


class Hook(BaseHTTPRequestHandler):
    """The receiver: counts the POSTs of the json:// channel and answers 200."""

    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Hook.lock:
            Hook.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def row(figure: str, value: str, detail: str = "") -> None:
    print(f"| {figure} | {value} | {detail} |", flush=True)


class Run:
    """One daemon with its own config, a copy of the data folder and a free port."""

    def __init__(self, args: argparse.Namespace, name: str, nudges: str) -> None:
        self.timeout: float = args.timeout
        self.dir = Path(tempfile.mkdtemp(prefix=f"halfway-{name}-", dir=args.dir))
        RUNS.append(self)
        self.data = self.dir / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, self.data, symlinks=True)
        self.data.mkdir(exist_ok=True)
        with socket.socket() as sock:  # a free port, for the daemon to take
            sock.bind((HOST, 0))
            self.listen = f"{HOST}:{sock.getsockname()[1]}"
        self.config = self.dir / "config.toml"
        self.config.write_text(
            f'timezone = "{args.timezone}"\ndata_dir = "{self.data}"\n'
            f'[server]\nlisten = "{self.listen}"\npublic_url = "http://{self.listen}"\n'
            f'[channels]\npush = "json://{HOST}:{args.hook}/hook"\n{nudges}'
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HALFWAY_", "NOTIFY_"))}
        with (self.dir / "daemon.log").open("ab") as log:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "halfway", "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                env=env | (extra_env or {}),
            )

    def wait_ready(self) -> tuple[float, float]:
        """Seconds from spawn to the first answer (any status) and to 200 (not 'starting')."""
        assert self.proc is not None
        first = None
        while time.monotonic() - self.started < self.timeout and self.proc.poll() is None:
            status, body = None, {}
            try:
                with urllib.request.urlopen(f"http://{self.listen}/healthz", timeout=2) as answer:
                    status, body = answer.status, json.loads(answer.read() or b"{}")
            except urllib.error.HTTPError as error:
                status = error.code
            except (OSError, ValueError):
                pass
            took = time.monotonic() - self.started
            first = took if first is None and status is not None else first
            if status == 200 and body.get("status") != "starting":
                return first or took, took
            time.sleep(0.01)
        self.fail(f"not ready after {self.timeout:g} s (exit code {self.proc.returncode})")
        raise AssertionError  # fail() exits

    def proc_status(self) -> tuple[float, float]:
        """(VmRSS in MB, CPU seconds) of the daemon process itself.

        The CPU time is the sum of each live thread's run time in ns from
        /proc/PID/task/*/schedstat (utime+stime tick in 10 ms steps, too coarse for an
        idle daemon); falls back to those ticks where schedstat is missing.
        """
        assert self.proc is not None
        proc = Path(f"/proc/{self.proc.pid}")
        rss = next(x for x in (proc / "status").read_text().splitlines() if x.startswith("VmRSS:"))
        try:
            ns = sum(int(t.read_text().split()[0]) for t in proc.glob("task/*/schedstat"))
            return int(rss.split()[1]) / 1024, ns / 1e9
        except (OSError, ValueError):
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
            return int(rss.split()[1]) / 1024, ticks / os.sysconf("SC_CLK_TCK")

    def stop(self, label: str) -> None:
        assert self.proc is not None
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - start
        self.kill()
        ok = "ok" if code == 0 and took <= 5 else "**FAILED** (killed if still running)"
        row(f"{label}: SIGTERM → exit", f"{code} in {took:.2f} s", ok)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def fail(self, why: str) -> None:
        self.kill()
        tail = (self.dir / "daemon.log").read_text(errors="replace")[-3000:]
        sys.exit(f"daemon {why}; {self.dir}/daemon.log ends:\n{tail}")


def contents(data: Path) -> tuple[int, float, str]:
    """Records (unique by table and id) and MB of every *.json under `data`, and a summary."""
    seen: set[tuple[str, str]] = set()
    tally: Counter[str] = Counter()
    size = 0
    for path in data.rglob("*.json"):
        size += path.stat().st_size
        try:
            tables = json.loads(path.read_text())
        except ValueError:
            tally["(unparseable files)"] += 1
            continue
        for table, rows in tables.items() if isinstance(tables, dict) else ():
            for key, record in rows.items() if isinstance(rows, dict) else ():
                record = record if isinstance(record, dict) else {}
                ident = (table, str(record.get("id") or f"{path}:{key}"))
                if ident not in seen:
                    seen.add(ident)
                    tally[table] += 1
                    tally.update([f"{table} {record['state']}"] if "state" in record else [])
    return len(seen), size / 1e6, ", ".join(f"{k} {v:,}" for k, v in sorted(tally.items()))


def folder_state(folder: Path) -> tuple[int, int]:
    """Changes whenever a file under `folder` is written, added or removed."""
    total, files = 0, list(folder.rglob("*"))
    for path in files:
        with contextlib.suppress(OSError):  # a temporary file renamed away meanwhile
            total += path.stat().st_mtime_ns + path.stat().st_size
    return len(files), total


def nudge(ident: str, kind: str, rhythm: str, extra: str = "") -> str:
    return f'[[nudges]]\nid = "{ident}"\nkind = "{kind}"\n{rhythm}\n{extra}'


def bench_idle(args: argparse.Namespace) -> None:
    far = (nudge(f"n{i}", "gesture_log", f'cron = "{i % 60} 9 1 1 *"') for i in range(args.nudges))
    run = Run(args, "idle", "".join(far))  # yearly on 1 January: nothing fires while we wait
    run.start()
    first, ready = run.wait_ready()
    row("start → ready (/healthz 200)", f"{ready:.2f} s", f"first answer {first:.2f} s")
    time.sleep(args.settle)
    rss, cpu = run.proc_status()
    sends = Hook.count
    row("idle RSS", f"{rss:.0f} MB", f"{args.settle:g} s after ready, {args.nudges} nudges")
    time.sleep(args.idle_seconds)
    cpu = run.proc_status()[1] - cpu
    detail = f"{cpu:.4f} s over {args.idle_seconds:g} s; {Hook.count - sends} sends"
    row("idle CPU", f"{cpu * 3600 / args.idle_seconds:.3f} s per hour", detail)
    run.stop("idle")


def bench_fires(args: argparse.Namespace) -> None:
    extra = 'text = "x"\n' + ('reply = "none"\n' if args.no_back_off else "")
    run = Run(args, "fires", nudge("tick", "custom", 'every = "1s"', extra))
    run.start()
    run.wait_ready()
    (rss0, cpu0), before = run.proc_status(), Hook.count
    time.sleep(args.fires)
    (rss1, cpu1), fires = run.proc_status(), Hook.count - before
    row(f"RSS over {args.fires} s of 1 s fires", f"{rss0:.0f} → {rss1:.0f} MB", "ready → end")
    row("fires received", f"{fires}", f"in {args.fires} s, at the json:// receiver")
    per = f"{(cpu1 - cpu0) * 1000 / fires:.1f} ms" if fires else "no fire received"
    row("CPU per fire received", per, f"{cpu1 - cpu0:.2f} s CPU in the window")
    run.stop("fires")
    count, mb, summary = contents(run.data)
    row("records after the fires", f"{count:,} ({mb:.2f} MB of *.json)", summary)


def faketime_env(when: datetime) -> tuple[dict[str, str] | None, str]:
    """What starts a child at `when` (then ticking), if libfaketime fools Python here."""
    libs = [lib for pattern in FAKETIME_LIBS for lib in glob.glob(pattern)]
    if not libs:
        return None, "libfaketime not found (apt-get update && apt-get install faketime)"
    fake = {
        "LD_PRELOAD": libs[0],
        "FAKETIME": when.strftime("@%Y-%m-%d %H:%M:%S"),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # the event loop's timers stay real
        "TZ": "UTC",  # FAKETIME is read in the local zone
    }
    code = "from datetime import UTC, datetime; print(datetime.now(UTC).date())"
    child = [sys.executable, "-c", code]
    seen = subprocess.run(child, env=os.environ | fake, capture_output=True, text=True, timeout=30)
    if seen.stdout.strip() != str(when.date()):
        return None, f"libfaketime does not fake Python's clock (child saw {seen.stdout!r})"
    return fake, ""


def bench_catchup(args: argparse.Namespace) -> None:
    many = args.catch_up_nudges
    label = f"catch-up ({many} daily nudges, {args.down_days:g} days down)"
    fake, why = faketime_env(datetime.now(UTC) - timedelta(days=args.down_days))
    if fake is None:
        row(label, "not measured", why)
        return
    daily = (nudge(f"c{i}", "gesture_log", f'cron = "0 {i % 24} * * *"') for i in range(many))
    run = Run(args, "catchup", "".join(daily))
    run.start(fake)
    run.wait_ready()
    run.stop(f"catch-up: first start, faked at {fake['FAKETIME'][1:]} UTC")
    sends = Hook.count
    run.start()
    first, ready = run.wait_ready()
    row(f"{label}: spawn → first /healthz answer", f"{first:.2f} s")
    row(f"{label}: spawn → /healthz 200", f"{ready:.2f} s")
    last, quiet = (-1, 0), time.monotonic()
    while time.monotonic() - quiet < 3 and time.monotonic() - run.started < args.timeout:
        now = folder_state(run.data)
        last, quiet = (now, time.monotonic()) if now != last else (last, quiet)
        time.sleep(0.1)
    done = "after spawn; then 3 s idle" if time.monotonic() - quiet >= 3 else "**still writing**"
    row(f"{label}: data folder quiet", f"{quiet - run.started:.2f} s", done)
    run.stop("catch-up")
    count, mb, summary = contents(run.data)
    row(f"{label}: records", f"{count:,} ({mb:.2f} MB of *.json)", summary)
    row(f"{label}: sends received", f"{Hook.count - sends}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--data-dir", type=Path, help="a prepared data folder (copied for each run)")
    add("--only", default="idle,fires,catchup", help="which runs, comma-separated")
    add("--nudges", type=int, default=5, help="far-future nudges in the idle run")
    add("--idle-seconds", type=float, default=120)
    add("--settle", type=float, default=5, help="seconds after ready before the idle RSS")
    add("--fires", type=int, default=600, help="seconds to run the 1 s nudge")
    add("--no-back-off", action="store_true", help="the 1 s nudge takes no reply, never eases off")
    add("--catch-up-nudges", type=int, default=500)
    add("--down-days", type=float, default=30)
    add("--timezone", default="Europe/Berlin")
    add("--timeout", type=float, default=900, help="the longest wait for ready, in seconds")
    add("--dir", help="where run folders go (default: the temp dir)")
    add("--keep", action="store_true", help="keep the run folders (config, data, daemon.log)")
    args = parser.parse_args()
    benches = {"idle": bench_idle, "fires": bench_fires, "catchup": bench_catchup}
    if args.data_dir and not args.data_dir.is_dir():
        sys.exit(f"--data-dir {args.data_dir}: not a folder")
    if unknown := set(args.only.split(",")) - set(benches):
        sys.exit(f"--only: unknown run(s) {', '.join(sorted(unknown))}")
    receiver = ThreadingHTTPServer((HOST, 0), Hook)
    args.hook = receiver.server_address[1]
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    history = f"a copy of {args.data_dir}" if args.data_dir else "an empty data folder"
    print(f"halfway run via {sys.executable}, {history}.\n")
    print("| figure | value | detail |\n|---|---:|---|", flush=True)
    try:
        for name in args.only.split(","):
            benches[name](args)
    finally:
        receiver.shutdown()
        for run in RUNS:
            run.kill()
            if not args.keep:
                shutil.rmtree(run.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
