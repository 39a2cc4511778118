from . import ev_grant_report_wizard
from . import ev_grant_rate_import_wizard
