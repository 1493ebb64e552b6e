"""Step pages: a step that records its own data (the keeper's stamping, a CAPA, a follow-up
call) names its page on the flow (`Step.page`, an endpoint such as "seals.stamp"); the domain
declares that page here with a `StepPage` (URL rule, form, template, what saving does), and one
generic view serves every page of every domain:

load the record (404) → may the user act on the step now (403) → validate → lock the record,
check again, save, and move the step on through the engine → commit once and redirect (303);
or roll back and show the form again with the user's values and the message beside its field.

The engine refuses to approve or complete a step that has a page unless the call comes from
that page (`engine.transition(..., page=...)`), so the generic 同意/完成 buttons cannot skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

import portal.workflow.access as access
import portal.workflow.engine as engine
from portal.core.forms import change_rows, csrf_in_form
from portal.core.htmx import see_other
from portal.extensions import db
from portal.workflow.engine import WorkflowError, record_url
from portal.workflow.flow import Flow, Step, all_flows, get_flow


class StepRefused(Exception):
    """A page's save refuses to go on; the message goes beside `field` (or above the form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Outcome:
    """What a page's save did: the message shown after the redirect, and the engine action the
    kit takes next ("complete", "approve", "send_back", "reject"), or None when the save already
    moved the step itself or only stored a draft of the page."""

    message: str
    action: str | None = "complete"
    comment: str = ""
    data: dict | None = None


@dataclass(frozen=True)
class StepPage:
    endpoint: str  # "<blueprint>.<name>", the Step.page that names it
    flow: str  # the flow (form type) whose step names this page
    rule: str  # URL rule on the domain's blueprint, e.g. "/<int:id>/stamp"
    title: str
    form: Callable[[Any, Any], Any]  # (record, user) -> PortalForm, filled from the record on GET
    save: Callable[[Any, Any, Any, str], Outcome]  # (record, form, user, button) -> Outcome
    template: str = "workflow/step.html"
    buttons: tuple[tuple[str, str], ...] = (("complete", "提交并完成本环节"),)
    intro: str = ""
    context: Callable[[Any, Any], dict] | None = None  # (record, user) -> extra template data
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.endpoint.partition(".")[2]


def step_of(page: StepPage) -> Step:
    flow = get_flow(page.flow)
    for step in flow.steps:
        if step.page == page.endpoint:
            return step
    raise LookupError(f"no step of flow {page.flow} names the page {page.endpoint}")


def add_step_pages(bp, pages: tuple[StepPage, ...]) -> None:
    """Register each page's URL rule on the domain's blueprint, all served by `step_view`."""
    for page in pages:
        bp.add_url_rule(
            page.rule,
            endpoint=page.name,
            view_func=step_view,
            methods=["GET", "POST"],
            defaults={"page_key": page.endpoint},
        )
    bp.record_once(lambda state: _remember(state.app, pages))


def _remember(app, pages) -> None:
    app.extensions.setdefault("portal_step_pages", {}).update({p.endpoint: p for p in pages})


def get_page(endpoint: str) -> StepPage:
    return current_app.extensions["portal_step_pages"][endpoint]


def check_pages(app) -> None:
    """At start-up: every Step.page is declared and every page is named by one step."""
    with app.app_context():
        declared = app.extensions.get("portal_step_pages", {})
        named = {s.page: f.key for f in all_flows(sources=False) for s in f.steps if s.page}
        missing = sorted(set(named) - set(declared))
        orphans = sorted(set(declared) - set(named))
        if missing or orphans:
            raise RuntimeError(f"step pages: undeclared {missing}, named by no step {orphans}")


@csrf_in_form
def step_view(id: int, page_key: str):
    page = get_page(page_key)
    flow = get_flow(page.flow)
    record = access.get_record_or_404(flow.model, id)
    step = step_of(page)
    if not access.can_act(current_user, record.instance, step.key):
        abort(403)
    form = page.form(record, current_user)
    if not change_rows(form) and form.validate_on_submit():
        message = _attempt(page, record, form, _button(page))
        if message is not None:
            flash(f"{record.instance.number or ''}：{message}".lstrip("："), "success")
            return see_other(record_url(record.instance))
    status = 422 if form.errors or form.messages else 200
    return render_template(page.template, **page_context(page, record, form, flow, step)), status


def _button(page: StepPage) -> str:
    pressed = request.form.get("button", "")
    return pressed if pressed in dict(page.buttons) else page.buttons[0][0]


def _attempt(page: StepPage, record, form, button: str) -> str | None:
    """Run the page; commit and return the message, or roll back and put the refusal on the form."""
    try:
        message = run(page, record, form, current_user, button)
    except (StepRefused, WorkflowError) as exc:
        db.session.rollback()
        attach_error(form, exc)
        return None
    db.session.commit()
    return message


def run(page: StepPage, record, form, user, button: str) -> str:
    """Lock the record, check the user may still act, save, then take the outcome's action."""
    instance = record.instance
    engine.lock(instance)
    step = step_of(page)
    if not access.can_act(user, instance, step.key):
        raise WorkflowError("该步骤已由他人处理或已变更，请返回记录页查看。")
    outcome = page.save(record, form, user, button)
    if outcome.action:
        engine.transition(
            instance, outcome.action, user, outcome.comment[:1000], page=page.endpoint,
            data=outcome.data,
        )  # fmt: skip
    return outcome.message


def attach_error(form, exc: Exception) -> None:
    """A refusal from a page or the engine, shown beside its field or above the form."""
    name = getattr(exc, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def page_context(page: StepPage, record, form, flow: Flow, step: Step) -> dict:
    from portal.workflow.clocks import stage_map
    from portal.workflow.path import approval_path
    from portal.workflow.services import acting_for

    instance = record.instance
    return {
        "page": page,
        "record": record,
        "instance": instance,
        "form": form,
        "step": step,
        "clock": stage_map(instance, record).get(step.key),
        "acting_for": acting_for(instance, current_user),
        "record_url": record_url(instance),
        "clause_url": clause_url(flow, step),
        "path": [
            n for n in approval_path(instance, show_na=False) if n["state"] in ("done", "skipped")
        ],
        **(page.context(record, current_user) if page.context else {}),
    }


def clause_url(flow: Flow, step: Step) -> str | None:
    """The step's governing clause in the library, when the procedure and clause are loaded."""
    if not (flow.procedure and step.clause):
        return None
    return clause_urls(flow.procedure, {step.key: step.clause}).get(step.key)


# --- citing the governing procedure -------------------------------------------------------------


def clause_urls(procedure: str, anchors: dict[str, str]) -> dict[str, str]:
    """key -> link to the clause `anchors[key]` of `procedure`, for the clauses the library holds."""
    from portal.procedures.services import clause_url as url
    from portal.procedures.services import find_clauses

    present = {c.anchor for c in find_clauses(procedure, *set(anchors.values()))}
    return {key: url(procedure, a) for key, a in anchors.items() if a in present}


def citations(procedure: str, anchors: list[str], title: str) -> list[dict]:
    """The clauses that govern a form, as {citation, text, url} links to their anchors; a plain
    reference to the procedure (《title》（code）) while the library does not hold it."""
    from portal.procedures.services import clause_url as url
    from portal.procedures.services import find_clauses

    clauses = find_clauses(procedure, *anchors)
    if clauses:
        return [
            {"citation": c.citation or c.number, "text": _short(c.text),
             "url": url(procedure, c.anchor)}
            for c in clauses
        ]  # fmt: skip
    link = None
    if "procedures.detail" in current_app.view_functions:
        link = url_for("procedures.detail", code=procedure)
    return [{"citation": f"《{title}》（{procedure}）", "text": "", "url": link}]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
