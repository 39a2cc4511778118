from . import invitation
from . import investor
from . import wallet
