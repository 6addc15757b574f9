"""Read-side use cases for the web pages: the dashboard, contract and obligation pages, the
outbox. Queries only; every change goes through the capability packages' use cases."""

from tracker.dashboard.contracts import ContractList, ContractPage, contract_page, find_contracts
from tracker.dashboard.metrics import obligation_counts
from tracker.dashboard.obligation import ObligationPage, obligation_page
from tracker.dashboard.outbox import OutboxPage, outbox_page
from tracker.dashboard.overview import Dashboard, dashboard

__all__ = [
    "ContractList",
    "ContractPage",
    "Dashboard",
    "ObligationPage",
    "OutboxPage",
    "contract_page",
    "dashboard",
    "find_contracts",
    "obligation_counts",
    "obligation_page",
    "outbox_page",
]
