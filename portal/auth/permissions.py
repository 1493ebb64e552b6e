"""Permission predicates and the guards that use them (views and templates share the predicates)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.auth.models import RoleCode, User


def can_administer(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_sysadmin)


def require(predicate, *args):
    """Abort with 403 unless predicate(current_user, *args) holds."""
    if not predicate(current_user, *args):
        abort(403)


def roles_required(*codes: str):
    """Decorator: 403 unless the current user holds one of the roles (sysadmin holds all)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(*codes, RoleCode.SYSADMIN):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


sysadmin_required = roles_required(RoleCode.SYSADMIN)
