"""Admin pages: users (and the hand-over of a user's open tasks), departments, roles, holidays.
Every route is for system administrators only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.admin.forms import DepartmentForm, HandoverForm, HolidayForm, UserForm
from portal.auth import services
from portal.auth.models import LOGIN_RESULT_LABELS, Department, User
from portal.auth.permissions import sysadmin_required
from portal.core import calendar
from portal.core.forms import csrf_in_form
from portal.core.htmx import see_other
from portal.core.models import Holiday
from portal.core.pagination import paginate
from portal.extensions import db
from portal.workflow import handover
from portal.workflow.engine import WorkflowError
from portal.workflow.models import POSITIONS
from portal.workflow.path import waited

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
    counts = handover.open_task_counts()
    return render_template("admin/users.html", users=rows, task_counts=counts)


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
        left = _open_task_count(user) if not user.active else 0
        if left:  # a deactivated user still holds tasks: nobody else would see them
            flash(
                f"{user.display_name} 已停用，仍有 {left} 项待办任务，请转交给其他人员。", "warning"
            )
            return redirect(url_for("admin.user_tasks", user_id=user.id), code=303)
        return redirect(url_for("admin.users"), code=303)
    tasks = _open_task_count(user) if user is not None else 0
    return render_template(
        "admin/user_form.html", form=form, user=user, open_tasks=tasks
    ), 422 if form.errors else 200


def _open_task_count(user: User) -> int:
    return handover.open_task_counts().get(user.id, 0)


def _handover_form(leaver: User, tasks) -> HandoverForm:
    form = HandoverForm(leaver=leaver)
    form.task_ids.choices = [(t.id, t.instance.number or t.instance.title) for t in tasks]
    form.target_id.choices = handover.candidates(leaver)
    if not form.is_submitted():
        form.task_ids.data = [t.id for t in tasks]  # the usual case: hand over everything
    return form


@bp.route("/users/<int:user_id>/tasks", methods=["GET", "POST"])
@csrf_in_form
def user_tasks(user_id: int):
    """The open tasks a user holds, and their hand-over (转交) to another active user."""
    leaver = db.get_or_404(User, user_id)
    tasks = db.session.scalars(handover.open_tasks_of(leaver)).all()
    form = _handover_form(leaver, tasks)
    if form.validate_on_submit():
        target = db.session.get(User, form.target_id.data)
        try:
            done = handover.hand_over(
                leaver, form.task_ids.data, target, current_user, form.reason.data
            )
        except WorkflowError as exc:
            db.session.rollback()
            field = form._fields.get(exc.field or "", form.task_ids)
            field.errors = [*field.errors, str(exc)]
            tasks = db.session.scalars(handover.open_tasks_of(leaver)).all()
        else:
            db.session.commit()
            numbers = "、".join(i.number or i.title for i in done)
            flash(f"已将 {len(done)} 项任务转交给 {target.display_name}：{numbers}", "success")
            return see_other(url_for("admin.user_tasks", user_id=leaver.id))
    return render_template(
        "admin/user_tasks.html", form=form, leaver=leaver, tasks=tasks, waited=waited,
        held=handover.held_count(leaver), positions=POSITIONS,
    ), 422 if form.errors else 200  # fmt: skip


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
def end_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    services.end_sessions(user, current_user)
    db.session.commit()
    flash(f"已结束 {user.display_name} 的所有会话，需重新登录。", "success")
    return see_other(url_for("admin.user_edit", user_id=user.id))


@bp.route("/logins")
def logins():
    page = paginate(services.list_login_attempts(), per_page=100)
    return render_template("admin/logins.html", page=page, labels=LOGIN_RESULT_LABELS)


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
