"""Archives (档案, QP-ADM-03): the 存档登记表 with the archivist's 逐件核对 and archive numbers,
technical archives kept by their department and reported (备案), borrowing with due dates,
reminders and renewal, electronic loans with a watermark, retention and disposal, registers and
record PDFs, on the form kit."""

PRINTERS = {
    "archive": "portal.archive.pages:batch_pdf",
    "archive_loans": "portal.archive.pages:loan_pdf",
    "archive_disposals": "portal.archive.pages:disposal_pdf",
}


def init_app(app):
    from portal.archive import demo, registers, services
    from portal.archive.flow import FLOWS
    from portal.archive.views import bp
    from portal.core.registry import FormType, register_form
    from portal.demo import register_demo_loader
    from portal.home.services import register_panel
    from portal.workflow.flow import register_flow
    from portal.workflow.records import register_printer
    from portal.workflow.tick import register_tick_job

    app.register_blueprint(bp)
    for flow in FLOWS:
        register_flow(app, flow)
    for form_type, build in PRINTERS.items():
        register_printer(app, form_type, build)
    register_form(app, FormType(
        key="archive", name="存档登记", new_endpoint="archive.new",
        register_endpoint="archive.index", register_name="存档登记表（档案总目录）",
        description="部门整理成册的档案移交行政部，或本部门保管并报行政部备案",
    ))  # fmt: skip
    register_form(app, FormType(
        key="archive_loans", name="档案借阅", new_endpoint="archive.loan_new",
        register_endpoint="archive.loans", register_name="档案借阅登记表",
        description="查阅或借出档案；秘密、机密档案须经总经理审批",
    ))  # fmt: skip
    register_panel(app, registers.loans_panel)
    register_demo_loader(app, demo.load)
    register_tick_job(app, services.remind_borrowers)
