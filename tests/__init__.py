from . import test_inventory_state_receipt
from . import test_inventory_state_delivery
from . import test_inventory_state_returns
from . import test_inventory_state_adjustments
from . import test_inventory_event
from . import test_posting_outbox
