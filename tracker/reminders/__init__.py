"""Reminders: the sweep that finds what is due, composing emails, the outbox relay,
heartbeats and the health verdict. Adapters (CLI, worker, web) import these use cases
from here."""

from tracker.reminders.health import (
    HealthReport,
    JobHealth,
    PartialDelivery,
    check_health,
    database_answers,
)
from tracker.reminders.heartbeat import error_text
from tracker.reminders.mailcheck import MailTest, mail_backend, send_test_message
from tracker.reminders.outbox import (
    MessageRow,
    MessageView,
    ObligationHistory,
    Retried,
    list_messages,
    obligation_history,
    retry,
    show_message,
)
from tracker.reminders.passes import RelayReport, SweepReport, relay, sweep
from tracker.reminders.preview import Preview, PreviewedEmail, PreviewedReminder, preview
from tracker.reminders.relay import worker_id

__all__ = [
    "HealthReport",
    "JobHealth",
    "MailTest",
    "MessageRow",
    "MessageView",
    "ObligationHistory",
    "PartialDelivery",
    "Preview",
    "PreviewedEmail",
    "PreviewedReminder",
    "RelayReport",
    "Retried",
    "SweepReport",
    "check_health",
    "database_answers",
    "error_text",
    "list_messages",
    "mail_backend",
    "obligation_history",
    "preview",
    "relay",
    "retry",
    "send_test_message",
    "show_message",
    "sweep",
    "worker_id",
]
