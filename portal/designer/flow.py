"""The flow of a designed form version, built from its definition on the kit: one `Flow` per
published version (key `form.<type>.v<n>`), served to the engine by a flow source so that
versions published at run time need no restart and every node builds the same flow."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from portal.auth.models import RoleCode
from portal.core import generations
from portal.designer import expr
from portal.designer.fields import env
from portal.designer.models import DesignedRecord, FormType, FormVersion, flow_key
from portal.extensions import db
from portal.workflow.flow import (
    ALL,
    ANY,
    Applicant,
    ApplicantHead,
    Deadline,
    DepartmentHead,
    Flow,
    HasRole,
    NamedUser,
    Numbering,
    Step,
)

STEP_PAGE = "designer.step"


def assignee(rule: dict | None):
    if not rule:
        return None
    kind = rule.get("kind")
    if kind == "applicant_head":
        return ApplicantHead()
    if kind == "department_head":
        return DepartmentHead(rule["department"])
    if kind == "role":
        return HasRole(rule["role"], rule.get("label", ""))
    if kind == "user":
        return NamedUser(rule["username"])
    return Applicant()


def _condition(definition: dict, source: str):
    tree = expr.parse(source)

    def holds(record) -> bool:
        return bool(expr.evaluate(tree, env(definition, record.values or {})))

    return holds


def conditions(definition: dict) -> dict[str, callable]:
    """step key -> when(record), branch groups resolved: in a group the first step whose
    condition holds applies, the default (no condition) only when none does."""
    found, earlier = {}, {}
    for step in definition.get("steps", []):
        own = _condition(definition, step["when"]) if step.get("when") else None
        group = step.get("branch")
        if group:
            before = list(earlier.setdefault(group, []))

            def when(record, own=own, before=before):
                if any(other(record) for other in before):
                    return False
                return own(record) if own else True

            if own:
                earlier[group].append(own)
            found[step["key"]] = when
        elif own:
            found[step["key"]] = own
    return found


def editable(step: dict) -> list[str]:
    return [k for k, mode in (step.get("fields") or {}).items() if mode == "edit"]


def build_flow(version: FormVersion) -> Flow:
    definition = version.definition
    when = conditions(definition)
    steps = []
    for spec in definition["steps"]:
        hours = spec.get("deadline_hours")
        stage = spec.get("kind") == "task"
        steps.append(
            Step(
                spec["key"],
                spec["name"],
                assignee(spec["assignee"]),
                mode=ALL if spec.get("mode") == "all" else ANY,
                kind="stage" if stage else "approval",
                when=when.get(spec["key"]),
                when_label=spec.get("when", "") or ("默认分支" if spec.get("branch") else ""),
                deadline=Deadline(hours=hours, business=bool(spec.get("business", True)))
                if hours
                else None,
                cc=assignee(spec.get("cc")),
                action_label=spec.get("action_label") or ("完成" if stage else "同意"),
                page=STEP_PAGE if editable(spec) else None,
                clause=spec.get("clause", ""),
            )
        )
    numbering = definition.get("numbering") or {}
    title_key = definition.get("title")
    return Flow(
        key=version.flow_key,
        name=definition["name"],
        numbering=Numbering(numbering.get("prefix", "BD"), numbering.get("period", "month")),
        model=DesignedRecord,
        steps=tuple(steps),
        detail_endpoint="designer.detail",
        title=lambda r: str((r.values or {}).get(title_key) or "") if title_key else "",
        viewer_roles=(RoleCode.SYSADMIN, *definition.get("readers", [])),
        canonical=lambda r: {"version": r.version_id, "values": r.values},
        procedure=definition.get("procedure", ""),
        extra={
            "designed": True,
            "version_id": version.id,
            "approve_once": bool(definition.get("approve_once")),
        },
    )


GENERATION = "designer.versions"


def register_generation(app) -> None:
    """Published versions are only ever added (never changed or deleted), so the highest id and
    the count tell whether a worker's copy of them is current."""
    aggregates = (func.max(FormVersion.id), func.count(FormVersion.id))
    generations.register(app, GENERATION, aggregates, (FormVersion,))


@dataclass(frozen=True)
class Published:
    """A published version as plain data (shared by a worker's threads: not to be changed)."""

    type_key: str
    id: int
    number: int
    definition: dict

    @property
    def flow_key(self) -> str:
        return flow_key(self.type_key, self.number)


def published() -> tuple[Published, ...]:
    """Every published version, by form type and number; read once per worker and kept while
    no version is published (`core/generations.py`)."""
    return generations.cached(GENERATION, _load_published)


def _load_published() -> tuple[Published, ...]:
    rows = db.session.execute(
        select(FormType.key, FormVersion.id, FormVersion.number, FormVersion.definition)
        .join(FormVersion.form_type)
        .order_by(FormType.id, FormVersion.number)
    )
    return tuple(Published(*row) for row in rows)


def current_versions() -> list[Published]:
    """The current (newest) version of each form type, in the order the types were created."""
    newest: dict[str, Published] = {}
    for version in published():
        newest[version.type_key] = version
    return list(newest.values())


class DesignedFlows:
    """The flow source: flows of published versions, built once per app (versions never
    change), the list of versions kept per worker while no version is published."""

    def _cache(self) -> dict:
        return current_app.extensions.setdefault("designer_flows", {})

    def flow(self, key: str) -> Flow | None:
        if not key.startswith("form."):
            return None
        cache = self._cache()
        if key not in cache:
            type_key, _, number = key[5:].rpartition(".v")
            if not number.isdigit():
                return None
            version = db.session.scalar(
                select(FormVersion)
                .join(FormType)
                .where(FormType.key == type_key, FormVersion.number == int(number))
            )
            if version is None:
                return None
            cache[key] = build_flow(version)
        return cache[key]

    def flows(self) -> list[Flow]:
        keys = [version.flow_key for version in published()]
        return [f for f in (self.flow(k) for k in keys) if f is not None]
