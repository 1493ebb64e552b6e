"""Designed forms end to end on the kit: the shipped 来访登记 and 报修单 definitions imported,
records submitted, routed by conditions, a step page that fills the exit time, the approval
path, the PDF, the register and its exports; versions; the designer's refusals."""

from __future__ import annotations

import re
from pathlib import Path

from portal.core.clock import local_now
from portal.designer import definition as definitions
from portal.designer import services
from portal.designer.models import DesignedRecord, FormType, FormVersion
from portal.extensions import db
from portal.workflow.models import Status
from tests.pdftext import pdftotext

DEFINITIONS = Path(__file__).resolve().parents[2] / "portal" / "designer" / "definitions"


def load(name: str, org) -> FormType:
    text = (DEFINITIONS / f"{name}.yaml").read_text(encoding="utf-8")
    form_type = services.import_definition(text, org["admin"])
    db.session.commit()
    return form_type


def now_text() -> str:
    return f"{local_now():%Y-%m-%dT%H:%M}"


VISIT = {"visitor_name": "王五", "organisation": "华东物业", "people": "3",
         "purpose": "洽谈门窗维修合同", "arrive_at": ""}  # fmt: skip


def test_shipped_definitions_pass_the_check(app, org):
    for name in ("visitor", "repair"):
        data = definitions.load((DEFINITIONS / f"{name}.yaml").read_text(encoding="utf-8"))
        assert definitions.check(data, **services.known_codes()) == [], name


def test_a_visit_from_the_front_desk_to_the_confirmation(app, client, login, org):
    load("visitor", org)
    login("employee")
    page = client.get("/designer/visitor/apply")
    assert page.status_code == 200 and "来访人姓名" in page.text and "过期不补" in page.text
    bad = client.post("/designer/visitor/apply", data={**VISIT, "people": "0",
                                                       "arrive_at": now_text()})  # fmt: skip
    assert bad.status_code == 422 and "人数（人）应在 1 到 50人 之间。" in bad.text
    assert 'value="王五"' in bad.text and db.session.scalar(db.select(DesignedRecord.id)) is None
    response = client.post("/designer/visitor/apply", data={**VISIT, "arrive_at": now_text()})
    assert response.status_code == 303, response.text
    record = db.session.scalar(db.select(DesignedRecord))
    assert re.fullmatch(r"LF-\d{6}-0001", record.number) and record.values["people"] == "3"
    assert record.instance.step_key == "exit" and record.instance.title == "王五"
    detail = client.get(f"/designer/r/{record.id}")
    assert "前台登记离开时间" in detail.text and "当日来访确认" in detail.text  # the path
    login("adminoffice")
    detail = client.get(f"/designer/r/{record.id}")
    assert f"/designer/r/{record.id}/step" in detail.text
    refused = client.post(f"/workflow/{record.instance_id}/act", data={"action": "complete"})
    assert refused.status_code == 422 and "办理页面" in refused.text
    step = client.get(f"/designer/r/{record.id}/step")
    assert step.status_code == 200 and 'name="leave_at"' in step.text
    assert 'name="purpose"' not in step.text and "洽谈门窗维修合同" in step.text  # read only
    done = client.post(f"/designer/r/{record.id}/step", data={"leave_at": now_text()})
    assert done.status_code == 303, done.text
    assert record.values["leave_at"] and record.instance.step_key == "confirm"
    login("head")
    client.post(f"/workflow/{record.instance_id}/act", data={"action": "approve"})
    assert record.instance.status == Status.COMPLETED
    text = pdftotext(client.get(f"/designer/r/{record.id}/pdf").data)
    assert (
        "来访登记（第1版）" in text
        and "王五" in text
        and record.values["leave_at"].replace("T", "") in text
        and "华东物业" in text
    )
    assert "销售经理确认" in text and record.number in text
    csv = client.get("/designer/visitor/register.csv").get_data(as_text=True)
    assert record.number in csv and "洽谈门窗维修合同" in csv and "离开时间" in csv
    assert client.get("/designer/visitor/register.xlsx").status_code == 200
    assert client.get("/designer/visitor/register.pdf").data.startswith(b"%PDF")
    login("quality")
    assert client.get(f"/designer/r/{record.id}").status_code == 403
    assert record.number not in client.get("/designer/visitor/register").text


def repair(**extra) -> dict:
    return {"customer": "幸福小区物业", "phone": "13800000000", "address": "幸福路 1 号",
            "category": "门窗", "problem": "推拉门卡滞", "reported_at": now_text(),
            "warranty": "保修期内", **extra}  # fmt: skip


def test_repairs_are_routed_by_warranty_and_amount(app, client, login, org):
    load("repair", org)
    login("employee")
    out = repair(warranty="保修期外", **{"lines-0-item": "更换滑轮", "lines-0-qty": "2",
                                          "lines-0-price": "6000"})  # fmt: skip
    missing = client.post("/designer/repair/apply", data=out)
    assert missing.status_code == 422 and "请上传顾客同意书（本单此项必填）。" in missing.text
    pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    import io

    big = client.post("/designer/repair/apply", data={**out, "consent": (io.BytesIO(pdf), "同意书.pdf")},
                      content_type="multipart/form-data")  # fmt: skip
    assert big.status_code == 303, big.text
    small = client.post("/designer/repair/apply", data=repair())
    assert small.status_code == 303
    first, second = db.session.scalars(db.select(DesignedRecord).order_by(DesignedRecord.id))
    assert first.values["amount"] == "6000.00" and len(first.values["consent"]) == 1
    assert first.instance.step_key == "over_limit"  # 保修期外 and > 5000: the first branch
    assert second.instance.step_key == "in_warranty"  # the default branch
    login("gm")
    client.post(f"/workflow/{first.instance_id}/act", data={"action": "approve"})
    assert first.instance.step_key == "dispatch"  # the group's other branches do not apply
    login("service")
    step = client.get(f"/designer/r/{first.id}/step")
    assert "维修人员" in step.text
    done = client.post(f"/designer/r/{first.id}/step",
                       data={"technician": str(org["inspector"].id), "visit_date": f"{local_now():%Y-%m-%d}"})  # fmt: skip
    assert done.status_code == 303, done.text
    assert first.instance.status == Status.COMPLETED
    assert first.values["technician"]["name"] == org["inspector"].display_name


def test_a_new_version_leaves_old_records_as_they_were(app, client, login, org):
    form_type = load("visitor", org)
    login("employee")
    client.post("/designer/visitor/apply", data={**VISIT, "arrive_at": now_text()})
    old = db.session.scalar(db.select(DesignedRecord))
    draft = dict(form_type.draft)
    draft["sections"] = [dict(s) for s in draft["sections"]]
    draft["sections"][0]["fields"] = [
        {**f, "label": "访客姓名"} if f["key"] == "visitor_name" else f
        for f in draft["sections"][0]["fields"]
    ]
    services.save_draft(form_type, draft, org["admin"])
    version = services.publish(form_type, org["admin"])
    db.session.commit()
    assert (
        version.number == 2
        and form_type.versions[0].definition["sections"][0]["fields"][1]["label"] == "来访人姓名"
    )
    page = client.get(f"/designer/r/{old.id}")
    assert "来访人姓名" in page.text and "访客姓名" not in page.text and "第 1 版" in page.text
    assert "前台接待与来访登记规定" in page.text and "QP-ADM-04" in page.text  # its clause
    assert "访客姓名" in client.get("/designer/visitor/apply").text
    assert old.instance.form_type == "form.visitor.v1"


def test_the_designer_refuses_bad_definitions_with_messages(app, client, login, org):
    login("admin")
    created = client.post("/designer/new", data={"key": "trip", "name": "出差申请", "source": ""})
    assert created.status_code == 303
    none_yet = client.post("/designer/trip/publish")
    assert none_yet.status_code == 422 and "表单至少需要一个填写字段。" in none_yet.text
    add = {"f-key": "days", "f-label": "天数", "f-kind": "number", "f-minimum": "1",
           "f-maximum": "30"}  # fmt: skip
    assert client.post("/designer/trip/fields", data=add).status_code == 303
    twice = client.post("/designer/trip/fields", data={**add, "f-label": "天数2"})
    assert twice.status_code == 422 and "字段代码“days”重复。" in twice.text
    assert 'value="天数2"' in twice.text
    wrong = client.post("/designer/trip/steps", data={
        "s-key": "gm", "s-name": "总经理审批", "s-assignee": "role", "s-target": "gm",
        "s-mode": "any", "s-kind": "approval", "s-when": "amount > 5000"})  # fmt: skip
    assert wrong.status_code == 422
    assert "步骤“总经理审批”的条件引用了不存在的字段“amount”。" in wrong.text
    assert client.post("/designer/trip/steps/head/delete").status_code == 303
    no_step = client.post("/designer/trip/publish")
    assert no_step.status_code == 422 and "流程至少需要一个审批步骤。" in no_step.text
    calls = client.post("/designer/trip/fields", data={
        "f-key": "x", "f-label": "算", "f-kind": "computed", "f-expr": "__import__('os')"})  # fmt: skip
    assert calls.status_code == 422 and "表达式不能调用函数" in calls.text
    assert db.session.scalar(db.select(FormVersion.id)) is None


def test_export_and_import_round_trip(app, client, login, org, runner, tmp_path):
    load("visitor", org)
    login("admin")
    exported = client.get("/designer/visitor/export.yaml")
    assert exported.status_code == 200 and "来访人姓名".encode() in exported.data
    path = tmp_path / "visitor.yaml"
    result = runner.invoke(args=["forms", "export", "visitor", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8").replace("来访登记", "访客登记", 1)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["forms", "import", str(path)])
    assert result.exit_code == 0 and "version 2" in result.output, result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: broken\nname: 坏\nsteps: []\n", encoding="utf-8")
    result = runner.invoke(args=["forms", "import", str(broken)])
    assert result.exit_code != 0 and "流程至少需要一个审批步骤。" in result.output


def test_who_may_start_and_the_start_menu(app, client, login, org):
    load("visitor", org)
    load("repair", org)
    login("employee")  # 销售部: both
    home = client.get("/")
    assert "/designer/visitor/apply" in home.text and "/designer/repair/apply" in home.text
    assert "<h3>行政</h3>" in home.text and "<h3>客户服务</h3>" in home.text  # the groups set
    assert home.text.index("/seals/new") < home.text.index("<h3>行政</h3>")  # coded forms first
    registers = client.get("/registers").text
    assert "/designer/visitor/register" in registers and "来访登记登记表" in registers
    login("finance")  # 财务部: not the repair form
    assert "/designer/repair/apply" not in client.get("/").text
    assert client.get("/designer/repair/apply").status_code == 403
    start = client.get("/designer/start")
    assert "行政" in start.text and "来访登记" in start.text and "报修单" not in start.text


def test_a_department_head_designs_their_departments_forms_only(app, client, login, org):
    load("visitor", org)  # the administrator's: no department
    login("head")
    created = client.post("/designer/new", data={"key": "sales_trip", "name": "销售出差",
                                                 "source": "template:visitor"})  # fmt: skip
    assert created.status_code == 303
    form_type = services.get_type_or_404("sales_trip")
    assert form_type.owner_department_id == org["head"].department_id
    listed = client.get("/designer/")
    assert "销售出差" in listed.text and "/designer/visitor/" not in listed.text
    assert client.get("/designer/visitor/").status_code == 403
    copied = client.post("/designer/new", data={"key": "copy2", "name": "复制",
                                                "source": "copy:visitor"})  # fmt: skip
    assert copied.status_code in (403, 422)  # not a choice for them: another's form
    text = (DEFINITIONS / "visitor.yaml").read_text(encoding="utf-8")
    refused = client.post("/designer/import", data={"source": text})
    assert refused.status_code == 422 and "您不能修改表单“来访登记”。" in refused.text
    login("finance")
    assert client.get("/designer/sales_trip/").status_code == 403


def _two_heads(approve_once: bool) -> str:
    data = definitions.load((DEFINITIONS / "visitor.yaml").read_text(encoding="utf-8"))
    data.update(key="twice", name="两级审批", approve_once=approve_once, steps=[
        {"key": "head", "name": "部门负责人审批", "assignee": {"kind": "applicant_head"}},
        {"key": "sales", "name": "销售部负责人审批",
         "assignee": {"kind": "department_head", "department": "SAL"}},
    ])  # fmt: skip
    return definitions.dump(data)


def test_one_person_approves_consecutive_steps_once_when_the_form_allows_it(
    app, client, login, org
):
    for allowed, expected in ((False, Status.IN_PROGRESS), (True, Status.COMPLETED)):
        services.import_definition(_two_heads(allowed), org["admin"])
        db.session.commit()
        login("employee")
        client.post("/designer/twice/apply", data={**VISIT, "arrive_at": now_text()})
        record = db.session.scalars(
            db.select(DesignedRecord).order_by(DesignedRecord.id.desc())
        ).first()
        login("head")
        client.post(f"/workflow/{record.instance_id}/act", data={"action": "approve"})
        assert record.instance.status == expected, allowed
        if allowed:
            page = client.get(f"/designer/r/{record.id}").text
            assert "审批人已在上一步同意，自动通过" in page
    # The applicant's own steps are skipped (申请人即审批人), never approved "once".
    login("head")
    client.post("/designer/twice/apply", data={**VISIT, "arrive_at": now_text()})
    own = db.session.scalars(db.select(DesignedRecord).order_by(DesignedRecord.id.desc())).first()
    comments = [t.comment for t in own.instance.tasks]
    assert comments == ["申请人即审批人，自动跳过"] * 2


def test_demo_loads_both_forms_with_records(app, org):
    from portal.designer import demo

    assert demo.load() == ["designer: form types visitor, repair"]
    db.session.commit()
    records = db.session.scalars(db.select(DesignedRecord).order_by(DesignedRecord.id)).all()
    steps = [(r.form_type.key, r.instance.step_key) for r in records]
    assert steps == [("visitor", "confirm"), ("visitor", "exit"), ("repair", "in_warranty"),
                     ("repair", "paid")]  # fmt: skip
    assert records[3].values["amount"] == "0.00" and records[0].values["leave_at"]
    assert demo.load() == ["designer: form types already present"]


def test_the_live_preview_of_a_field(app, client, login, org):
    load("visitor", org)
    login("admin")
    url = "/designer/visitor/fields/preview"
    good = client.post(url, data={"f-key": "days", "f-label": "天数", "f-kind": "number",
                                  "f-unit": "天", "f-minimum": "1", "f-maximum": "30"})  # fmt: skip
    assert good.status_code == 200 and 'name="days"' in good.text and "天数（天）" in good.text
    wrong = client.post(url, data={"f-key": "days", "f-label": "天数", "f-kind": "number",
                                   "f-minimum": "9", "f-maximum": "1"})  # fmt: skip
    assert "最小值大于最大值" in wrong.text and 'name="days"' not in wrong.text
    script = client.post(url, data={"f-key": "x", "f-label": "<script>alert(1)</script>",
                                    "f-kind": "text"})  # fmt: skip
    assert "<script>alert" not in script.text and "&lt;script&gt;" in script.text


def test_bounds_in_a_definition_file_are_checked_before_publishing(app, org):
    data = definitions.load((DEFINITIONS / "visitor.yaml").read_text(encoding="utf-8"))
    people = data["sections"][0]["fields"][3]
    assert people["key"] == "people"
    for bad, message in (({"min": "nan"}, "上下限应为数字"), ({"max": "abc"}, "上下限应为数字"),
                         ({"max_length": "many"}, "“最多字数”应为 1 到 4000 的整数"),
                         ({"places": 9}, "“小数位数”应为 0 到 6 的整数")):  # fmt: skip
        changed = {**people, **bad}
        data["sections"][0]["fields"][3] = changed
        assert any(message in e for e in definitions.check(data)), bad


def test_a_malformed_definition_is_refused_not_a_500(app, client, login, org):
    load("visitor", org)
    login("admin")
    for text in ("sections: 3", "- a list", "sections: [{fields: [{key: a, options: 5}]}]",
                 "steps: [x]", "register: [{a: 1}]", "key: visitor\nname: [1, 2]"):  # fmt: skip
        response = client.post("/designer/visitor/source", data={"source": text})
        assert response.status_code == 422, text
        imported = client.post("/designer/import", data={"source": text})
        assert imported.status_code == 422, text
    assert client.get("/designer/visitor/").status_code == 200


def test_the_register_page_runs_a_fixed_number_of_statements(
    app, client, login, org, count_queries
):
    form_type = load("visitor", org)
    values = {"visitor_name": "王五", "people": "2", "purpose": "洽谈", "arrive_at": now_text()}

    def statements() -> int:
        db.session.expire_all()  # as in production: nothing left from the last request
        with count_queries() as seen:
            assert client.get("/designer/visitor/register").status_code == 200
        return len(seen)

    login("admin")
    services.submit_values(form_type.current, values, org["employee"])
    db.session.commit()
    statements()  # the first builds the version's flow once per process
    few = statements()
    for _ in range(5):
        services.submit_values(form_type.current, values, org["head"])
    db.session.commit()
    assert statements() == few


def test_the_clause_and_the_form_link_each_other(app, client, login, org):
    from portal.procedures import services as procedures

    procedures.load_markdown_dir(Path(__file__).resolve().parents[2] / "docs" / "procedures")
    load("visitor", org)
    login("employee")
    page = client.get("/procedures/QP-ADM-04").text
    assert re.search(r'<a class="ref-link" href="/designer/visitor/apply">《?来访登记簿', page)
    form = client.get("/designer/visitor/apply").text
    links = re.findall(r'<a href="([^"]+)">[^<]*</a>', form.split('id="clauses"')[1])
    assert links and "art-10" in links[0]


def test_a_printed_record_verifies(app, org):
    from portal.workflow import records

    form_type = load("visitor", org)
    values = {"visitor_name": "王五", "people": "2", "purpose": "洽谈", "arrive_at": now_text()}
    record = services.submit_values(form_type.current, values, org["employee"])
    db.session.commit()
    digest = records.record_hash(record.instance)
    found = records.verification(record.number, digest)
    assert found is not None and found["form"] == "来访登记"
    assert records.verification(record.number, "v2:" + "0" * 64) is None


def test_a_step_hides_fields_from_its_approver(app, client, login, org):
    data = definitions.load((DEFINITIONS / "visitor.yaml").read_text(encoding="utf-8"))
    data["steps"] = [{"key": "confirm", "name": "确认", "assignee": {"kind": "applicant_head"},
                      "fields": {"organisation": "hidden"}}]  # fmt: skip
    services.import_definition(definitions.dump(data), org["admin"])
    db.session.commit()
    login("employee")
    client.post("/designer/visitor/apply", data={**VISIT, "arrive_at": now_text()})
    record = db.session.scalar(db.select(DesignedRecord))
    assert "华东物业" in client.get(f"/designer/r/{record.id}").text  # the applicant sees all
    assert "华东物业" in pdftotext(client.get(f"/designer/r/{record.id}/pdf").data)
    login("head")
    assert "华东物业" not in client.get(f"/designer/r/{record.id}").text
    assert "华东物业" not in pdftotext(client.get(f"/designer/r/{record.id}/pdf").data)
    client.post(f"/workflow/{record.instance_id}/act", data={"action": "approve"})
    assert "华东物业" in client.get(f"/designer/r/{record.id}").text  # once decided
    assert "华东物业" in pdftotext(client.get(f"/designer/r/{record.id}/pdf").data)


def test_the_designer_draws_the_flow_as_the_approval_path(app, client, login, org):
    load("repair", org)
    login("admin")
    page = client.get("/designer/repair/").text
    path = page.split('aria-label="审批流程预览"')[1].split("</ol>")[0]
    assert "总经理审批（保修期外大额）" in path and "王总" in path  # a role, by name
    assert "分支“route”：warranty == &#39;保修期外&#39; and amount &gt; 5000" in path
    assert "其余情况（默认）" in path and "刘厂长" in path  # 生产部's head
    assert "客服主管派工" in path and "冯主管" in path


def test_versions_of_a_form_are_one_form_in_the_inbox_filter_and_delegations(
    app, client, login, org
):
    from datetime import timedelta

    from portal.workflow import delegation

    form_type = load("visitor", org)
    services.save_draft(form_type, {**form_type.draft, "description": "第二版"}, org["admin"])
    assert services.publish(form_type, org["admin"]).number == 2
    db.session.commit()
    login("head")
    inbox = client.get("/inbox").text
    assert inbox.count('<option value="form.visitor"') == 1 and "form.visitor.v1" not in inbox
    assert client.get("/delegations").text.count('value="form.visitor"') == 1
    today = delegation.today()
    delegation.create_delegation(
        org["head"], org["deputy"], today, today + timedelta(days=3),
        created_by=org["head"], form_type="form.visitor",
    )  # fmt: skip
    db.session.commit()
    for version in ("form.visitor.v1", "form.visitor.v2"):
        assert delegation.delegate_for(org["head"], version) == org["deputy"]
    assert delegation.delegate_for(org["head"], "seals") is None
    found = delegation.principals_by_form(org["deputy"], ["form.visitor.v1", "seals"])
    assert found == {"form.visitor.v1": [org["head"].id], "seals": []}


def test_a_step_copies_a_person_a_department_head_or_a_role(app, client, login, org):
    login("admin")
    client.post("/designer/new", data={"key": "trip", "name": "出差申请", "source": ""})
    step = {"s-key": "gm", "s-name": "总经理审批", "s-assignee": "role", "s-target": "gm",
            "s-mode": "any", "s-kind": "approval"}  # fmt: skip
    for kind, target, rule in (
        ("user", "finance", {"kind": "user", "username": "finance"}),
        ("department_head", "FIN", {"kind": "department_head", "department": "FIN"}),
        ("applicant_head", "", {"kind": "applicant_head"}),
        ("role", "gm", {"kind": "role", "role": "gm"}),
    ):
        saved = client.post("/designer/trip/steps", data={
            **step, "s-original": "gm" if kind != "user" else "", "s-cc": kind,
            "s-cc_target": target})  # fmt: skip
        assert saved.status_code == 303, saved.text
        form_type = db.session.scalar(db.select(FormType).where(FormType.key == "trip"))
        db.session.refresh(form_type)
        assert next(s for s in form_type.draft["steps"] if s["key"] == "gm")["cc"] == rule
    wrong = client.post("/designer/trip/steps", data={
        **step, "s-original": "gm", "s-cc": "user", "s-cc_target": "nobody"})  # fmt: skip
    assert wrong.status_code == 422 and 'value="nobody"' in wrong.text
    error = wrong.text.split('name="s-cc_target"')[1][:600]
    assert "抄送" in error and "nobody" in error
