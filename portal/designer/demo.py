"""Demo data of designed forms: 来访登记 and 报修单 loaded from their definition files, with a
few records; and the 发起申请 entries of designed forms."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.auth.models import User
from portal.core.clock import local_now
from portal.core.registry import FormType as FormEntry
from portal.designer import services
from portal.designer.flow import STEP_PAGE
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
            url_args=(("key", v.type_key),),
            group=v.definition.get("group", ""),
        )
        for v in services.startable(user)
    ]


def load() -> list[str]:
    users = {u.username: u for u in db.session.scalars(select(User))}
    loaded = []
    for name in SHIPPED:
        text = (DEFINITIONS / name).read_text(encoding="utf-8")
        key = name.removesuffix(".yaml")
        if db.session.scalar(select(FormType.id).where(FormType.key == key)) is not None:
            continue
        form_type = services.import_definition(text, users["admin"])
        RECORDS[key](form_type.current, users)
        loaded.append(key)
    return [f"designer: form types {', '.join(loaded) or 'already present'}"]


def _visits(version, users) -> None:
    """Two visits today: one has left (the front desk entered the exit time), one is in."""
    from portal.workflow import engine

    at = local_now().replace(second=0, microsecond=0)
    left = services.submit_values(version, {
        "visitor_name": "陈经理", "organisation": "华东物业管理有限公司", "people": "2",
        "purpose": "商谈年度门窗维保合同", "host": {"id": users["head"].id,
                                             "name": users["head"].display_name},
        "arrive_at": f"{at - timedelta(hours=2):%Y-%m-%dT%H:%M}",
    }, users["employee"])  # fmt: skip
    left.values = {**left.values, "leave_at": f"{at - timedelta(minutes=30):%Y-%m-%dT%H:%M}"}
    engine.transition(left.instance, "complete", users["adminoffice"], page=STEP_PAGE)
    services.submit_values(version, {
        "visitor_name": "李工", "organisation": "市质量技术监督局", "people": "1",
        "purpose": "产品质量抽查", "arrive_at": f"{at - timedelta(minutes=20):%Y-%m-%dT%H:%M}",
    }, users["employee"])  # fmt: skip


def _repairs(version, users) -> None:
    """A repair in warranty waiting for 生产部, one out of warranty waiting for 财务."""
    at = local_now().replace(second=0, microsecond=0)
    common = {"phone": "13812345678", "reported_at": f"{at - timedelta(hours=1):%Y-%m-%dT%H:%M}"}
    services.submit_values(version, {
        **common, "customer": "幸福里小区物业", "address": "幸福路 18 号 3 栋", "category": "门窗",
        "problem": "3 楼平开窗关不严，雨天渗水", "warranty": "保修期内", "lines": [],
    }, users["employee"])  # fmt: skip
    services.submit_values(version, {
        **common, "customer": "王女士", "address": "东湖花园 6-2-301", "category": "五金",
        "problem": "推拉门滑轮磨损，上门检测后报价（收费前须取得顾客同意书）",
        "warranty": "保修期外", "lines": [],
    }, users["employee"])  # fmt: skip


RECORDS = {"visitor": _visits, "repair": _repairs}
