"""Rights checks shared by the public (RPC-callable) methods of the EV addons.

Every method not starting with ``_`` can be called over RPC by any logged-in user, portal drivers
included. Such a method first checks the caller's rights with these helpers (or the ORM's
``check_access``) and only then, if it must, switches to sudo. The audit of every public method is
in the addon's README.md.
"""

from odoo.exceptions import AccessError

USER = "ev_charging.group_ev_user"
TECHNICIAN = "ev_charging.group_ev_technician"
MANAGER = "ev_charging.group_ev_manager"

GROUP_LABELS = {
    USER: "EV User",
    TECHNICIAN: "Field Technician",
    MANAGER: "EV Manager",
}


def require_group(env, group, what):
    """Raise AccessError unless the caller is in ``group`` (superuser mode passes: internal calls)."""
    if env.su or env.user.has_group(group):
        return
    raise AccessError(
        env._(
            "Only an %(group)s may %(what)s (you are %(user)s).",
            group=GROUP_LABELS.get(group, group),
            what=what,
            user=env.user.name,
        )
    )


def require_records(records, operation, group=None, what=None):
    """The caller may ``operation`` ('read', 'write', …) these records (access rights and record
    rules), and is in ``group`` when given."""
    if group:
        require_group(records.env, group, what or records.env._("do this"))
    records.check_access(operation)
    return records


def require_command_rights(records, what):
    """Sending a remote command: the caller reads the target records (its companies, its rules) and
    may create ev.charger.command records (EV User and up)."""
    require_group(records.env, USER, what)
    records.check_access("read")
    records.env["ev.charger.command"].check_access("create")
    return records
