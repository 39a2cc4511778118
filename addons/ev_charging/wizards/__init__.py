from . import ev_charger_password_wizard
from . import ev_remote_start_wizard
