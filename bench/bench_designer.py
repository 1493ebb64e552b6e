"""Designed forms: the submit of a 15-field designed form (every kind but the attachment, with
line items and a computed field, one approval step) against the submit of a coded form on the
same kit (the test-only 差旅报销, tests/kit/travel.py), both through the page a user posts to.
Prints the p95 of each and their ratio (the target: within 20 %)."""

from __future__ import annotations

import time

from _common import database, emit, make_app, percentile

from portal.extensions import db

RUNS = 60
DEFINITION = {
    "key": "bench",
    "name": "基准表单",
    "numbering": {"prefix": "JZ", "period": "month"},
    "title": "subject",
    "sections": [{"title": "全部", "fields": [
        {"key": "subject", "label": "主题", "kind": "text", "required": True, "max_length": 60},
        {"key": "detail", "label": "说明", "kind": "textarea", "max_length": 500},
        {"key": "people", "label": "人数", "kind": "number", "unit": "人", "min": 1, "max": 50},
        {"key": "budget", "label": "预算", "kind": "money", "max": "100000"},
        {"key": "day", "label": "日期", "kind": "date"},
        {"key": "at", "label": "时间", "kind": "datetime"},
        {"key": "trip", "label": "行程", "kind": "daterange", "max_days": 30},
        {"key": "kind", "label": "类别", "kind": "choice", "options": ["甲", "乙", "丙"]},
        {"key": "tags", "label": "标签", "kind": "multichoice", "options": ["一", "二", "三"]},
        {"key": "who", "label": "联系人", "kind": "person"},
        {"key": "dept", "label": "部门", "kind": "department"},
        {"key": "lines", "label": "明细", "kind": "items", "fields": [
            {"key": "item", "label": "项目", "kind": "text", "required": True},
            {"key": "price", "label": "金额", "kind": "money"}]},
        {"key": "hint", "label": "提示", "kind": "note", "text": "基准"},
        {"key": "total", "label": "合计", "kind": "computed", "expr": "lines_price + budget"},
        {"key": "remark", "label": "备注", "kind": "text", "max_length": 100},
    ]}],
    "steps": [{"key": "head", "name": "部门负责人审批", "assignee": {"kind": "applicant_head"},
               "when": "budget > 100"}],
}  # fmt: skip


def _designed_data(org) -> dict:
    from portal.core.clock import local_now

    today = f"{local_now():%Y-%m-%d}"
    return {"subject": "采购", "detail": "说明", "people": "3", "budget": "1200.50", "day": today,
            "at": f"{local_now():%Y-%m-%dT%H:%M}", "trip-start": today, "trip-end": today,
            "kind": "甲", "tags": "一", "who": str(org["head"].id),
            "dept": str(org["head"].department_id), "lines-0-item": "纸", "lines-0-price": "20",
            "remark": "无"}  # fmt: skip


def _p95(client, url: str, data) -> float:
    samples = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        response = client.post(url, data=data())
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 303, (url, response.status_code, response.text[:500])
    return percentile(samples, 95)


def main() -> None:
    from portal.designer import services
    from tests.conftest import Auth
    from tests.factories import standard_org
    from tests.kit import travel
    from tests.kit.test_travel import GOOD, today

    with database() as url:
        app = make_app(url)
        travel.install(app)
        with app.app_context():
            db.create_all()
            org = standard_org()
            form_type = services.create_type("bench", "基准表单", org["admin"], DEFINITION)
            services.publish(form_type, org["admin"])
            db.session.commit()
            client = app.test_client()
            Auth(client).as_user(org["employee"])
            coded = _p95(client, "/travel/new", lambda: {**GOOD, "lines-0-day": today()})
            designed = _p95(client, "/designer/bench/apply", lambda: _designed_data(org))
            emit("forms.coded_submit_p95_ms", coded, "ms")
            emit("forms.designed_submit_p95_ms", designed, "ms")
            emit("forms.designed_vs_coded_submit", designed / coded * 100, "%")


if __name__ == "__main__":
    main()
