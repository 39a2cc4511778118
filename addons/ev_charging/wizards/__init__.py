from . import ev_charger_password_wizard
from . import ev_remote_start_wizard
from . import ev_remote_operation_common
from . import ev_firmware_update_wizard
from . import ev_log_request_wizard
from . import ev_charging_profile_apply_wizard
