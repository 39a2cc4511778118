from . import test_invitation
from . import test_security
from . import test_pages
from . import test_wallet
from . import test_tours
from . import test_demo
