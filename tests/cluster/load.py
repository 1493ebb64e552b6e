"""Simulated users for the cluster test: threads with the standard library's HTTP client, each
with its own cookie jar, think time between requests, and every request's outcome recorded."""

from __future__ import annotations

import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                        r'name="csrf_token" value="([^"]+)"')  # fmt: skip
TASK = re.compile(r'name="task_ids" value="(\d+)"')
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MARK = "集群测试"


@dataclass
class Outcome:
    kind: str
    start: float
    end: float
    status: int  # 0: no HTTP answer (connection reset, refused, timed out)
    request_id: str = ""


@dataclass
class Submission:
    marker: str
    record_id: int
    acknowledged_at: float
    request_id: str = ""


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    # attachments downloaded with other bytes than were uploaded: (record id, file url)
    mismatches: list[tuple[int, str]] = field(default_factory=list)
    downloads: list[tuple[int, str]] = field(default_factory=list)  # (record id, request id)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 is an answer to record (the submission's acknowledgement)


class User:
    """One browser: logs in, then does `actions` until the deadline."""

    def __init__(self, base: str, username: str, results: Results, seal_id: int, rng):
        self.base = base
        self.username = username
        self.results = results
        self.seal_id = seal_id
        self.rng = rng
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.csrf = ""
        self.mine: list[int] = []

    def request(self, kind, path, data=None, headers=None, timeout=90):
        """(status, body, headers); failures are recorded, never raised."""
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        start = time.monotonic()
        status, body, answer = 0, b"", {}
        try:
            with self.opener.open(req, timeout=timeout) as response:
                status, body, answer = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, body, answer = exc.code, exc.read(), exc.headers
        except (OSError, TimeoutError):
            pass
        request_id = answer.get("X-Request-ID", "") if answer else ""
        self.results.add(Outcome(kind, start, time.monotonic(), status, request_id))
        return status, body, answer

    def post(self, kind, path, fields: dict, files=None):
        headers = {"X-CSRFToken": self.csrf}
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        headers["Content-Type"] = content_type
        return self.request(kind, path, body, headers)

    def login(self) -> bool:
        status, body, _ = self.request("login-page", "/login")
        match = CSRF_FIELD.search(body.decode()) if status == 200 else None
        if not match:
            return False
        token = match.group(1) or match.group(2)
        fields = {"username": self.username, "password": "demo", "csrf_token": token}
        status, _, _ = self.post("login", "/login", fields)
        if status not in (302, 303):
            return False
        status, body, _ = self.request("read", "/")
        found = CSRF.search(body.decode()) if status == 200 else None
        self.csrf = found.group(1) if found else ""
        return bool(self.csrf)

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline and not self.login():
            time.sleep(1)
        while time.monotonic() < deadline:
            self.step()
            time.sleep(self.rng.uniform(2.0, 6.0))  # think time: about 12 requests/s from 50

    def step(self) -> None:
        raise NotImplementedError


class Applicant(User):
    """Reads procedures and the home page, searches, submits 用印申请 with a file, prints PDFs,
    downloads the files of earlier submissions."""

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.30:
            self.request("read", self.rng.choice(["/", "/procedures/", "/procedures/QP-ADM-01"]))
        elif roll < 0.50:
            self.request("search", "/search?q=" + urllib.parse.quote(self.rng.choice(
                ["印章", "用印", "合同", "保管", "QP-ADM"])))  # fmt: skip
        elif roll < 0.80:
            self.submit()
        elif self.mine and roll < 0.90:
            self.request("pdf", f"/seals/{self.rng.choice(self.mine)}/pdf")
        elif self.mine:
            self.download(self.rng.choice(self.mine))
        else:
            self.request("read", "/seals/")

    def download(self, record_id: int) -> None:
        """The record page, then its attachment (whichever node stored it): the same bytes."""
        status, body, _ = self.request("read", f"/seals/{record_id}")
        link = re.search(r'href="(/files/\d+)"', body.decode()) if status == 200 else None
        if not link:
            return
        status, data, headers = self.request("file", link.group(1))
        if status == 200:
            with self.results.lock:
                self.results.downloads.append((record_id, headers.get("X-Request-ID", "")))
                if data != PDF:
                    self.results.mismatches.append((record_id, link.group(1)))

    def submit(self) -> None:
        marker = f"{MARK}-{uuid.uuid4().hex}"
        fields = {
            "seal_ids": str(self.seal_id), "document_name": marker, "document_type": "contract",
            "purpose": "集群测试用印", "receiving_party": "杭州华东贸易有限公司", "copies": "1",
            "destination": "", "remarks": "", "intent": "submit",
        }  # fmt: skip
        status, _, headers = self.post(
            "submit", "/seals/new", fields, files=[("attachments", f"{marker}.pdf", PDF)]
        )
        location = headers.get("Location", "") if headers else ""
        found = re.search(r"/seals/(\d+)$", location)
        if status == 303 and found:
            record_id = int(found.group(1))
            self.mine.append(record_id)
            with self.results.lock:
                self.results.submissions.append(
                    Submission(marker, record_id, time.monotonic(), headers["X-Request-ID"])
                )


class Approver(User):
    """Opens the inbox and approves what is waiting there in one batch (批量同意)."""

    def step(self) -> None:
        status, body, _ = self.request("inbox", "/inbox")
        tasks = TASK.findall(body.decode()) if status == 200 else []
        if tasks:
            self.post("approve", "/inbox/approve", {"task_ids": tasks})


def _multipart(fields: dict, files: list) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    for name, filename, data in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n')  # fmt: skip
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def run_users(base: str, seconds: float, users: int, approvers: int, seal_id: int):
    """`users` browsers for `seconds`, `approvers` of them approvers (head and gm in turn);
    returns the shared results and the running threads."""
    results = Results()
    deadline = time.monotonic() + seconds
    threads = []
    for n in range(users):
        rng = random.Random(n)
        if n < approvers:
            user: User = Approver(base, ("head", "gm")[n % 2], results, seal_id, rng)
        else:
            user = Applicant(base, "employee", results, seal_id, rng)
        thread = threading.Thread(target=user.run, args=(deadline,), daemon=True)
        threads.append(thread)
        thread.start()
        time.sleep(0.05)  # logins spread over the first seconds
    return results, threads
