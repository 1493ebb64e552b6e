"""Demo archives for `flask demo load`: about 60 items across categories, departments and
locations, registered in 存档登记表 over the years and checked by the archivist (one item
returned for a missing signature, one batch still at the head, one at the archivist, a technical
batch kept by 生产部 and reported for the record); loans in every state (at the head, at the GM,
waiting for hand-over, out, out and overdue on a 秘密 item, returned, refused, an electronic loan
with its download link, a renewal waiting for approval); the queue for an item on loan; and
one disposal proposal of items whose retention ended. Idempotent: nothing is added when an item
titled MARKER exists. Everything goes through the same services and engine as the pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.archive import services
from portal.archive.models import ArchiveItem
from portal.auth.models import User
from portal.core import clock
from portal.extensions import db
from portal.files import services as files
from portal.files.services import Checked
from portal.workflow import engine

MARKER = "公司章程（2015年修订）"

# (year archived, who registers, custody, [(title, category, document date, secrecy, retention,
#   room, cabinet, shelf, box, pages)])
A, B = "档案室A", "档案室B"
BATCHES = [
    (2015, "adminoffice", "archive", [
        (MARKER, "WS", date(2015, 3, 2), "confidential", "Y", A, "1", "1", "1", 18),
        ("2014年度会议纪要汇编", "WS", date(2014, 12, 30), "normal", "D30", A, "1", "1", "2", 96),
        ("2014年度办公用品采购招标文件", "TB", date(2014, 11, 5), "normal", "D10", A, "3", "1", "1", 40),
        ("关于2015年春节放假的通知", "TZ", date(2015, 1, 20), "normal", "D10", A, "1", "2", "1", 2),
    ]),
    (2015, "finance", "archive", [
        ("2014年度银行对账单", "CW", date(2014, 12, 31), "normal", "D10", B, "1", "1", "1", 120),
        ("2014年度会计凭证（第1-12册）", "CW", date(2014, 12, 31), "secret", "D30", B, "1", "1", "2", 1850),
        ("2014年度财务报告", "CW", date(2015, 3, 15), "secret", "Y", B, "1", "2", "1", 64),
    ]),
    (2015, "quality", "archive", [
        ("2014年度进货检验记录", "ZL", date(2014, 12, 31), "normal", "D10", B, "4", "1", "1", 310),
        ("2014年度客户投诉处理记录", "ZL", date(2014, 12, 31), "normal", "D10", B, "4", "1", "2", 85),
    ]),
    (2024, "employee", "archive", [
        ("2024年华东区经销合同（宏达贸易）", "HT", date(2024, 2, 18), "normal", "D30", A, "2", "1", "1", 24),
        ("2024年钢材采购合同（鑫源钢铁）", "HT", date(2024, 4, 9), "secret", "D30", A, "2", "1", "2", 16),
        ("2024年市政照明项目投标书", "TB", date(2024, 6, 21), "normal", "D10", A, "3", "2", "1", 140),
        ("2024年销售部年度总结", "WS", date(2024, 12, 28), "normal", "D30", A, "1", "3", "1", 22),
    ]),
    (2024, "finance", "archive", [
        ("2024年度会计凭证（第1-12册）", "CW", date(2024, 12, 31), "secret", "D30", B, "1", "3", "1", 2210),
        ("2024年度银行对账单", "CW", date(2024, 12, 31), "normal", "D10", B, "1", "3", "2", 130),
        ("2024年度纳税申报资料", "CW", date(2024, 12, 31), "normal", "D10", B, "1", "3", "3", 75),
    ]),
    (2024, "quality", "archive", [
        ("2024年度内部审核报告", "ZL", date(2024, 11, 20), "normal", "D10", B, "4", "2", "1", 48),
        ("2024年度纠正预防措施记录", "ZL", date(2024, 12, 31), "normal", "D10", B, "4", "2", "2", 66),
        ("2024年度出货检验记录", "ZL", date(2024, 12, 31), "normal", "D10", B, "4", "2", "3", 280),
    ]),
    (2025, "adminoffice", "archive", [
        ("2025年股东会决议", "WS", date(2025, 4, 28), "confidential", "Y", A, "1", "1", "3", 8),
        ("营业执照及2024年度年报", "WS", date(2025, 6, 10), "normal", "Y", A, "1", "1", "4", 12),
        ("关于调整作息时间的通知", "TZ", date(2025, 5, 1), "normal", "D10", A, "1", "2", "2", 1),
        ("2025年度消防安全检查通报", "TZ", date(2025, 9, 3), "normal", "D10", A, "1", "2", "3", 4),
        ("办公楼租赁协议", "HT", date(2025, 1, 6), "normal", "D30", A, "2", "2", "1", 30),
        ("2025年人事任免文件", "RS", date(2025, 3, 3), "confidential", "D30", A, "5", "1", "1", 14),
    ]),
    (2025, "employee", "archive", [
        ("2025年华南区经销合同（南方机电）", "HT", date(2025, 3, 12), "normal", "D30", A, "2", "2", "2", 26),
        ("2025年华北区经销合同（北辰商贸）", "HT", date(2025, 5, 20), "normal", "D30", A, "2", "2", "3", 22),
        ("2025年医院照明改造项目招标文件", "TB", date(2025, 7, 7), "normal", "D10", A, "3", "2", "2", 96),
        ("2025年医院照明改造项目投标书", "TB", date(2025, 7, 25), "secret", "D10", A, "3", "2", "3", 150),
        ("2025年重点客户框架协议（远航集团）", "HT", date(2025, 10, 8), "secret", "D30", A, "2", "3", "1", 40),
    ]),
    (2025, "finance", "archive", [
        ("2025年一季度会计凭证", "CW", date(2025, 3, 31), "secret", "D30", B, "2", "1", "1", 560),
        ("2025年二季度会计凭证", "CW", date(2025, 6, 30), "secret", "D30", B, "2", "1", "2", 610),
        ("2025年上半年财务报告", "CW", date(2025, 7, 20), "secret", "D10", B, "2", "1", "3", 36),
    ]),
    (2025, "quality", "archive", [
        ("2025年上半年进货检验记录", "ZL", date(2025, 6, 30), "normal", "D10", B, "4", "3", "1", 190),
        ("2025年客户投诉8D报告汇编", "ZL", date(2025, 12, 20), "normal", "D10", B, "4", "3", "2", 120),
        ("ISO 9001 外部审核报告（2025）", "ZL", date(2025, 11, 5), "normal", "D10", B, "4", "3", "3", 28),
    ]),
    (2025, "producer", "department", [
        ("LED 路灯 X-100 总装图", "JS", date(2025, 2, 14), "secret", "D30", "生产部资料室", "T1", "1", "1", 12),
        ("LED 路灯 X-100 工艺文件", "JS", date(2025, 2, 20), "normal", "D30", "生产部资料室", "T1", "1", "2", 46),
        ("X-100 型式试验报告", "JS", date(2025, 4, 2), "normal", "D30", "生产部资料室", "T1", "2", "1", 58),
        ("投光灯 F-20 设计图纸（定型版）", "JS", date(2025, 8, 18), "confidential", "Y", "生产部资料室", "T1", "2", "2", 34),
    ]),
    (2026, "employee", "archive", [
        ("2026年华东区经销合同（宏达贸易）", "HT", date(2026, 1, 15), "normal", "D30", A, "2", "3", "2", 24),
        ("2026年钢材采购合同（鑫源钢铁）", "HT", date(2026, 2, 3), "secret", "D30", A, "2", "3", "3", 18),
        ("2026年市政道路照明项目投标书", "TB", date(2026, 3, 9), "normal", "D10", A, "3", "3", "1", 160),
        ("关于2026年销售政策的通知", "TZ", date(2026, 1, 5), "normal", "D10", A, "1", "2", "4", 3),
    ]),
    (2026, "adminoffice", "archive", [
        ("2026年度董事会决议", "WS", date(2026, 3, 30), "confidential", "Y", A, "1", "1", "5", 6),
        ("2026年第一季度经营分析会纪要", "WS", date(2026, 4, 12), "normal", "D30", A, "1", "3", "2", 15),
        ("员工手册（2026版）", "WS", date(2026, 1, 2), "normal", "D30", A, "1", "3", "3", 52),
        ("2026年劳动合同续签汇总", "RS", date(2026, 1, 20), "confidential", "D30", A, "5", "1", "2", 88),
        ("2026年员工培训记录", "RS", date(2026, 6, 30), "normal", "D30", A, "5", "1", "3", 40),
    ]),
    (2026, "finance", "archive", [
        ("2025年度财务报告", "CW", date(2026, 3, 20), "secret", "Y", B, "2", "2", "1", 72),
        ("2025年度银行对账单", "CW", date(2025, 12, 31), "normal", "D10", B, "2", "2", "2", 140),
    ]),
    (2026, "quality", "archive", [
        ("2026年一季度进货检验记录", "ZL", date(2026, 3, 31), "normal", "D10", B, "4", "4", "1", 95),
        ("2026年客户满意度调查报告", "ZL", date(2026, 7, 15), "normal", "D10", B, "4", "4", "2", 20),
        ("2026年供应商审核报告", "ZL", date(2026, 5, 18), "normal", "D10", B, "4", "4", "3", 32),
    ]),
    (2026, "service", "archive", [
        ("2026年上半年客户回访记录", "ZL", date(2026, 6, 30), "normal", "D10", B, "4", "5", "1", 60),
        ("售后服务协议（远航集团）", "HT", date(2026, 2, 26), "normal", "D30", A, "2", "4", "1", 10),
    ]),
]  # fmt: skip


def _at(year: int, month: int = 6, day: int = 15) -> datetime:
    return datetime.combine(date(year, month, day), time(10), clock.local_zone())


def _ago(days: int, hour: int = 10) -> datetime:
    return datetime.combine(clock.local_now().date() - timedelta(days=days), time(hour),
                            clock.local_zone())  # fmt: skip


def _rows(entries) -> list[dict]:
    return [
        {"title": t, "category": c, "document_date": d, "volumes": 1 + pages // 500,
         "pages": pages, "copies": 1, "original": True, "secrecy": s, "retention": r,
         "room": room, "cabinet": cab, "shelf": shelf, "box": box,
         "reference": f"HT-{d.year}-{n:03d}" if c == "HT" else "", "file": None,
         "file_format": "", "scans": []}
        for n, (t, c, d, s, r, room, cab, shelf, box, pages) in enumerate(entries, start=1)
    ]  # fmt: skip


def _register(user, entries, custody="archive"):
    data = {"department_id": user.department_id, "custody": custody, "note": "", "items": entries}
    return services.register_batch(data, user)


def _sign(batch) -> None:
    instance = batch.instance
    if instance.step_key == "head":
        engine.transition(instance, "approve", instance.open_tasks[0].assignee, "同意归档")


def _check(batch, archivist, returned: dict[int, str] | None = None) -> None:
    returned = returned or {}
    decisions = {i.id: {"accept": i.seq not in returned, "reason": returned.get(i.seq, "")}
                 for i in batch.items}  # fmt: skip
    comment = services.check_batch(batch, decisions, archivist)
    engine.transition(batch.instance, "complete", archivist, comment, page="archive.check")


def load() -> list[str]:
    if db.session.scalar(select(ArchiveItem.id).where(ArchiveItem.title == MARKER)) is not None:
        return ["archive: demo data already present"]
    users = {u.username: u for u in db.session.scalars(select(User))}
    archivist = users["archivist"]
    items = {}
    for year, who, custody, entries in BATCHES:
        with clock.frozen(_at(year, 6, 15) if year < clock.local_now().year else _ago(40)):
            batch = _register(users[who], _rows(entries), custody)
            _sign(batch)
        with clock.frozen(_at(year, 6, 16) if year < clock.local_now().year else _ago(39)):
            _check(batch, archivist)
        items.update({i.title: i for i in batch.items})
    _open_batches(users, archivist)
    _electronic(items["2026年华东区经销合同（宏达贸易）"], users)
    loans = _loans(items, users, archivist)
    disposal = _disposal(items, archivist)
    count = db.session.query(ArchiveItem).count()
    return [f"archive: {count} items, {loans} loans, disposal proposal {disposal}"]


def _open_batches(users, archivist) -> None:
    """A batch with one item returned, one at the archivist, one at the head."""
    with clock.frozen(_ago(12)):
        returned = _register(users["employee"], _rows([
            ("2026年照明工程分包合同（恒光电气）", "HT", date(2026, 5, 8), "normal", "D30", A, "2", "4", "2", 20),
            ("2026年LED灯具采购合同（明辉光电）", "HT", date(2026, 5, 19), "normal", "D30", A, "2", "4", "3", 14),
        ]))  # fmt: skip
        _sign(returned)
    with clock.frozen(_ago(11)):
        _check(returned, archivist, {2: "缺少对方签章页，请补正后重新移交（第九条）"})
    with clock.frozen(_ago(2)):
        waiting = _register(users["inspector"], _rows([
            ("2026年二季度进货检验记录", "ZL", date(2026, 6, 30), "normal", "D10", B, "4", "5", "2", 102),
            ("2026年二季度不合格品处置记录", "ZL", date(2026, 6, 30), "normal", "D10", B, "4", "5", "3", 18),
        ]))  # fmt: skip
        _sign(waiting)
    with clock.frozen(_ago(1)):
        _register(users["employee"], _rows([
            ("2026年展会参展合同", "HT", date(2026, 8, 1), "normal", "D30", A, "", "", "", 6),
        ]))  # fmt: skip


def _electronic(item, users) -> None:
    """The contract's signed scan as its electronic file (a PDF made here)."""
    from portal.pdf.render import html_to_pdf

    data = html_to_pdf(f"<h1>{item.title}</h1><p>合同编号 {item.reference}。甲乙双方经协商一致，"
                       "签订本经销合同。（演示用电子档案）</p>")  # fmt: skip
    stored = files.store(Checked(f"{item.number}.pdf", "application/pdf", data),
                         item.batch.instance_id, users["employee"], "archive-file")  # fmt: skip
    item.file_id, item.file_format, item.file_sha256 = stored.id, "pdf", stored.sha256
    db.session.flush()


def _loan(user, item, mode, start: date, days: int, purpose: str):
    data = {"item": item, "mode": mode, "purpose": purpose, "start_date": start,
            "due_date": start + timedelta(days=days)}  # fmt: skip
    return services.request_loan(data, user)


def _approve(loan) -> None:
    instance = loan.instance
    while instance.step_key in ("head", "gm"):
        engine.transition(instance, "approve", instance.open_tasks[0].assignee, "同意")


def _hand_over(loan, archivist) -> None:
    comment = services.hand_over(loan, clock.now(), "完好", archivist)
    engine.transition(loan.instance, "complete", archivist, comment, page="archive.hand_over")


def _return(loan, archivist, condition="good", note="") -> None:
    comment = services.take_back(loan, clock.now(), condition, note, archivist)
    engine.transition(loan.instance, "complete", archivist, comment, page="archive.take_back")


def _loans(items, users, archivist) -> int:
    u = users
    today = clock.local_now().date()
    with clock.frozen(_ago(30)):  # returned, completed
        done = _loan(u["employee"], items["2025年华南区经销合同（南方机电）"], "take_out",
                     today - timedelta(days=30), 7, "核对回款条款")  # fmt: skip
        _approve(done)
        _hand_over(done, archivist)
    with clock.frozen(_ago(25)):
        _return(done, archivist)
    with clock.frozen(_ago(13)):  # the overdue 秘密 loan: head and GM approved, out since
        overdue = _loan(u["inspector"], items["2025年重点客户框架协议（远航集团）"], "take_out",
                        today - timedelta(days=13), 10, "准备客户质量协议评审")  # fmt: skip
        _approve(overdue)
        _hand_over(overdue, archivist)
    with clock.frozen(_ago(3)):  # out, on time; someone queues for it
        out = _loan(u["head"], items["2024年华东区经销合同（宏达贸易）"], "take_out",
                    today - timedelta(days=3), 7, "续签谈判参考")  # fmt: skip
        _approve(out)
        _hand_over(out, archivist)
        services.join_queue(out.item, u["employee"])
    with clock.frozen(_ago(5)):  # out, renewed once, secret: renewal waiting for approval
        renewing = _loan(u["finance"], items["2025年一季度会计凭证"], "onsite",
                         today - timedelta(days=5), 7, "审计抽凭")  # fmt: skip
        _approve(renewing)
        _hand_over(renewing, archivist)
    with clock.frozen(_ago(1)):
        engine.transition(renewing.instance, "renew", u["finance"], "审计延期",
                          due=renewing.due_date + timedelta(days=5))  # fmt: skip
    with clock.frozen(_ago(1, 15)):  # approved, waiting for the hand-over
        ready = _loan(u["service"], items["2026年上半年客户回访记录"], "onsite", today, 3,
                      "整理回访问题清单")  # fmt: skip
        _approve(ready)
    with clock.frozen(_ago(0, 9)):  # at the GM (秘密)
        at_gm = _loan(u["employee"], items["2026年钢材采购合同（鑫源钢铁）"], "take_out", today, 7,
                      "核对交货条款")  # fmt: skip
        engine.transition(at_gm.instance, "approve", u["head"], "同意")
        _loan(u["employee"], items["2026年市政道路照明项目投标书"], "onsite", today, 2,
              "编制新投标文件参考")  # at the head  # fmt: skip
        refused = _loan(u["employee"], items["2024年销售部年度总结"], "take_out", today, 14,
                        "个人学习")  # fmt: skip
        engine.transition(refused.instance, "reject", u["head"], "可在档案室查阅，无需借出")
        e_loan = _loan(u["employee"], items["2026年华东区经销合同（宏达贸易）"], "electronic", today,
                       5, "电子版核对价格条款")  # fmt: skip
        _approve(e_loan)
        services.download_link(e_loan)
    return 9


def _disposal(items, archivist) -> str:
    """The 2015 items whose ten years ended: proposed for destruction, at the owners' heads."""
    due = list(db.session.scalars(services.retention_due()))
    if not due:
        return "none (nothing due)"
    with clock.frozen(_ago(4) if clock.local_now().date() > date(2026, 1, 10) else clock.now()):
        disposal = services.propose_disposal(
            due[:4], "经鉴定小组鉴定，以下档案保管期满，已无查考价值，建议销毁（第二十二条）。", archivist
        )  # fmt: skip
    return disposal.number
