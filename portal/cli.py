"""Thin click commands over services: users, demo data, attachment storage. Domains add their
own groups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from portal.auth import services as auth_services
from portal.auth.models import Department, RoleCode
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data (never in production).")
files_cli = AppGroup("files", help="Attachment storage.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 张三.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--department", "department_code", default=None, help="Department code.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help=f"Role code, repeatable: {', '.join(vars(RoleCode)[k] for k in vars(RoleCode) if k.isupper())}.",
)
@click.option("--email", default="")
def create_user(username, display_name, password, department_code, roles, email):
    """Create a user account."""
    auth_services.ensure_roles()
    department = None
    if department_code:
        department = db.session.scalar(
            db.select(Department).filter_by(code=department_code.upper())
        )
        if department is None:
            raise click.ClickException(f"unknown department code {department_code}")
    try:
        user = auth_services.create_user(
            username, display_name, password, department=department, roles=list(roles), email=email
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id})")


@demo_cli.command("load")
def load_demo():
    """Load the demo organisation, users and records (idempotent)."""
    from portal.demo import load_demo as load

    summary = load()
    db.session.commit()
    for line in summary:
        click.echo(line)


@demo_cli.command("logins")
def demo_logins():
    """Print the demo accounts (password `demo`)."""
    from portal.demo import DEMO_PASSWORD
    from portal.demo import demo_logins as logins

    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for username, name, what in logins():
        click.echo(f"  {username:<12} {name:<6} {what}")


@files_cli.command("check")
@click.option("--fix", is_flag=True, help="Delete orphan files; finish interrupted moves.")
def check_files(fix):
    """Compare UPLOAD_DIR with the attachment rows: orphan files and rows missing their file."""
    from portal.files.services import check_storage

    report = check_storage(fix=fix)
    for path in report.orphans:
        click.echo(f"orphan file (no row): {path}" + (" - removed" if fix else ""))
    for row in report.unfinished:
        state = "moved into place" if fix else "still under its temporary name"
        click.echo(f"attachment {row.id} ({row.original_name}): file {state}")
    for row in report.missing:
        click.echo(f"attachment {row.id} ({row.original_name}): file missing")
    click.echo(
        f"{len(report.orphans)} orphan file(s), {len(report.unfinished)} unfinished, "
        f"{len(report.missing)} row(s) missing their file"
    )
    if report.missing or ((report.orphans or report.unfinished) and not fix):
        click.get_current_context().exit(1)


@files_cli.command("copy-to-database")
def copy_files_to_database():
    """Copy the attachments in UPLOAD_DIR into the database (before FILE_STORAGE=database)."""
    from portal.files.services import copy_to_database

    report = copy_to_database()
    for row, problem in report.problems:
        click.echo(f"attachment {row.id} ({row.original_name}): {problem}")
    click.echo(
        f"{report.copied} copied, {report.present} already there, {len(report.problems)} not copied"
    )
    if report.problems:
        click.get_current_context().exit(1)


# --- backup and restore (services in portal/backup) ---------------------------------------------

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploads.")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def backup_create(path):
    """Write one archive of the database and UPLOAD_DIR to PATH (a file or a folder;
    default: instance/backups/portal-<time>.tar.gz)."""
    from portal.backup import services

    try:
        backup = services.create_backup(path)
    except services.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written: {backup.path} ({backup.dialect}, {backup.files} uploads, "
               f"{backup.size} bytes)")  # fmt: skip
    click.echo(f"sha256 {backup.sha256}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def backup_restore(path, force):
    """Restore the database and the uploads from the archive at PATH (stop the portal first)."""
    from portal.backup import services

    try:
        restored = services.restore_backup(path, force=force)
    except services.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored the backup of {restored.created_at}: {restored.dialect} database, "
               f"{restored.files} uploads; run `flask db upgrade` next")  # fmt: skip


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(files_cli)
    for command in app.extensions.get("portal_cli", []):
        app.cli.add_command(command)
