"""Admin pages: users, departments, roles. Every route is for system administrators only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from portal.admin.forms import DepartmentForm, HolidayForm, UserForm
from portal.auth import services
from portal.auth.models import Department, User
from portal.auth.permissions import sysadmin_required
from portal.core import calendar
from portal.core.forms import csrf_in_form
from portal.core.models import Holiday
from portal.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@sysadmin_required
def guard():
    """All admin routes share one guard: system administrators only."""


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user, user=user)
    form.department_id.choices = [(0, "（无）"), *services.department_choices()]
    form.roles.choices = services.role_choices()
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(user.role_codes)
    return form


def _department_form(department: Department | None) -> DepartmentForm:
    form = DepartmentForm(obj=department, department=department)
    form.parent_id.choices = [(0, "（无）"), *services.department_choices()]
    form.head_id.choices = [(0, "（无）"), *services.user_choices()]
    return form


@bp.route("/")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
def users():
    rows = db.session.scalars(services.list_users()).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@csrf_in_form
def user_edit(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = _user_form(user)
    if form.validate_on_submit():
        if user is None:
            user = services.create_user(
                form.username.data, form.display_name.data, form.password.data
            )
        services.update_user(user, form.data)
        db.session.commit()
        flash(f"已保存用户 {user.display_name}。", "success")
        return redirect(url_for("admin.users"), code=303)
    return render_template(
        "admin/user_form.html", form=form, user=user
    ), 422 if form.errors else 200


@bp.route("/departments")
def departments():
    rows = db.session.scalars(services.list_departments()).all()
    return render_template("admin/departments.html", departments=rows)


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@csrf_in_form
def department_edit(department_id: int | None = None):
    department = db.get_or_404(Department, department_id) if department_id else None
    form = _department_form(department)
    if form.validate_on_submit():
        department = services.save_department(department, form.data)
        db.session.commit()
        flash(f"已保存部门 {department.name}。", "success")
        return redirect(url_for("admin.departments"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/department_form.html", form=form, department=department), status


@bp.route("/roles")
def roles():
    rows = db.session.scalars(services.list_roles()).all()
    members = {role.id: services.users_in_role(role) for role in rows}
    return render_template("admin/roles.html", roles=rows, members=members)


@bp.route("/holidays", methods=["GET", "POST"])
@csrf_in_form
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        calendar.save_holiday(form.day.data, form.name.data.strip(), form.workday.data)
        db.session.commit()
        flash(f"已保存 {form.day.data} {form.name.data}。", "success")
        return redirect(url_for("admin.holidays"), code=303)
    rows = db.session.scalars(calendar.list_holidays()).all()
    return render_template("admin/holidays.html", form=form, rows=rows), 422 if form.errors else 200


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
def holiday_delete(holiday_id: int):
    calendar.remove_holiday(db.get_or_404(Holiday, holiday_id))
    db.session.commit()
    flash("已删除。", "success")
    return redirect(url_for("admin.holidays"), code=303)
