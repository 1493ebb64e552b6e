ADMIN_ONLY = {"anon": 302, "admin": 200, "*": 403}


def world(org):
    return {"user_id": org["employee"].id, "department_id": org["employee"].department_id}


ROUTES = {
    "admin.index": [{"url": "/admin/", "expect": {"anon": 302, "admin": 302, "*": 403}}],
    "admin.users": [{"url": "/admin/users", "expect": ADMIN_ONLY}],
    "admin.user_edit": [
        {"url": "/admin/users/new", "expect": ADMIN_ONLY},
        {"url": "/admin/users/{user_id}/edit", "expect": ADMIN_ONLY},
        {
            "url": "/admin/users/{user_id}/edit",
            "method": "POST",
            "data": {},
            "expect": {"anon": 302, "admin": 422, "*": 403},
        },
    ],
    "admin.user_tasks": [
        {"url": "/admin/users/{user_id}/tasks", "expect": ADMIN_ONLY},
        {
            "url": "/admin/users/{user_id}/tasks",
            "method": "POST",
            "data": {},
            "expect": {"anon": 302, "admin": 422, "*": 403},
        },
        {"url": "/admin/users/999999/tasks", "expect": {"anon": 302, "admin": 404, "*": 403}},
    ],
    "admin.departments": [{"url": "/admin/departments", "expect": ADMIN_ONLY}],
    "admin.department_edit": [
        {"url": "/admin/departments/new", "expect": ADMIN_ONLY},
        {"url": "/admin/departments/{department_id}/edit", "expect": ADMIN_ONLY},
    ],
    "admin.roles": [{"url": "/admin/roles", "expect": ADMIN_ONLY}],
    "admin.holidays": [
        {"url": "/admin/holidays", "expect": ADMIN_ONLY},
        {
            "url": "/admin/holidays",
            "method": "POST",
            "data": {},
            "expect": {"anon": 302, "admin": 422, "*": 403},
        },
    ],
    "admin.holiday_delete": [
        {
            "url": "/admin/holidays/999999/delete",
            "method": "POST",
            "expect": {"anon": 302, "admin": 404, "*": 403},
        }
    ],
}

_standard_world = world


def world(org):
    """Also a user outside the matrix, whose sessions the administrator can end."""
    from tests import factories

    return {**_standard_world(org), "outsider_id": factories.user().id}


ROUTES["admin.logins"] = [{"url": "/admin/logins", "expect": ADMIN_ONLY}]
ROUTES["admin.end_sessions"] = [
    {
        "url": "/admin/users/{outsider_id}/end-sessions",
        "method": "POST",
        "expect": {"anon": 302, "admin": 303, "*": 403},
    }
]
