from . import ev_wallet_topup_wizard
from . import ev_revenue_export_wizard
