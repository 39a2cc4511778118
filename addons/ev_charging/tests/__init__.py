from . import test_install
from . import test_ingestion
from . import test_charger
from . import test_security
from . import test_rpc_access
from . import test_menus
from . import test_handlers_availability
from . import test_handlers_transactions
