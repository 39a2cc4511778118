from . import ev_tax_report_values
from . import ev_k1_report
from . import ev_form1065_report
from . import ev_form1065_xlsx
from . import ev_k1_xlsx
