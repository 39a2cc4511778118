from . import ev_spv_distribution_wizard
from . import ev_spv_allocation_wizard
from . import ev_spv_allocation_wizard_line
from . import ev_spv_phase_wizard
from . import ev_spv_unlock_wizard
