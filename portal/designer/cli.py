"""`flask forms export KEY [FILE]` and `flask forms import FILE`: a designed form type as a
YAML or JSON file (reviewable in git); import publishes it as a new version when it changed."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from portal.auth.models import RoleCode, User, users_with_role
from portal.extensions import db


@click.group("forms", help="Designed form types: export and import definition files.")
def forms():
    pass


@forms.command("export")
@click.argument("key")
@click.argument("path", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of YAML.")
def export_command(key: str, path: str | None, as_json: bool):
    from portal.designer.models import FormType
    from portal.designer.services import export_definition

    form_type = db.session.scalar(select(FormType).where(FormType.key == key))
    if form_type is None:
        raise click.ClickException(f"no form type {key}")
    text = export_definition(form_type, "json" if as_json else "yaml")
    if path:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")
    else:
        click.echo(text, nl=False)


@forms.command("import")
@click.argument("path")
@click.option("--as", "username", default=None, help="Publishing user (default: an administrator).")
def import_command(path: str, username: str | None):
    from portal.designer.services import DesignError, import_definition

    if username:
        user = db.session.scalar(select(User).where(User.username == username))
    else:
        user = db.session.scalars(users_with_role(RoleCode.SYSADMIN)).first()
    if user is None:
        raise click.ClickException("no such user")
    try:
        form_type = import_definition(Path(path).read_text(encoding="utf-8"), user)
    except DesignError as exc:
        db.session.rollback()
        raise click.ClickException("\n".join(exc.errors)) from exc
    db.session.commit()
    click.echo(f"{form_type.key}: version {form_type.current.number}")
