"""Exchange: data in and out of the tracker (calendar feeds, OCDS export and import,
contracts from spreadsheets).

The use cases are loaded on first use: their libraries (icalendar, jsonschema, ocdsmerge,
openpyxl) take a tenth of a second each to import, which commands that never exchange data
must not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.exchange.feeds import (
        FeedRow,
        NewFeed,
        add_feed,
        list_feeds,
        open_feed,
        revoke_feed,
    )
    from tracker.exchange.ics import CalendarFeed, calendar_feed
    from tracker.exchange.ocds_export import OcdsExport, export_ocds
    from tracker.exchange.ocds_import import ImportReport, import_ocds
    from tracker.exchange.ocds_read import BadPublication
    from tracker.exchange.spreadsheet import (
        BadSpreadsheet,
        SpreadsheetImport,
        contracts_template,
        import_contracts,
    )

__all__ = [
    "BadPublication",
    "BadSpreadsheet",
    "CalendarFeed",
    "FeedRow",
    "ImportReport",
    "NewFeed",
    "OcdsExport",
    "SpreadsheetImport",
    "add_feed",
    "calendar_feed",
    "contracts_template",
    "export_ocds",
    "import_contracts",
    "import_ocds",
    "list_feeds",
    "open_feed",
    "revoke_feed",
]

_HOME = {
    "FeedRow": "tracker.exchange.feeds",
    "NewFeed": "tracker.exchange.feeds",
    "add_feed": "tracker.exchange.feeds",
    "list_feeds": "tracker.exchange.feeds",
    "open_feed": "tracker.exchange.feeds",
    "revoke_feed": "tracker.exchange.feeds",
    "CalendarFeed": "tracker.exchange.ics",
    "calendar_feed": "tracker.exchange.ics",
    "OcdsExport": "tracker.exchange.ocds_export",
    "export_ocds": "tracker.exchange.ocds_export",
    "ImportReport": "tracker.exchange.ocds_import",
    "import_ocds": "tracker.exchange.ocds_import",
    "BadPublication": "tracker.exchange.ocds_read",
    "BadSpreadsheet": "tracker.exchange.spreadsheet",
    "SpreadsheetImport": "tracker.exchange.spreadsheet",
    "contracts_template": "tracker.exchange.spreadsheet",
    "import_contracts": "tracker.exchange.spreadsheet",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
