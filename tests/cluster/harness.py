"""The cluster's processes: two gunicorn nodes (deploy/gunicorn.conf.py), HAProxy in front
(deploy/haproxy.cfg), a tick loop per node; each started in its own process group so that a
node can be killed with SIGKILL, workers and all."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ok(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200 within {seconds} s")
        time.sleep(0.3)


class Process:
    """A child in a process group of its own, its output in `log`."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Node(Process):
    def __init__(self, name: str, port: int, env: dict, folder: Path):
        self.port = port
        self.access_log = folder / f"{name}.access.log"
        env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_ACCESS_LOG": str(self.access_log)}
        args = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"]
        super().__init__(name, args, env, folder / f"{name}.log")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 120) -> None:
        wait_until_ok(f"http://{self.address}/readyz", seconds)


def haproxy(listen: int, nodes: list[Node], folder: Path) -> Process:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    env = {**os.environ, "PORTAL_LISTEN": f"127.0.0.1:{listen}"}
    for n, node in enumerate(nodes, 1):
        env[f"PORTAL_NODE{n}"] = node.address
    return Process(
        "haproxy", [binary, "-db", "-f", "deploy/haproxy.cfg"], env, folder / "haproxy.log"
    )


class TickLoop(threading.Thread):
    """`flask workflow tick` every `every` seconds, as a node's systemd timer would run it."""

    def __init__(self, env: dict, every: float, log: Path):
        super().__init__(daemon=True)
        self.env, self.every, self.log = env, every, log
        self.stopping = threading.Event()
        self.runs = 0
        self.failures = 0

    def run(self) -> None:
        args = [str(VENV_BIN / "flask"), "--app", "app", "workflow", "tick"]
        while not self.stopping.is_set():
            with self.log.open("ab") as out:
                done = subprocess.run(
                    args, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                    timeout=300, check=False,
                )  # fmt: skip
            self.runs += 1
            self.failures += done.returncode != 0
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=300)
