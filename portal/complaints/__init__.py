"""Customer complaints (客户投诉, QP-CS-01): intake, stage clocks, containment, reply, CAPA,
verification, closing and follow-up on the approval engine, with returns (退货) and claims
(索赔) as linked records, the 客户投诉登记追踪表 register and the monthly report."""


def init_app(app):
    from portal.core.registry import FormType, register_form
    from portal.demo import register_demo_loader
    from portal.workflow.clocks import DeadlinePanel, register_deadline_panel
    from portal.workflow.flow import register_flow

    from .demo import load_demo
    from .flow import FLOWS, sees_all
    from .services import can_register
    from .views import bp

    app.register_blueprint(bp)
    for flow in FLOWS:
        register_flow(app, flow)
    register_form(
        app,
        FormType(
            key="complaints",
            name="客户投诉",
            new_endpoint="complaints.new",
            register_endpoint="complaints.index",
            register_name="客户投诉登记追踪表",
            description="客服部受理登记",
            can_start=can_register,
        ),
    )
    panel = DeadlinePanel(
        "投诉时限预警", tuple(f.key for f in FLOWS), sees_all, "complaints.index",
        empty="没有超时或即将到期的投诉环节。",
    )  # fmt: skip
    register_deadline_panel(app, panel)
    register_demo_loader(app, load_demo)
