"""Demo seals and seal-use requests for `flask demo load`: the catalogue, and requests in every
state (draft, at each step, returned, withdrawn, completed, voided), one finance-seal request,
one approved by the 受托人 for the GM, and one take-out that is overdue now.

Idempotent: nothing is added when the catalogue already holds 公章. Requests are built through
the same services and engine as the pages, with the clock set in the past.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import Department, User
from portal.core import clock
from portal.extensions import db
from portal.files.services import Checked, store
from portal.seals import services
from portal.seals.models import Seal, SealKind, SealRequest
from portal.workflow import delegation, engine

MARKER = "公章"
SEALS = [
    # name, kind, keeper username, department code, remarks
    ("公章", SealKind.OFFICIAL, "adminoffice", None, "行政部印章管理员保管，备岗：孙主任"),
    ("合同专用章", SealKind.CONTRACT, "adminoffice", None, "须附合同评审记录（第十五条）"),
    ("财务专用章", SealKind.FINANCE, "finance", None, "银行预留印鉴之一"),
    ("法定代表人名章", SealKind.LEGAL_REP, "adminhead", None, "与财务专用章分人保管"),
    ("销售部章", SealKind.DEPARTMENT, "head", "SAL", "仅限部门内部联络"),
]
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load() -> list[str]:
    if db.session.scalar(select(Seal.id).where(Seal.name == MARKER)) is not None:
        return ["seals: demo data already present"]
    users = {u.username: u for u in db.session.scalars(select(User))}
    seals = build_catalogue(users)
    with clock.frozen(clock.now()):  # one "today" for the whole load
        count = _requests(users, seals)
    return [f"seals: {len(seals)} seals, {count} requests"]


def build_catalogue(users: dict[str, User]) -> dict[str, Seal]:
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    seals = {}
    for name, kind, keeper, department, remarks in SEALS:
        data = {
            "name": name,
            "kind": kind,
            "department_id": departments[department].id if department else None,
            "keeper_id": users[keeper].id,
            "keeper_role": "",
            "status": "in_stock",
            "remarks": remarks,
        }
        seals[name] = services.save_seal(None, data, users["admin"])
    return seals


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A business-hours moment `days_ago` days back, in the portal's time zone."""
    today = clock.local_now().date()
    return datetime.combine(
        today - timedelta(days=days_ago), time(hour, minute), clock.local_zone()
    )


def _ago(hours: float) -> datetime:
    return clock.now() - timedelta(hours=hours)


def _new(user: User, seals: list[Seal], when: datetime, **fields) -> SealRequest:
    attach = fields.pop("attach", True)
    data = {
        "seal_ids": [s.id for s in seals],
        "document_type": "contract",
        "purpose": "",
        "receiving_party": "",
        "copies": 2,
        "urgent": False,
        "take_out": False,
        "destination": "",
        "carrier": "",
        "expected_return_at": None,
        "remarks": "",
        **fields,
    }
    with clock.frozen(when):
        record = services.save_request(None, user, data)
        if attach:
            name = f"{data['document_name'][:40]}.pdf"
            store(Checked(name, "application/pdf", SAMPLE_PDF), record.instance_id, user)
    return record


def _do(when: datetime, action, *args) -> None:
    with clock.frozen(when):
        action(*args)


def _transition(record: SealRequest, action: str, user: User, comment: str = ""):
    return lambda: engine.transition(record.instance, action, user, comment)


def _requests(u: dict[str, User], s: dict[str, Seal]) -> int:
    """Each scenario in the order it was submitted, so the numbers follow the dates."""
    built = [scenario(u, s) for scenario in SCENARIOS]
    db.session.flush()
    return len(built)


def completed_by_deputy(u, s):
    """Approved by 李副总 acting for 王总 (受托人), stamped by the keeper."""
    r = _new(
        u["employee"],
        [s["合同专用章"]],
        _at(12, 9, 10),
        document_name="2026年度产品经销合同",
        purpose="与华东经销商签订年度经销合同，合同评审已完成。",
        receiving_party="杭州华东贸易有限公司",
        copies=3,
    )
    _do(_at(12, 9, 10), services.submit_request, r, u["employee"])
    _do(_at(12, 9, 40), _transition(r, "approve", u["head"], "同意。"))
    with clock.frozen(_at(12, 10)):
        today = delegation.today()
        delegation.create_delegation(
            u["gm"],
            u["deputy"],
            today,
            today + timedelta(days=1),
            created_by=u["gm"],
            reason="总经理出差",
        )
    _do(_at(12, 10, 30), _transition(r, "approve", u["deputy"], "同意，代总经理审批。"))
    _do(_at(12, 11), services.stamp, r, u["adminoffice"], [3], _at(12, 11))
    return r


def completed_take_out(u, s):
    r = _new(
        u["employee"],
        [s["公章"]],
        _at(9, 9),
        document_name="城区管网改造项目投标文件",
        document_type="letter",
        purpose="参加城区管网改造项目投标，需在开标现场加盖公章。",
        receiving_party="市公共资源交易中心",
        copies=1,
        take_out=True,
        destination="市公共资源交易中心",
        carrier="张三",
        expected_return_at=_at(8, 17),
    )
    _do(_at(9, 9), services.submit_request, r, u["employee"])
    _do(_at(9, 10), _transition(r, "approve", u["head"]))
    _do(_at(9, 11), services.approve_take_out, r, u["gm"], "两人同行，用毕即还。")
    _do(_at(8, 8, 30), services.stamp, r, u["adminoffice"], [1], _at(8, 8, 30), _at(8, 8, 30))
    _do(
        _at(8, 16, 20),
        services.record_return,
        r,
        u["adminoffice"],
        _at(8, 16, 20),
        "现场盖印 1 份。",
    )
    return r


def department_seal(u, s):
    """第十六条: a department seal alone needs only the department head."""
    r = _new(
        u["employee"],
        [s["销售部章"]],
        _at(7, 14),
        document_name="销售部内部工作联系单",
        document_type="other",
        purpose="部门内部联络。",
        receiving_party="生产部",
        copies=1,
        attach=False,
    )
    _do(_at(7, 14), services.submit_request, r, u["employee"])
    _do(_at(7, 15), _transition(r, "approve", u["head"]))
    _do(_at(7, 15, 5), services.stamp, r, u["head"], [1], _at(7, 15, 5))
    return r


def overdue_take_out(u, s):
    """Handed over three days ago, due back two days ago, still out: overdue now."""
    r = _new(
        u["employee"],
        [s["合同专用章"]],
        _at(4, 9),
        document_name="上海客户现场签约合同",
        purpose="赴客户处现场签约，需携带合同专用章。",
        receiving_party="上海申远机电有限公司",
        copies=2,
        take_out=True,
        destination="上海申远机电有限公司",
        carrier="张三",
        expected_return_at=_at(2, 18),
    )
    _do(_at(4, 9), services.submit_request, r, u["employee"])
    _do(_at(4, 10), _transition(r, "approve", u["head"]))
    _do(_at(4, 11), services.approve_take_out, r, u["gm"], "")
    _do(_at(3, 9), services.stamp, r, u["adminoffice"], [2], _at(3, 9), _at(3, 9))
    return r


def returned_by_head(u, s):
    r = _new(
        u["employee"],
        [s["合同专用章"]],
        _at(3, 10),
        document_name="年度框架协议（草案）",
        purpose="框架协议盖章。",
        receiving_party="宁波东方电器有限公司",
        copies=2,
    )
    _do(_at(3, 10), services.submit_request, r, u["employee"])
    _do(
        _at(3, 11),
        _transition(
            r, "reject", u["head"], "协议尚未完成合同评审，请附评审记录后再提交（第十五条）。"
        ),
    )
    return r


def withdrawn(u, s):
    r = _new(
        u["employee"],
        [s["公章"]],
        _at(3, 14),
        document_name="样品寄送说明",
        document_type="letter",
        purpose="寄送样品随附说明。",
        receiving_party="苏州客户",
        copies=1,
        attach=False,
    )
    _do(_at(3, 14), services.submit_request, r, u["employee"])
    _do(_at(3, 15), _transition(r, "withdraw", u["employee"], "改为电子版发送。"))
    return r


def voided(u, s):
    r = _new(
        u["employee"],
        [s["公章"]],
        _at(2, 9),
        document_name="旧版报价单",
        document_type="letter",
        purpose="报价单盖章。",
        receiving_party="无锡客户",
        copies=1,
        attach=False,
    )
    _do(_at(2, 9), services.submit_request, r, u["employee"])
    _do(_at(2, 10), _transition(r, "void", u["admin"], "重复提交，已作废。"))
    return r


def at_stamp(u, s):
    r = _new(
        u["employee"],
        [s["公章"]],
        _at(2, 10),
        document_name="客户询证函回函",
        document_type="certificate",
        purpose="回复客户年度询证函。",
        receiving_party="立信会计师事务所",
        copies=1,
    )
    _do(_at(2, 10), services.submit_request, r, u["employee"])
    _do(_at(2, 11), _transition(r, "approve", u["head"]))
    _do(_at(2, 14), _transition(r, "approve", u["gm"]))
    return r


def at_finance(u, s):
    r = _new(
        u["employee"],
        [s["财务专用章"]],
        _at(1, 9),
        document_name="销售回款对账函",
        document_type="letter",
        purpose="与客户核对第三季度回款。",
        receiving_party="杭州华东贸易有限公司",
        copies=2,
    )
    _do(_at(1, 9), services.submit_request, r, u["employee"])
    _do(_at(1, 10), _transition(r, "approve", u["head"]))
    return r


def at_gm(u, s):
    r = _new(
        u["employee"],
        [s["公章"]],
        _at(1, 11),
        document_name="经销商授权书",
        document_type="certificate",
        purpose="授权华南经销商代理销售。",
        receiving_party="广州南方贸易有限公司",
        copies=2,
    )
    _do(_at(1, 11), services.submit_request, r, u["employee"])
    _do(_at(1, 14), _transition(r, "approve", u["head"]))
    return r


def at_gm_take_out(u, s):
    r = _new(
        u["employee"],
        [s["销售部章"]],
        _at(1, 15),
        document_name="展会参展登记资料",
        document_type="other",
        purpose="展会现场办理参展登记。",
        receiving_party="广交会组委会",
        copies=1,
        take_out=True,
        destination="广州琶洲展馆",
        expected_return_at=_at(-3, 17),
    )
    _do(_at(1, 15), services.submit_request, r, u["employee"])
    _do(_at(1, 16), _transition(r, "approve", u["head"]))
    return r


def at_head(u, s):
    r = _new(
        u["inspector"],
        [s["公章"]],
        _ago(2),
        document_name="产品质量合格证明",
        document_type="certificate",
        purpose="客户验收需要质量合格证明。",
        receiving_party="南京宏达机械有限公司",
        copies=3,
    )
    _do(_ago(2), services.submit_request, r, u["inspector"])
    return r


def draft(u, s):
    return _new(
        u["employee"],
        [s["合同专用章"]],
        _ago(1),
        document_name="2027年度销售合同",
        purpose="",
        copies=None,
        attach=False,
    )


SCENARIOS = [
    completed_by_deputy,
    completed_take_out,
    department_seal,
    overdue_take_out,
    returned_by_head,
    withdrawn,
    voided,
    at_stamp,
    at_finance,
    at_gm,
    at_gm_take_out,
    at_head,
    draft,
]
