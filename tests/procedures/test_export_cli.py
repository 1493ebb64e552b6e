"""`flask procedures export-static OUTDIR --zip` from the command line."""

from __future__ import annotations

from portal.extensions import db
from portal.procedures import services


def test_cli_exports_and_replaces_stale_pages(runner, app, tmp_path):
    services.load_markdown_dir()
    db.session.commit()
    outdir = tmp_path / "copy"
    (outdir / "procedures").mkdir(parents=True)
    (outdir / "procedures" / "qp-old-99.html").write_text("old", encoding="utf-8")
    result = runner.invoke(args=["procedures", "export-static", str(outdir), "--zip"])
    assert result.exit_code == 0, result.output
    assert "7 procedures" in result.output and "archive:" in result.output
    assert not (outdir / "procedures" / "qp-old-99.html").exists()
    assert (outdir / "procedures" / "qp-adm-01.html").is_file()
    assert (tmp_path / "copy.zip").is_file()
