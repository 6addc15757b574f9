"""The supplier portal: personal links in supplier emails, the supplier's view of one
contract, and evidence submitted through the link (no account).

Use cases load on first use: the contact and reminder modules import `tracker.portal.links`
and `tracker.portal.mailing`, which must not pull in the evidence use cases."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.portal.contacts import set_contact_language
    from tracker.portal.links import list_links, revoke_link
    from tracker.portal.submit import request_new_link, show_receipt, submit_through_link
    from tracker.portal.view import supplier_view

_HOME = {
    "set_contact_language": "tracker.portal.contacts",
    "list_links": "tracker.portal.links",
    "revoke_link": "tracker.portal.links",
    "request_new_link": "tracker.portal.submit",
    "show_receipt": "tracker.portal.submit",
    "submit_through_link": "tracker.portal.submit",
    "supplier_view": "tracker.portal.view",
}

__all__ = [
    "list_links",
    "request_new_link",
    "revoke_link",
    "set_contact_language",
    "show_receipt",
    "submit_through_link",
    "supplier_view",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(name)
