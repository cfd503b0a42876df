from . import stock_return_picking
from . import qbo_posting_skip
from . import qbo_posting_redate
from . import qbo_reconciliation_accept
from . import qbo_vendor_bill_decide
