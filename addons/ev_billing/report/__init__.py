from . import ev_billing_report
