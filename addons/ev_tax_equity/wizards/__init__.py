from . import ev_spv_distribution_wizard
from . import ev_spv_allocation_wizard
from . import ev_spv_allocation_wizard_line
