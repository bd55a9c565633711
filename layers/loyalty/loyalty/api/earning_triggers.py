"""The bus events of earning that other functions act on: a purchase's points (the tier upgrade) and a qualified
referral (the referrer's bonus)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ..events import PointsAccrued, ReferralQualified
from .triggers import BusEvent, instant


class PointsAccruedEvent(BusEvent[PointsAccrued]):
    detail_type: Literal["PointsAccrued"] = Field(alias="detail-type")


class ReferralQualifiedEvent(BusEvent[ReferralQualified]):
    detail_type: Literal["ReferralQualified"] = Field(alias="detail-type")

    @property
    def qualified_at(self) -> datetime:
        """The referee's qualifying purchase: the bonus is dated then, not when the event was delivered."""
        return instant(self.detail.qualified_at)
