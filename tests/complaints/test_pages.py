"""What a handler sees on the complaint pages: one list of stages, one word for a status, a
责任人 list that follows the 责任部门, and a register that puts the handler's columns first."""

from __future__ import annotations

import re

from portal.complaints import report
from portal.core import clock


def test_the_case_page_lists_its_stages_once(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "reply")
    login("quality")
    html = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert html.count('class="wf-path"') == 1 and 'id="stage-clocks"' not in html
    path = html.split('class="wf-path"', 1)[1].split("</ol>", 1)[0]
    assert "按时完成" in path or "超时完成" in path  # each stage's clock sits on its node
    assert "依据" in path and "期限" in path


def test_one_word_for_a_running_case_everywhere(client, login, make_complaint):
    complaint = make_complaint()
    assert complaint.instance.status_label == "处理中"
    login("quality")
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    register = client.get("/complaints/").get_data(as_text=True)
    month = f"{clock.local_now():%Y-%m}"
    monthly = client.get(f"/complaints/report?month={month}").get_data(as_text=True)
    for html in (page, register, monthly):
        assert "审批中" not in html
    assert "处理中" in page and "处理中" in register
    assert report._status_bucket(complaint) == complaint.instance.status_label


def test_capa_person_list_follows_the_department(client, login, make_complaint, player, org):
    complaint = player.to(make_complaint(), "capa")
    login("quality")
    url = f"/complaints/{complaint.id}/capa"
    full = client.get(url).get_data(as_text=True)
    block = full.split('id="field-capa_person_id"', 1)[1].split("</select>", 1)[0]
    assert "<optgroup" in block  # no department yet: everyone, by department
    assert f'hx-get="{url}"' in full and 'hx-target="#field-capa_person_id"' in full
    production = org["producer"].department_id
    picked = client.get(f"{url}?capa_department_id={production}").get_data(as_text=True)
    block = picked.split('id="field-capa_person_id"', 1)[1].split("</select>", 1)[0]
    names = re.findall(r"<option[^>]*>([^<]+)</option>", block)
    assert names == ["请选择", org["producer"].display_name]
    for odd in ("²", "-1", "99999999999999999999", "abc"):  # never a 500
        assert client.get(f"{url}?capa_department_id={odd}").status_code == 200, odd


def test_the_keyword_box_names_what_a_complaint_search_reads(client, login):
    login("service")
    html = client.get("/complaints/").get_data(as_text=True)
    placeholder = re.search(r'id="f-q"[^>]*placeholder="([^"]*)"', html)[1]
    assert "文件名称" not in placeholder and "客户" in placeholder


def test_the_register_puts_what_a_handler_needs_first(client, login):
    """当前环节 sits beside the number, before the columns that scroll off at desktop width."""
    login("service")
    html = client.get("/complaints/").get_data(as_text=True)
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    labels = re.findall(r"<th[^>]*>\s*(?:<a[^>]*>)?\s*([^<\s][^<]*?)\s*<", head)
    assert labels[:3] == ["投诉编号", "当前环节", "客户"], labels
