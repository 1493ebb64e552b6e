"""Sample PDF data and the minimal Flask app shared by tests/pdf and bench/bench_pdf.py.

The app is a stand-in until create_app() renders PDFs itself: templates and static files of
the repository, nothing else.
"""

from __future__ import annotations

import copy
from pathlib import Path

from flask import Flask

from portal.pdf import content_hash, qr_svg_data_uri

REPO = Path(__file__).resolve().parents[2]
VERIFY_URL = "https://portal.example.cn/verify/YY-202611-0001?h=3f9a2c1d"


def make_pdf_app(**config) -> Flask:
    """A bare Flask app that can render templates/pdf/ (no database, no blueprints)."""
    app = Flask(
        __name__, template_folder=str(REPO / "templates"), static_folder=str(REPO / "static")
    )
    app.config.update(TESTING=True, **config)
    return app


SEAL_REQUEST = {
    "company": "浙江示例实业有限公司",
    "title": "用印申请单",
    "number": "YY-202611-0001",
    "status_label": "已批准",
    "fields": [
        [{"label": "申请人", "value": "王小明"}, {"label": "部门", "value": "综合管理部"}],
        [
            {"label": "申请日期", "value": "2026-11-20"},
            {"label": "联系电话", "value": "0571-8888 1234"},
        ],
        [
            {
                "label": "用印事由",
                "value": "与杭州某某科技有限公司签订年度技术服务合同，\n合同编号 HT-2026-118，需加盖合同专用章。",
                "span": 2,
            }
        ],
        [
            {
                "label": "印章类别",
                "value": "☐ 公章　☑ 合同专用章　☐ 财务专用章　☐ 法人章",
                "span": 2,
            }
        ],
        [{"label": "文件名称", "value": "《年度技术服务合同》（一式四份）", "span": 2}],
        [{"label": "份数", "value": "4 份"}, {"label": "是否外带", "value": "否"}],
        [
            {"label": "经办人", "value": "王小明"},
            {"label": "用印时间", "value": "2026-11-21 10:30"},
        ],
        [{"label": "备注", "value": "合同金额 ¥128,000.00 元——按框架协议执行。", "span": 2}],
    ],
    "trail": [
        {
            "step": "提交申请",
            "actor": "王小明",
            "on_behalf_of": None,
            "decision": "提交",
            "comment": "",
            "at": "2026-11-20 09:12",
        },
        {
            "step": "部门负责人审批",
            "actor": "李四",
            "on_behalf_of": "张三",
            "decision": "同意",
            "comment": "合同条款已经法务审核。",
            "at": "2026-11-20 14:32",
        },
        {
            "step": "印章管理员用印",
            "actor": "赵敏",
            "on_behalf_of": None,
            "decision": "已用印",
            "comment": "已核对文件份数，加盖合同专用章 4 处。",
            "at": "2026-11-21 10:41",
        },
    ],
    "signatures": ["申请人签字", "部门负责人签字", "印章管理员签字", "分管领导签字"],
    "verify_url": VERIFY_URL,
    "printed_at": "2026-11-23 16:05",
}


def seal_request_record() -> dict:
    """A one-page 用印申请单 as a seals view would pass it: plain data only."""
    record = copy.deepcopy(SEAL_REQUEST)
    record["qr"] = qr_svg_data_uri(VERIFY_URL)
    record["content_hash"] = content_hash(
        {k: record[k] for k in ("number", "title", "fields", "trail")}
    )
    return record


def register_data(count: int = 90) -> dict:
    """A 用印登记簿 of `count` rows (90 rows give 3 landscape pages)."""
    departments = ["综合管理部", "财务部", "销售分公司", "技术中心", "采购部"]
    seals = ["公章", "合同专用章", "财务专用章", "法人章"]
    rows = [
        [
            f"YY-202611-{i:04d}",
            f"2026-11-{1 + i % 28:02d}",
            departments[i % len(departments)],
            ["王小明", "李四", "张三", "赵敏", "陈静"][i % 5],
            seals[i % len(seals)],
            f"第 {i} 号合同用印：年度采购框架协议及补充条款",
            str(1 + i % 4),
            "已用印" if i % 7 else "已驳回",
        ]
        for i in range(1, count + 1)
    ]
    return {
        "company": "浙江示例实业有限公司",
        "title": "用印登记簿",
        "filters": [
            {"label": "期间", "value": "2026-11-01 至 2026-11-30"},
            {"label": "印章", "value": "全部"},
        ],
        "columns": [
            {"label": "编号", "width": "30mm"},
            {"label": "日期", "width": "24mm", "align": "center"},
            {"label": "部门", "width": "28mm"},
            {"label": "申请人", "width": "20mm", "align": "center"},
            {"label": "印章", "width": "26mm"},
            "事由",
            {"label": "份数", "width": "14mm", "align": "right"},
            {"label": "状态", "width": "18mm", "align": "center"},
        ],
        "rows": rows,
        "summary": f"共 {count} 条",
        "printed_at": "2026-11-23 16:05",
    }


SEAL_REGISTER_LABELS = [
    "用印时间", "编号", "印章", "文件名称", "份数", "送达单位",
    "部门", "申请人", "审批人", "盖章人", "携带外出", "归还",
]  # fmt: skip


def seal_register_data(count: int = 500) -> dict:
    """The 印章使用登记表 of `count` stamping events as core.registers passes it to
    pdf/register.html: widths and type size from the content, dates with no-break spaces.
    Every seventh seal is taken out, so some rows take two lines."""
    from portal.core.registers import pdf_cell, pdf_layout

    seals = ["公章", "合同专用章", "财务专用章", "法定代表人名章", "销售部章"]
    documents = ["年度经销合同", "银行对账函", "产品质量合格证明", "授权委托书", "投标文件"]
    departments = ["总经理办公室", "财务部", "销售部", "生产部", "品质部", "行政部"]
    rows = []
    for i in range(count, 0, -1):
        day, minute = 1 + i // 200, (7 * i) % 1440
        stamped = f"2024-01-{day:02d} {minute // 60:02d}:{minute % 60:02d}"
        out = i % 7 == 0
        rows.append(
            [
                stamped,
                f"YY-202401-{i:04d}",
                seals[i % 5],
                f"{documents[i % 5]} 第{i}号",
                str(1 + i % 5),
                "杭州华东贸易有限公司",
                departments[i % 6],
                ["王小明", "张三", "郑工"][i % 3],
                "赵经理、王总",
                "周助理",
                f"杭州华东贸易有限公司，{stamped[5:]} 交出，预计 01-{day:02d} 18:00 归还"
                if out
                else "",
                f"{stamped} 周助理 收" if out and i % 2 else ("未还" if out else ""),
            ]
        )
    size, widths = pdf_layout(SEAL_REGISTER_LABELS, rows)
    return {
        "company": "浙江示例实业有限公司",
        "title": "印章使用登记表",
        "filters": [
            {"label": "起始日期", "value": "2024-01-01"},
            {"label": "截止日期", "value": "2024-01-04"},
        ],
        "columns": [
            {"label": label, "width": f"{w:.2f}%"}
            for label, w in zip(SEAL_REGISTER_LABELS, widths, strict=True)
        ],
        "rows": [[pdf_cell(v) for v in row] for row in rows],
        "font_size": size,
        "summary": f"共 {count} 条",
        "printed_at": "2026-12-06 18:40",
    }
