"""Demo complaints for `make run`: every stage, an invalid complaint closed on the customer's
written confirmation, an overdue one, a paused one, returns and claims.

Each case is played through the engine under `clock.frozen`, hours before the load, so the
clocks look like a real week. Idempotent: a case whose customer and product exist is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import Department, User
from portal.core.clock import frozen, local_now, now
from portal.extensions import db
from portal.files import services as files
from portal.workflow import engine

from . import services
from .flow import sampled
from .models import Complaint

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)

# customer, product, model, hours ago registered, category, severity, how far it gets
CASES = [
    ("深圳华强电子有限公司", "六层PCB板", "HQ-6L-220", 460, "quality", "normal", "completed"),
    ("东莞新锐科技有限公司", "双面PCB板", "XR-2L-15", 240, "quality", "normal", "invalid"),
    ("苏州恒达汽车电子有限公司", "汽车控制板", "HD-ECU-03", 15, "quality", "major", "analysis"),
    ("宁波海天通讯设备有限公司", "射频模块板", "HT-RF-08", 6, "quality", "normal", "paused"),
    ("厦门联创照明有限公司", "LED铝基板", "LC-AL-12", 21, "quality", "normal", "containment"),
    ("潮州三环陶瓷有限公司", "陶瓷基板", "SH-CR-05", 26, "quality", "normal", "reply"),
    ("惠州德赛储能有限公司", "BMS保护板", "DS-BMS-4S", 30, "quality", "normal", "reply_approval"),
    ("珠海格林智能家居有限公司", "温控主板", "GL-TC-01", 40, "delivery", "normal", "reply_send"),
    ("广州明远医疗器械有限公司", "监护仪主板", "MY-MB-77", 50, "quality", "major", "capa"),
    ("中山佳美电器有限公司", "电源板", "JM-PW-300", 96, "quality", "normal", "capa_action"),
    ("佛山永盛机电有限公司", "变频驱动板", "YS-VF-22", 200, "quality", "normal", "verify"),
    ("江门星河音响有限公司", "功放板", "XH-AMP-50", 220, "service", "normal", "close"),
    ("汕头金龙玩具有限公司", "遥控器板", "JL-RC-09", 150, "attitude", "normal", "follow_up"),
    ("清远瑞丰电子有限公司", "显示驱动板", "RF-LCD-10", 180, "quality", "normal", "second"),
    ("肇庆华美电子有限公司", "双面PCB板", "HM-2L-40", 10, "other", "normal", "clarify"),
]
ORDER = ["analysis", "containment", "reply", "reply_approval", "reply_send", "capa",
         "capa_action", "verify", "close", "follow_up", "second", "completed"]  # fmt: skip


def _users() -> dict[str, User]:
    names = ["service", "quality", "inspector", "producer", "gm", "finance", "head"]
    rows = db.session.scalars(select(User).where(User.username.in_(names)))
    return {u.username: u for u in rows}


def _department(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


NOW = object()  # a field value meaning "the moment of this action"


class Player:
    """Plays one case through the engine, each action at its own (frozen) time."""

    def __init__(self, complaint: Complaint, users: dict[str, User], start):
        self.c, self.u, self.t = complaint, users, start

    def at(self, hours: float):
        self.t = self.t + timedelta(hours=hours)
        return frozen(min(self.t, now()))

    def complete(self, who: str, hours: float, comment: str, **fields) -> None:
        with self.at(hours):
            for name, value in fields.items():
                setattr(self.c, name, now() if value is NOW else value)
            page = engine.current_page(self.c.instance)
            engine.transition(self.c.instance, "complete", self.u[who], comment, page=page)

    def approve(self, who: str, hours: float, comment: str = "同意") -> None:
        with self.at(hours):
            engine.transition(self.c.instance, "approve", self.u[who], comment)


def _register(spec, users) -> Complaint:
    company, product, model, hours_ago, category, severity, _ = spec
    received = now() - timedelta(hours=hours_ago + 1)
    data = {
        "channel": "email" if hours_ago % 2 else "phone",
        "received_at": received,
        "customer_company": company, "contact_person": "陈工", "phone": "0755-8888 6666",
        "email": "qa@example.com", "address": "", "product": product, "model": model,
        "batch": f"B{(local_now() - timedelta(hours=hours_ago + 400)):%y%m%d}",
        "qty_delivered": 2000, "qty_defective": 36 if category == "quality" else 0,
        "description": f"客户来料检验发现{product}存在不良，要求分析原因并给出改善措施。",
        "category": category, "severity": severity,
        "returned_goods": spec[6] in ("capa_action", "completed"),
    }  # fmt: skip
    with frozen(now() - timedelta(hours=hours_ago)):
        complaint = services.register_complaint(data, [], users["service"])
        checked = files.Checked("不良照片.png", "image/png", PNG)
        files.store(checked, complaint.instance_id, users["service"], "evidence")
    return complaint


def _valid_path(p: Player, goal: str) -> None:
    steps = [
        ("analysis", lambda: p.complete("inspector", 3, "有效投诉：不良现象可复现。", valid=True,
                                        analysis="抽检留样复现开路不良，判定为有效投诉。")),
        ("containment", lambda: p.complete("inspector", 8, "已隔离库存和在制品。",
            containment_actions="隔离同批次成品和在制品，追溯在途批次并通知出货检验加严。",
            stock_checked=True, stock_result="成品库隔离 1200 片，在制品 800 片挂牌待处理。")),
        ("reply", lambda: p.complete("inspector", 6, "答复拟稿",
            reply_text="经分析确认为蚀刻工序参数漂移导致开路，已隔离库存并加严检验，7 日内提交改善报告。")),
        ("reply_approval", lambda: p.approve("quality", 3, "同意发出")),
        ("reply_send", lambda: p.complete("service", 2, "经 E-mail 答复客户",
            reply_method="email", reply_sent_at=NOW)),
        ("capa", lambda: p.complete("quality", 20, "下达纠正预防措施",
            root_cause="蚀刻线药水浓度监控频次不足，参数漂移未及时发现。",
            corrective_action="调整药水浓度，增加首件检查；不良品全数返工。",
            preventive_action="监控频次由每班一次改为每两小时一次，横向展开到其他蚀刻线。",
            capa_department_id=_department("PRD").id, capa_person_id=p.u["producer"].id,
            capa_due=(local_now() + timedelta(days=3)).date())),
        ("capa_action", lambda: p.complete("producer", 30, "措施已落实，相关作业指导书已修订并培训。")),
        ("verify", lambda: p.complete("quality", 60, "验证有效", effective=True,
            verification="跟踪后续三批次未再发生同类不良。")),
        ("close", lambda: p.complete("quality", 4, "结案", closing_note="已答复客户，措施验证有效，客户无异议。",
                                     closed_at=NOW)),
    ]  # fmt: skip
    for key, run in steps:
        if ORDER.index(key) >= ORDER.index(goal):
            return
        run()


def _follow_up(p: Player, score: int, goal: str) -> None:
    reason = "low_score" if score <= 2 else ("sample" if sampled(p.c.number) else "")
    if goal == "second":
        reason = reason or "sample"  # the demo shows one second follow-up either way
    p.complete(
        "service",
        30,
        f"客户评分 {score} 分",
        satisfaction=score,
        follow_up_method="phone",
        follow_up_comment="客户认可处理结果。",
        followed_up_at=NOW,
        second_reason=reason,
    )
    if goal == "completed" and reason:
        p.complete(
            "service", 20, "复访：回访记录属实。", second_result="复访确认回访记录属实，客户满意。"
        )


def _invalid(p: Player, users) -> None:
    p.complete("inspector", 5, "无效投诉：客户使用不当。", valid=False,
               analysis="样品烧损系客户超规格电压使用所致，非本公司责任。")  # fmt: skip
    with p.at(20):
        checked = files.Checked("客户确认函.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
        files.store(checked, p.c.instance_id, users["service"], "confirmation")
    p.complete(
        "service",
        1,
        "客户书面确认无效，结案。",
        clarification="已向客户提供检测报告，说明烧损原因为超规格使用。",
        closed_at=NOW,
    )
    _follow_up(p, 5, "completed")


def _play(spec, users) -> Complaint:
    complaint = _register(spec, users)
    goal = spec[6]
    p = Player(complaint, users, now() - timedelta(hours=spec[3]))
    if goal == "invalid":
        _invalid(p, users)
    elif goal == "clarify":
        p.complete("inspector", 3, "无效投诉：非本公司产品。", valid=False,
                   analysis="客户提供的板件丝印与本公司不符，非本公司产品。")  # fmt: skip
    elif goal == "paused":
        with p.at(2):
            engine.transition(complaint.instance, "pause", users["service"], "等待客户寄回不良样品")
    else:
        _valid_path(p, goal)
        if goal in ("second", "completed"):
            _follow_up(p, 2 if goal == "second" else 4, goal)
    return complaint


def _subrecords(by_goal: dict[str, Complaint], users) -> None:
    done = by_goal.get("completed")
    if done is not None and not done.returns:
        with frozen(done.instance.submitted_at + timedelta(hours=30)):
            record = services.register_return(done, {"qty_received": 36, "model": done.model,
                "batch": done.batch, "return_note_no": "TH-C-0091", "reason": "开路不良"}, users["service"])  # fmt: skip
            record.inspection_result, record.disposition = "全数检验，36 片开路。", "rework"
            engine.transition(
                record.instance,
                "complete",
                users["inspector"],
                "处置：返工",
                page=engine.current_page(record.instance),
            )
        with frozen(done.instance.submitted_at + timedelta(hours=40)):
            record.qty_reworked, record.qty_scrapped = 34, 2
            engine.transition(
                record.instance,
                "complete",
                users["producer"],
                "返工合格 34，报废 2",
                page=engine.current_page(record.instance),
            )
    if done is not None and not done.claims:
        _written_off_claim(done, users)
    active = by_goal.get("capa_action")
    if active is not None and not active.returns:
        with frozen(now() - timedelta(hours=5)):
            services.register_return(active, {"qty_received": 120, "model": active.model,
                "batch": active.batch, "return_note_no": "TH-C-0107", "reason": "电源板输出不稳"}, users["service"])  # fmt: skip
    verify = by_goal.get("verify")
    if verify is not None and not verify.claims:
        with frozen(now() - timedelta(hours=30)):
            services.register_claim(verify, {"claim_type": "quality", "amount": 18600,
                "customer_ref": "YS-QC-2026-031", "items": "返工工时及停线损失",
                "countersign": ["QA", "SAL", "FIN"]}, [], users["service"])  # fmt: skip


def _written_off_claim(complaint: Complaint, users) -> None:
    start = complaint.instance.submitted_at
    with frozen(start + timedelta(hours=50)):
        record = services.register_claim(complaint, {"claim_type": "quality", "amount": 5200,
            "customer_ref": "HQ-CL-0412", "items": "客户挑选工时及运费", "countersign": ["QA", "SAL", "FIN"]},
            [], users["service"])  # fmt: skip
    for hours, who, action in [(54, "quality", "approve"), (56, "head", "approve"),
                               (58, "finance", "approve"), (70, "gm", "approve")]:  # fmt: skip
        with frozen(start + timedelta(hours=hours)):
            engine.transition(record.instance, action, users[who], "同意")
    with frozen(start + timedelta(hours=90)):
        record.written_off_fen, record.deduction_ref = 520000, "KK-2026-118"
        record.written_off_on = (start + timedelta(hours=90)).date()
        engine.transition(
            record.instance,
            "complete",
            users["finance"],
            "已按扣款单核销",
            page=engine.current_page(record.instance),
        )


def load_demo() -> list[str]:
    users = _users()
    if len(users) < 7:
        return ["complaints: demo users missing, skipped"]
    existing = {(c.customer_company, c.product) for c in db.session.scalars(select(Complaint))}
    by_goal: dict[str, Complaint] = {
        spec[6]: c
        for spec in CASES
        for c in db.session.scalars(select(Complaint).where(Complaint.customer_company == spec[0]))
    }
    created = 0
    for spec in CASES:
        if (spec[0], spec[1]) in existing:
            continue
        by_goal[spec[6]] = _play(spec, users)
        created += 1
    _subrecords(by_goal, users)
    db.session.flush()
    return [f"complaints: {created} demo complaints created ({len(CASES) - created} present)"]
