from . import ev_portal_report
