from . import test_tariff
from . import test_session_pricing
from . import test_invoicing
from . import test_wallet
from . import test_report
from . import test_security
from . import test_pay_qr
