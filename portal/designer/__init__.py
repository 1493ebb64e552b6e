"""Forms an administrator defines without code (表单设计): form types with immutable
published versions, their fields, flows, numbering, registers and PDFs, all on the form kit."""


def init_app(app):
    from portal.core.registry import register_form_source
    from portal.demo import register_demo_loader
    from portal.designer import cli, demo, services
    from portal.designer.flow import DesignedFlows, register_generation
    from portal.designer.views import bp
    from portal.workflow.flow import register_flow_source

    app.register_blueprint(bp)
    register_flow_source(app, DesignedFlows())
    register_generation(app)
    register_form_source(app, demo.startable_form_types)
    # The governing procedure links the name it gives a designed form to that form.
    app.extensions.setdefault("portal_procedure_forms", []).append(services.procedure_forms)
    register_demo_loader(app, demo.load)
    app.cli.add_command(cli.forms)
