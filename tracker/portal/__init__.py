"""The supplier portal: personal links in supplier emails, the supplier's view of one
contract, and evidence submitted through the link (no account)."""

from tracker.portal.links import list_links, revoke_link
from tracker.portal.submit import request_new_link, show_receipt, submit_through_link
from tracker.portal.view import supplier_view

__all__ = [
    "list_links",
    "request_new_link",
    "revoke_link",
    "show_receipt",
    "submit_through_link",
    "supplier_view",
]
