"""The built-in clause that carries corrective action plans for findings.

A finding (from an audit, a monitor or the buyer's own review) needs a corrective action
plan with its own deadline, reminders and escalation, whichever clause it came from, or none.
Attaching this clause to a contract the first time a finding is recorded makes each plan an
ordinary obligation: the sweep reminds, escalates and reports on it like any other.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tracker.library.schema import ClauseFile

CLAUSE_ID = "corrective-actions"
TEMPLATE_ID = "corrective-action"
EVIDENCE_TYPE = "corrective-action-plan"
# RBA VAP: 14 days for a corrective action plan, 7 for a priority finding. A finding's own
# clause that declares the parameter a plan names (breach-remediation-cap) overrides it.
CAP_PERIOD = "P14D"
PRIORITY_CAP_PERIOD = "P7D"

_BODY: dict[str, Any] = {
    "schema_version": 1,
    "id": CLAUSE_ID,
    "version": "1.1.0",
    "title": "Corrective action plans for findings",
    "category": "remediation",
    "summary": "Every finding gets a corrective action plan with a deadline; closing it takes "
    "evidence and a review.",
    "references": [
        {
            "id": "rba-vap-cap",
            "title": "RBA VAP Operations Manual - auditee corrective action plan management",
            "section": "10. Auditee CAP management (14 days; 7 days for Priority findings)",
            "url": "https://docslib.org/doc/11704304/10-auditee-corrective-action-plan-cap-management",
            "verification": "verified",
        },
        {
            "id": "husr-process-requirement-5",
            "title": "Swedish Regions - process requirement 5 (follow up action plans)",
            "url": "https://husr.se/en/guidance-on-due-diligence/process-requirement-5",
            "verification": "verified",
        },
    ],
    "clause_text": "Supplier shall submit a corrective action plan for each finding the "
    "Contracting Authority notifies, within {cap_period} of the notice ({priority_cap_period} "
    "for a priority finding), naming the root cause, the corrective and preventive actions, "
    "who is responsible and by when.",
    "parameters": {
        "cap_period": {
            "type": "duration",
            "default": CAP_PERIOD,
            "label": "Time to submit a corrective action plan",
            "source": "verified",
        },
        "priority_cap_period": {
            "type": "duration",
            "default": PRIORITY_CAP_PERIOD,
            "label": "Time to submit the plan for a priority finding",
            "source": "verified",
        },
    },
    "evidence_types": [
        {
            "id": EVIDENCE_TYPE,
            "label": "Corrective action plan",
            "accepted_formats": ["pdf", "docx", "xlsx"],
            "required_fields": ["root_cause", "corrective_actions", "owners", "due_dates"],
            "confidentiality": "internal",
            "ocds_document_type": "correctiveActionPlan",
        },
        {
            "id": "closure-evidence",
            "label": "Evidence that the corrective actions are done",
            "accepted_formats": ["pdf", "docx", "xlsx", "png", "jpg"],
            "required_fields": ["verified_by", "verified_on"],
            "confidentiality": "internal",
        },
    ],
    "obligations": [
        {
            "id": TEMPLATE_ID,
            "title": "Corrective action plan",
            # A finding's severity names the plan: a priority finding gets the shorter one.
            "trigger": {
                "type": "finding",
                "offset": "{cap_period}",
                "plans": {"priority": "{priority_cap_period}"},
            },
            "evidence": [EVIDENCE_TYPE],
            "acceptance": {
                "mode": "checklist",
                "checklist": [
                    "Root cause",
                    "Corrective and preventive actions",
                    "Owners and due dates",
                ],
                "resubmit_within": "P7D",
            },
            "reminders": {"before_due": ["P7D", "P2D"], "after_due": ["P1D", "P7D"]},
            "escalation": "default",
        }
    ],
    "provenance_notes": "Built into Clause Tracker. Verified: 14 and 7 days for a plan "
    "(RBA VAP, EICC-era manual, applied to any finding). 1.1.0: the 7 days are the trigger's "
    "`priority` plan, which a finding's severity names.",
}


@cache
def corrective_actions() -> ClauseFile:
    return ClauseFile.model_validate(_BODY)
