"""Thin click commands over services: users, demo data. Domains add their own groups."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.auth import services as auth_services
from portal.auth.models import Department, RoleCode
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data (never in production).")


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


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    for command in app.extensions.get("portal_cli", []):
        app.cli.add_command(command)
