"""Public verification of printed records: `/verify/<number>?h=<hash>`, rate-limited per client."""

# Each form's record PDF builder, so that verification rebuilds exactly what the PDF printed
# (see workflow/records.py). Import strings: the domains register after this package.
PRINTERS = {
    "seals": "portal.seals.pages:request_pdf",
    "complaints": "portal.complaints.pages:complaint_pdf",
    "complaint_returns": "portal.complaints.pages:return_pdf",
    "complaint_claims": "portal.complaints.pages:claim_pdf",
    "supplies": "portal.supplies.pages:requisition_pdf",
    "supply_purchases": "portal.supplies.pages:purchase_pdf",
    "supply_plans": "portal.supplies.pages:plan_pdf",
}


def init_app(app):
    from portal.verify.limits import RateLimiter
    from portal.verify.views import bp
    from portal.workflow.records import register_printer

    app.config.setdefault("VERIFY_RATE_LIMIT", 30)  # requests per client IP ...
    app.config.setdefault("VERIFY_RATE_WINDOW", 60)  # ... in this many seconds
    app.extensions["verify_limiter"] = RateLimiter(
        app.config["VERIFY_RATE_LIMIT"], app.config["VERIFY_RATE_WINDOW"]
    )
    for form_type, build in PRINTERS.items():
        register_printer(app, form_type, build)
    app.register_blueprint(bp)
