from . import test_spv
from . import test_ledger
from . import test_flip
from . import test_assets
from . import test_security
from . import test_demo
