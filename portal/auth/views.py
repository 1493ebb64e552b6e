"""Login, logout and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.auth import services, sessions
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.core.forms import csrf_in_form
from portal.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login would be a phishing aid."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@csrf_in_form
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, g.client_ip)
        except services.AuthError as exc:
            db.session.commit()  # keep the failed attempt for throttling
            form.password.errors.append(str(exc))
            return render_template("auth/login.html", form=form), 422
        db.session.commit()
        sessions.start(user)
        flash(f"欢迎，{user.display_name}。", "success")
        return redirect(_safe_next(form.next.data), code=303)
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.end_current(current_user._get_current_object())
    db.session.commit()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@csrf_in_form
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AuthError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            sessions.start(current_user._get_current_object())  # the others have ended
            flash("密码已修改，其他设备上的登录已退出。", "success")
            return redirect(url_for("home.index"), code=303)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
