"""The sample deployment files in deploy/ stay valid and name only settings that exist."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_haproxy_config_is_valid():
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        pytest.fail("haproxy is missing: scripts/sysdeps.sh test installs it")
    env = {**os.environ, "PORTAL_LISTEN": "127.0.0.1:8080",
           "PORTAL_NODE1": "127.0.0.1:8001", "PORTAL_NODE2": "127.0.0.1:8002"}  # fmt: skip
    done = subprocess.run([binary, "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "option httpchk GET /readyz" in (DEPLOY / "haproxy.cfg").read_text()


def test_environment_example_names_real_settings():
    known = (ROOT / "portal" / "config.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "portal.env.example").read_text(), flags=re.M)
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    unknown = [n for n in names if f'"{n}"' not in known]
    assert not unknown, unknown


def test_systemd_units_run_the_shipped_commands():
    node = (DEPLOY / "portal.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py app:app" in node
    assert "EnvironmentFile=/srv/portal/portal.env" in node
    tick = (DEPLOY / "portal-tick.service").read_text()
    assert re.search(r"^ExecStart=.*flask --app app workflow tick$", tick, flags=re.M)
    assert "OnUnitActiveSec=2min" in (DEPLOY / "portal-tick.timer").read_text()
