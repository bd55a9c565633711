"""A lot lives on its ledger entry and is updated by two writers, the points clock's release and a reversal; each
update is conditioned on the lot's version. Here the clock works from a copy of the lot read before a refund
reversed part of it (the release index is eventually consistent): its write must fail, be retried on a
consistent read, and release only what the refund left, with the audit clean."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from loyalty.service.ledger_audit import audit_all
from loyalty.storage import repository
from tests.support.api import SERVICE, ok, view
from tests.support.functions import call, scheduled

T0 = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)


def test_a_release_from_a_stale_copy_of_a_reversed_lot_releases_only_what_is_left(
        moto_aws: None, clock_at: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch) -> None:
    clock_at(T0)
    ok(call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE))
    ok(call("POST", "/v1/members/m-1/accruals", {"transaction_id": "t-1", "kind": "purchase", "amount_minor": 10_000,
                                                 "currency": "USD"}, **SERVICE))
    hold_ends = T0 + timedelta(days=14)
    stale = list(repository.due_lots(hold_ends.date()))
    assert [(lot.lot_id, lot.reversed_points) for lot in stale] == [("accrual#t-1", 0)]
    ok(call("POST", "/v1/members/m-1/accruals/t-1/reversals", {"reversal_id": "rv-1", "amount_minor": 4_000},
            **SERVICE))
    assert view("m-1")["balance"]["pending"] == 60

    monkeypatch.setattr(repository, "due_lots", lambda up_to: iter(stale))  # the index's copy lags the reversal
    report = scheduled("ExpireFunction", hold_ends)

    assert report["released_points"] == 60
    assert view("m-1")["balance"] == {"available": 160, "pending": 0, "lifetime": 160, "qualifying": 60}
    lot = repository.get_lot("m-1", "accrual#t-1")
    assert lot is not None and (lot.status, lot.reversed_points, lot.version) == ("available", 40, 3)
    assert audit_all()[1] == []
