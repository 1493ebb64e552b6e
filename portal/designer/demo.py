"""Demo data of designed forms: 来访登记 and 报修单 loaded from their definition files, with a
few records; and the 发起申请 entries of designed forms."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.auth.models import User
from portal.core.registry import FormType as FormEntry
from portal.designer import services
from portal.designer.models import FormType
from portal.extensions import db

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
SHIPPED = ("visitor.yaml", "repair.yaml")


def startable_form_types(user) -> list[FormEntry]:
    """发起申请: each designed form the user may start (its current version)."""
    if not user.is_authenticated:
        return []
    return [
        FormEntry(
            key=v.flow_key,
            name=v.definition["name"],
            new_endpoint="designer.new",
            register_endpoint="designer.register",
            register_name=f"{v.definition['name']}登记表",
            description=v.definition.get("description", ""),
            url_args=(("key", v.form_type.key),),
            group=v.definition.get("group", ""),
        )
        for v in services.startable(user)
    ]


def load() -> list[str]:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    loaded = []
    for name in SHIPPED:
        text = (DEFINITIONS / name).read_text(encoding="utf-8")
        key = name.removesuffix(".yaml")
        if db.session.scalar(select(FormType.id).where(FormType.key == key)) is not None:
            continue
        services.import_definition(text, admin)
        loaded.append(key)
    return [f"designer: form types {', '.join(loaded) or 'already present'}"]
