"""Checks shared by the remote-operation wizards (pure helpers, no model)."""

from urllib.parse import urlsplit

#: where a station may fetch firmware or upload logs
TRANSFER_SCHEMES = ("http", "https", "ftp", "ftps", "sftp")
#: OCPP 2.0.1 location / remoteLocation are string(512)
MAX_LOCATION = 512


def location_problem(env, value, what):
    """Why ``value`` is not a location a station can use, or None."""
    if not value or not value.strip():
        return env._("%s is required.", what)
    value = value.strip()
    if len(value) > MAX_LOCATION:
        return env._("%(what)s is longer than %(max)s characters.", what=what, max=MAX_LOCATION)
    parts = urlsplit(value)
    if parts.scheme not in TRANSFER_SCHEMES or not parts.netloc or any(c.isspace() for c in value):
        return env._(
            "%(what)s must be a URL the station can reach (%(schemes)s://host/path), got %(value)r.",
            what=what,
            schemes="/".join(TRANSFER_SCHEMES),
            value=value,
        )
    return None


def iso(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None
