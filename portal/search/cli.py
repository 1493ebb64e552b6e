"""`flask search QUERY [--json]`: the live search from the command line, for scripts and checks."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from portal.search import index as search


@click.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help='Print [{"code", "anchor", "snippet"}].')
@click.option("--category", default=None, help="Only procedures of this category.")
@click.option("--department", default=None, help="Only procedures of this owner department code.")
@click.option("--superseded", is_flag=True, help="Include superseded revisions.")
@click.option("--limit", type=int, default=None, help="At most this many hits (default: all).")
@with_appcontext
def search_command(query, as_json, category, department, superseded, limit):
    """Search the procedure clauses (terms ANDed, "quoted phrases" kept whole)."""
    result = search.query(
        query,
        category=category,
        department=department,
        include_superseded=superseded,
        limit=limit,
    )
    hits = [(group, hit) for group in result.groups for hit in group.hits]
    if as_json:
        payload = [
            {"code": group.code, "anchor": hit.anchor, "snippet": hit.snippet_text}
            for group, hit in hits
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for group, hit in hits:
        click.echo(f"{group.code}#{hit.anchor}  {hit.label}  {hit.snippet_text}")
    more = "" if result.total_exact else " 以上"
    click.echo(f"-- {result.shown} / {result.total}{more} hits", err=True)
