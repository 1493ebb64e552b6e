"""The domain packages, in registration order. Each has `init_app(app)`."""

from portal import admin, auth, home, notifications, workflow

MODULES = [home, auth, admin, notifications, workflow]
