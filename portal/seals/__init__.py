"""Seal-use requests (用印申请), the seal register (印章使用登记表) and the seal catalogue,
following the bundled 印章管理制度 (QP-ADM-01). The first form on the approval engine: the
pattern the other forms copy."""


def init_app(app):
    from portal.core.registry import FormType, register_form
    from portal.demo import register_demo_loader
    from portal.home.services import register_panel
    from portal.seals import demo, registers
    from portal.seals.flow import SEAL_FLOW
    from portal.seals.views import bp
    from portal.workflow.flow import register_flow

    app.register_blueprint(bp)
    register_flow(app, SEAL_FLOW)
    register_form(
        app,
        FormType(
            key="seals",
            name="用印申请",
            new_endpoint="seals.new",
            register_endpoint="seals.index",
            register_name="印章使用登记表",
            description="公章、合同专用章、财务专用章等的使用与携带外出",
        ),
    )
    register_panel(app, registers.seals_out_panel)
    register_demo_loader(app, demo.load)
