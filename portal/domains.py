"""The domain packages, in registration order. Each has `init_app(app)`."""

from portal import admin, auth, files, home, notifications, procedures, verify, workflow

MODULES = [home, auth, admin, procedures, notifications, workflow, files, verify]
