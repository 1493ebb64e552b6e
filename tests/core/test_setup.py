"""What a new user meets first: the README's logins, the base URL and the favicon."""

from __future__ import annotations

import re
from pathlib import Path

from portal.config import from_environment
from portal.demo import USERS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_demo_logins_match_the_demo_users():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\S+) \|", section, flags=re.M)
    assert rows == [(u, n) for u, n, *_ in USERS] or sorted(rows) == sorted(
        (u, n) for u, n, *_ in USERS
    )


def test_base_url_follows_port(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5101")
    assert from_environment(str(tmp_path))["PORTAL_BASE_URL"] == "http://127.0.0.1:5101"
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.cn")
    assert from_environment(str(tmp_path))["PORTAL_BASE_URL"] == "https://portal.example.cn"


def test_favicon_is_served_to_anyone(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.data[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert b'rel="icon"' in client.get("/login").data


def test_font_build_reports_progress(monkeypatch, tmp_path, capsys):
    """The first `make run` builds the fonts for about a minute: it says so, font by font."""
    from types import SimpleNamespace

    from portal.pdf import fonts

    def fake_build(dest, force, progress):
        progress("  Regular done (40 s)")
        progress("  Bold done (45 s)")
        return []

    monkeypatch.setattr(
        fonts, "find_source", lambda style: SimpleNamespace(style=style, path="/x.ttc", index=0)
    )
    monkeypatch.setattr(fonts, "_up_to_date", lambda *a: False)
    monkeypatch.setattr(fonts, "build_fonts", fake_build)
    assert fonts.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Building the PDF fonts" in out.splitlines()[0]
    assert "Regular done" in out and "Bold done" in out


def test_home_offers_only_forms_the_user_may_start(app, org):
    """发起申请 lists a form only when its page opens for this user (客户投诉 is for 客服部)."""
    import re

    from tests.conftest import Auth
    from tests.test_access_matrix import USERNAMES

    offered = {}
    for who in USERNAMES:
        client = app.test_client()
        Auth(client).as_user(org[who])
        html = client.get("/").get_data(as_text=True)
        section = html.split("<h2>发起申请</h2>", 1)[1].split("</section>", 1)[0]
        links = re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', section)
        offered[who] = [name for _, name in links]
        for url, name in links:
            with client.get(url) as response:
                assert response.status_code == 200, (who, name, url, response.status_code)
    assert "客户投诉" not in offered["quality"]
    assert "客户投诉" in offered["service"]
