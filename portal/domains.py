"""The domain packages, in registration order. Each has `init_app(app)`."""

from portal import (
    admin,
    archive,
    auth,
    complaints,
    designer,
    files,
    health,
    home,
    notifications,
    procedures,
    seals,
    search,
    supplies,
    verify,
    workflow,
)

MODULES = [
    home,
    health,
    auth,
    admin,
    procedures,
    notifications,
    workflow,
    files,
    verify,
    seals,
    complaints,
    supplies,
    archive,
    designer,
    search,
]
