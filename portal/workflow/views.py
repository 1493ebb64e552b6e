"""Inbox pages (待我审批, 我的申请, 抄送我的, 已办), record actions, CC and delegations."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import portal.workflow.access as access
import portal.workflow.delegation as delegation
import portal.workflow.engine as engine
import portal.workflow.services as services
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.core.forms import csrf_in_form
from portal.core.htmx import is_htmx, see_other
from portal.core.pagination import paginate
from portal.extensions import db
from portal.workflow.flow import form_kinds, get_flow
from portal.workflow.forms import ActionForm, CCForm, DelegationForm
from portal.workflow.models import POSITIONS, STATUS_LABELS, Delegation, Instance
from portal.workflow.path import waited

bp = Blueprint("workflow", __name__)


@bp.route("/inbox")
def inbox():
    page = paginate(services.awaiting(current_user, request.args.get("type") or None))
    return render_template("workflow/inbox.html", page=page, kinds=form_kinds(),
                           batchable=services.batchable(page.items, current_user),
                           waited=waited, positions=POSITIONS)  # fmt: skip


@bp.route("/inbox/approve", methods=["POST"])
def batch_approve():
    """批量同意: approval steps that need no page; each record on its own (one refusal does not
    undo the others), and the page says which went through."""
    ids = request.form.getlist("task_ids", type=int)
    done, refused = services.approve_many(ids, current_user)
    db.session.commit()
    if done:
        flash(f"已同意 {len(done)} 件：{'、'.join(done)}", "success")
    for message in refused:
        flash(message, "danger")
    if not ids:
        flash("请先勾选要同意的事项。", "danger")
    return see_other(url_for("workflow.inbox"))


@bp.route("/my")
def mine():
    status = request.args.get("status") or None
    page = paginate(services.mine(current_user, status))
    counts = services.status_counts(current_user)
    return render_template(
        "workflow/mine.html", page=page, status=status, counts=counts, labels=STATUS_LABELS
    )


@bp.route("/cc")
def copied():
    page = paginate(services.copied_to(current_user))
    return render_template(
        "workflow/list.html", page=page, title="抄送我的", empty="暂无抄送给您的记录。"
    )


@bp.route("/done")
def done():
    page = paginate(services.handled_by(current_user))
    return render_template(
        "workflow/list.html", page=page, title="已办", empty="您还没有处理过记录。"
    )


def _get_visible_instance(instance_id: int) -> Instance:
    instance = db.get_or_404(Instance, instance_id)
    if not access.can_view(current_user, instance):
        abort(403)
    return instance


@bp.route("/workflow/<int:instance_id>")
def record(instance_id: int):
    """Any record by its workflow id: its own page (what a GET on /workflow/<id>/act leads to)."""
    return redirect(engine.record_url(_get_visible_instance(instance_id)), code=303)


@bp.route("/workflow/<int:instance_id>/act", methods=["POST"])
@csrf_in_form
def act(instance_id: int):
    instance = _get_visible_instance(instance_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            engine.transition(
                instance, form.action.data, current_user, form.comment.data or "", **form.extras()
            )
        except engine.WorkflowError as exc:
            db.session.rollback()
            field = form._fields.get(exc.field or "", form.comment)
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                f"已{engine.action_spec(get_flow(instance.form_type), form.action.data).label}："
                f"{instance.number or instance.title}",
                "success",
            )
            return see_other(engine.record_url(instance))
    data = services.panel(instance, current_user)
    template = "workflow/_actions.html" if is_htmx() else "workflow/act.html"
    return render_template(
        template, panel=data, action_form=form, record_url=engine.record_url(instance)
    ), 422


@bp.route("/workflow/<int:instance_id>/cc", methods=["POST"])
def cc(instance_id: int):
    instance = _get_visible_instance(instance_id)
    if instance.applicant_id != current_user.id:
        abort(403)
    form = CCForm()
    form.users.choices = auth_services.user_choices()
    if form.validate_on_submit():
        users = [db.session.get(User, uid) for uid in form.users.data]
        engine.add_watchers(instance, users)
        db.session.commit()
        flash("已抄送。", "success")
    else:
        flash("请选择抄送人。", "danger")
    return redirect(engine.record_url(instance), code=303)


def _delegation_form() -> DelegationForm:
    form = DelegationForm()
    users = auth_services.user_choices()
    # Nobody delegates to himself: an employee's list leaves him out (the administrator, who
    # sets delegations for others, is told so by the form's check).
    form.delegate_id.choices = (
        users if current_user.is_sysadmin else [u for u in users if u[0] != current_user.id]
    )
    form.principal_id.choices = (
        users if current_user.is_sysadmin else [(current_user.id, current_user.display_name)]
    )
    form.form_type.choices = [("", "全部表单"), *form_kinds()]
    if not form.is_submitted():
        form.principal_id.data = current_user.id
    return form


@bp.route("/delegations", methods=["GET", "POST"])
@csrf_in_form
def delegations():
    form = _delegation_form()
    if form.validate_on_submit():
        principal = db.session.get(User, form.principal_id.data)
        try:
            delegation.create_delegation(
                principal, db.session.get(User, form.delegate_id.data), form.starts_on.data, form.ends_on.data,
                created_by=current_user, form_type=form.form_type.data or None, reason=form.reason.data or "",
            )  # fmt: skip
        except delegation.DelegationError as exc:
            form.delegate_id.errors = [str(exc)]
        else:
            db.session.commit()
            flash("委托已设置。", "success")
            return redirect(url_for("workflow.delegations"), code=303)
    query = (
        delegation.all_delegations()
        if current_user.is_sysadmin
        else delegation.delegations_of(current_user)
    )
    rows = db.session.scalars(query.limit(200)).all()
    status = 422 if form.errors else 200
    return render_template(
        "workflow/delegations.html", form=form, rows=rows, today=delegation.today()
    ), status


@bp.route("/delegations/<int:delegation_id>/cancel", methods=["POST"])
def cancel_delegation(delegation_id: int):
    row = db.get_or_404(Delegation, delegation_id)
    if (
        current_user.id not in (row.principal_id, row.created_by_id)
        and not current_user.is_sysadmin
    ):
        abort(403)
    delegation.cancel_delegation(row, current_user)
    db.session.commit()
    flash("委托已取消。", "success")
    return redirect(url_for("workflow.delegations"), code=303)


@bp.app_context_processor
def _flows_for_templates():
    return {
        "workflow_flow_names": {
            f.key: f.name for f in current_app.extensions.get("portal_flows", {}).values()
        }
    }
