from . import ev_grant_report
