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
        self.home: Path | None = None

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
        self.folder = folder
        self.access_logs: list[Path] = []  # one per start: what the restarted node served
        env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}"}
        args = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"]
        super().__init__(name, args, env, folder / f"{name}.log")

    def start(self) -> None:
        log = self.folder / f"{self.name}.access.{len(self.access_logs) + 1}.log"
        self.access_logs.append(log)
        self.env = {**self.env, "PORTAL_ACCESS_LOG": str(log)}
        super().start()

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


def pgbouncer(database_url: str, listen: int, folder: Path) -> tuple[Process, str]:
    """pgbouncer in transaction mode in front of `database_url`'s server, run as the postgres
    user (it refuses root); returns the process and the URL the nodes use through it."""
    import pwd
    import tempfile

    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    home = Path(tempfile.mkdtemp(prefix="portal-pgbouncer-"))  # readable by postgres
    (home / "userlist.txt").write_text(f'"{url.username}" ""\n', encoding="utf-8")
    (home / "pgbouncer.ini").write_text(
        f"[databases]\n{url.database} = host={url.host} port={url.port} dbname={url.database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir = {home}\n"
        f"auth_type = trust\nauth_file = {home / 'userlist.txt'}\n"
        "pool_mode = transaction\nmax_client_conn = 500\ndefault_pool_size = 20\n"
        "server_reset_query =\nignore_startup_parameters = extra_float_digits,options\n",
        encoding="utf-8",
    )
    owner = pwd.getpwnam("postgres")
    for path in (home, *home.iterdir()):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    args = ["runuser", "-u", "postgres", "--", binary, str(home / "pgbouncer.ini")]
    process = Process("pgbouncer", args, dict(os.environ), folder / "pgbouncer.log")
    process.home = home  # removed by the caller after stop()
    through = url.set(port=listen).render_as_string(hide_password=False)
    return process, through


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on port {port} after {seconds} s")
        time.sleep(0.2)
