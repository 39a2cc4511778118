from . import ev_portal_access
from . import ev_portal_invitation
from . import ev_spv
from . import ev_spv_k1
from . import ev_portal_demo
