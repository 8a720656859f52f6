"""SQLModel tables only: no rules, no queries."""

from incubator_tui.models.audit import AuditEntry, ImportBatch
from incubator_tui.models.case import CaseEvent, OrgCase, RectificationItem
from incubator_tui.models.centre import Centre
from incubator_tui.models.checklist import ChecklistItem, ChecklistVersion
from incubator_tui.models.exchange import ExchangeLog
from incubator_tui.models.organisation import Organisation
from incubator_tui.models.review import PeerRating, Rating, RatingAmendment, RatingRequest, ReviewInput
from incubator_tui.models.score import CentreMonth, Exemption, MonthResult, Score
from incubator_tui.models.setting import Setting

__all__ = [
    "AuditEntry",
    "CaseEvent",
    "Centre",
    "CentreMonth",
    "ChecklistItem",
    "ChecklistVersion",
    "ExchangeLog",
    "Exemption",
    "ImportBatch",
    "MonthResult",
    "OrgCase",
    "Organisation",
    "PeerRating",
    "Rating",
    "RatingAmendment",
    "RatingRequest",
    "RectificationItem",
    "ReviewInput",
    "Score",
    "Setting",
]
