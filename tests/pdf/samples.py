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
