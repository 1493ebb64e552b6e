"""Office supplies (办公用品, QP-ADM-02): the catalogue and the stock ledger, requisitions issued
on the issue days with backorders, department forecasts, purchase requests and the monthly
purchase plan, on the form kit."""


def init_app(app):
    from portal.core.registry import FormType, register_form
    from portal.demo import register_demo_loader
    from portal.home.services import register_panel
    from portal.supplies import demo, registers, services
    from portal.supplies.flow import FLOWS
    from portal.supplies.views import bp
    from portal.workflow.flow import register_flow
    from portal.workflow.tick import register_tick_job

    app.register_blueprint(bp)
    for flow in FLOWS:
        register_flow(app, flow)
    register_form(app, FormType(
        key="supplies", name="办公用品领用", new_endpoint="supplies.new",
        register_endpoint="supplies.index", register_name="办公用品领用登记表",
        description="每月 1 日、15 日发放；急需经行政办主任审批",
    ))  # fmt: skip
    register_form(app, FormType(
        key="supply_purchases", name="办公用品申购", new_endpoint="supplies.purchase_new",
        register_endpoint="supplies.purchases", register_name="办公用品申购登记表",
        description="目录外或超出标准的物品",
    ))  # fmt: skip
    register_panel(app, registers.low_stock_panel)
    register_demo_loader(app, demo.load)
    register_tick_job(app, services.plan_job)
