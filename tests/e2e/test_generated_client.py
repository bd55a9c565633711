"""The published contract, driven through a client generated from our own OpenAPI document.

`make client` generates the package `loyalty_api_client` (openapi-python-client) from
layers/loyalty/loyalty/openapi.json into build/client, and `make e2e` puts build/client on PYTHONPATH.
Every call goes through the generated `api/...` modules and every answer is read from `.parsed`, the
typed model the generator made from the document: a route whose answer the document does not describe
fails here (`raise_on_unexpected_status`), and so does an answer that does not fit its model.
"""
from __future__ import annotations

import pytest

try:
    from loyalty_api_client import AuthenticatedClient, Client
    from loyalty_api_client.api.admin import adjust_points, get_admin_program, list_program_revisions, put_admin_program
    from loyalty_api_client.api.catalog import list_rewards
    from loyalty_api_client.api.earning import accrue
    from loyalty_api_client.api.members import enroll_member, get_history, get_member
    from loyalty_api_client.api.spending import redeem
    from loyalty_api_client.models import (
        AccrualAnswer,
        AccrualStatus,
        ActivityAccrual,
        AdjustmentAnswer,
        AdjustmentRequest,
        EnrollRequest,
        ErrorAnswer,
        ErrorCode,
        GatewayMessage,
        HistoryItemType,
        HistoryPage,
        MemberView,
        ProgramAtRevision,
        ProgramEdit,
        ProgramInput,
        PurchaseAccrual,
        RedemptionAnswer,
        RedemptionRequest,
        RevisionsPage,
        RewardsPage,
    )
except ImportError as missing:  # a broken build, not a test outcome: never a skip
    raise ImportError(f"the generated client is missing or out of date ({missing}): run `make client` "
                      "and put build/client on PYTHONPATH (make e2e does both)") from missing

from .conftest import API, new_id, token


def client_for(sub: str, scope: str = "") -> AuthenticatedClient:
    return AuthenticatedClient(base_url=API, token=token(sub, scope), raise_on_unexpected_status=True, timeout=60)


@pytest.fixture(scope="module")
def service() -> AuthenticatedClient:
    return client_for("checkout", "loyalty/service")


@pytest.fixture
def enrolled(service: AuthenticatedClient) -> MemberView:
    answer = enroll_member.sync_detailed(client=service, body=EnrollRequest(member_id=new_id("gen")))
    assert answer.status_code == 201, answer.content
    assert isinstance(answer.parsed, MemberView), answer.content
    return answer.parsed


def earn(service: AuthenticatedClient, member_id: str, body: ActivityAccrual | PurchaseAccrual) -> AccrualAnswer:
    answer = accrue.sync_detailed(member_id, client=service, body=body)
    assert answer.status_code == 201, answer.content
    assert isinstance(answer.parsed, AccrualAnswer), answer.content
    return answer.parsed


def review(transaction_id: str) -> ActivityAccrual:
    return ActivityAccrual(transaction_id=transaction_id, kind="activity", activity="review")


def purchase(transaction_id: str, amount_minor: int) -> PurchaseAccrual:
    return PurchaseAccrual(transaction_id=transaction_id, kind="purchase", amount_minor=amount_minor, currency="USD")


def test_enrollment_answers_the_typed_member_view(enrolled: MemberView) -> None:
    assert enrolled.tier == "Member"
    assert (enrolled.balance.available, enrolled.balance.pending, enrolled.balance.lifetime) == (100, 0, 100)
    assert enrolled.next_tier is not None and enrolled.next_tier.name == "Silver"
    assert enrolled.next_tier.qualifying_needed == 2000


def test_accruals_answer_typed_figures_that_add_up(service: AuthenticatedClient, enrolled: MemberView) -> None:
    activity = earn(service, enrolled.member_id, review(new_id("rev")))
    assert (activity.accrual.points, activity.accrual.status) == (50, AccrualStatus.AVAILABLE)
    assert activity.member.balance.available == 100 + 50  # welcome + review
    bought = earn(service, enrolled.member_id, purchase(new_id("pay"), 12345))
    assert (bought.accrual.points, bought.accrual.status) == (123, AccrualStatus.PENDING)
    balance = bought.member.balance
    assert (balance.available, balance.pending, balance.lifetime) == (150, 123, 100 + 50 + 123)


def test_redemption_answers_the_typed_redemption(service: AuthenticatedClient, enrolled: MemberView) -> None:
    earn(service, enrolled.member_id, review(new_id("rev")))
    body = RedemptionRequest(redemption_id=new_id("red"), reward_id="charity-100", quantity=1)
    answer = redeem.sync_detailed(enrolled.member_id, client=service, body=body)
    assert answer.status_code == 201, answer.content
    assert isinstance(answer.parsed, RedemptionAnswer), answer.content
    assert (answer.parsed.redemption.points, answer.parsed.redemption.code) == (100, None)  # a donation: no code
    assert answer.parsed.member.balance.available == 150 - 100


def test_coupon_reward_carries_a_code_and_a_replay_returns_it(service: AuthenticatedClient, enrolled: MemberView) -> None:
    admin = client_for("ops", "loyalty/admin")
    credit = AdjustmentRequest(adjustment_id=new_id("adj"), points=400, reason="generated-client test")
    credited = adjust_points.sync_detailed(enrolled.member_id, client=admin, body=credit)
    assert isinstance(credited.parsed, AdjustmentAnswer), credited.content
    body = RedemptionRequest(redemption_id=new_id("red"), reward_id="coffee", quantity=1)
    first = redeem.sync(enrolled.member_id, client=service, body=body)
    again = redeem.sync(enrolled.member_id, client=service, body=body)
    assert isinstance(first, RedemptionAnswer) and isinstance(again, RedemptionAnswer)
    assert first.redemption.code and again.redemption.code == first.redemption.code
    assert again.member.balance.available == 100 + 400 - 500


def test_refused_redemption_parses_as_the_error_model(service: AuthenticatedClient, enrolled: MemberView) -> None:
    body = RedemptionRequest(redemption_id=new_id("red"), reward_id="coffee", quantity=1)  # 500 points, has 100
    answer = redeem.sync_detailed(enrolled.member_id, client=service, body=body)
    assert answer.status_code == 409
    assert isinstance(answer.parsed, ErrorAnswer), answer.content
    assert answer.parsed.error.code == ErrorCode.INSUFFICIENT_POINTS


def test_member_view_and_history_agree(service: AuthenticatedClient, enrolled: MemberView) -> None:
    earn(service, enrolled.member_id, review(new_id("rev")))
    earn(service, enrolled.member_id, purchase(new_id("pay"), 5000))
    redeem.sync(enrolled.member_id, client=service,
                body=RedemptionRequest(redemption_id=new_id("red"), reward_id="charity-100", quantity=1))
    view = get_member.sync(enrolled.member_id, client=service)
    page = get_history.sync(enrolled.member_id, client=service, limit=50)
    assert isinstance(view, MemberView) and isinstance(page, HistoryPage)
    assert (view.balance.available, view.balance.pending) == (100 + 50 - 100, 50)
    assert page.next_cursor is None
    assert page.items[0].type_ == HistoryItemType.REDEMPTION and page.items[0].points == -100  # newest first
    assert [item.type_ for item in page.items].count(HistoryItemType.ACCRUAL) == 3  # welcome, review, purchase
    assert sum(item.points for item in page.items) == view.balance.available + view.balance.pending


def test_history_pages_with_the_typed_cursor(service: AuthenticatedClient, enrolled: MemberView) -> None:
    for _ in range(2):
        earn(service, enrolled.member_id, purchase(new_id("pay"), 1000))
    first = get_history.sync(enrolled.member_id, client=service, limit=2)
    assert isinstance(first, HistoryPage) and len(first.items) == 2 and first.next_cursor
    rest = get_history.sync(enrolled.member_id, client=service, limit=2, cursor=first.next_cursor)
    assert isinstance(rest, HistoryPage) and len(rest.items) == 1 and rest.next_cursor is None
    assert {item.entry_id for item in first.items}.isdisjoint(item.entry_id for item in rest.items)


def test_no_token_parses_as_the_gateway_message(enrolled: MemberView) -> None:
    answer = get_member.sync_detailed(enrolled.member_id, client=Client(base_url=API, raise_on_unexpected_status=True))
    assert answer.status_code == 401
    assert answer.parsed == GatewayMessage(message="Unauthorized")


def test_bad_token_parses_as_the_gateway_message(enrolled: MemberView) -> None:
    forged = AuthenticatedClient(base_url=API, token="not-a-jwt", raise_on_unexpected_status=True)
    answer = get_history.sync_detailed(enrolled.member_id, client=forged)
    assert answer.status_code == 401
    assert answer.parsed == GatewayMessage(message="Unauthorized")


def test_another_members_token_parses_as_forbidden(enrolled: MemberView) -> None:
    answer = get_member.sync_detailed(enrolled.member_id, client=client_for(new_id("other")))
    assert answer.status_code == 403
    assert isinstance(answer.parsed, ErrorAnswer) and answer.parsed.error.code == ErrorCode.FORBIDDEN


def test_schema_invalid_body_parses_as_the_error_model(service: AuthenticatedClient, enrolled: MemberView) -> None:
    answer = accrue.sync_detailed(enrolled.member_id, client=service, body=purchase(new_id("pay"), 0))
    assert answer.status_code == 422
    assert isinstance(answer.parsed, ErrorAnswer) and answer.parsed.error.code == ErrorCode.INVALID_REQUEST


def test_public_catalog_needs_no_token() -> None:
    rewards = list_rewards.sync(client=Client(base_url=API, raise_on_unexpected_status=True))
    assert isinstance(rewards, RewardsPage)
    assert {"coffee", "charity-100", "lounge"} <= {reward.reward_id for reward in rewards.items}


def test_the_program_document_reads_and_refuses_through_its_typed_models() -> None:
    admin = client_for("ops", "loyalty/admin")
    current = get_admin_program.sync(client=admin)
    assert isinstance(current, ProgramAtRevision) and current.revision >= 1
    assert {"coffee", "lounge"} <= {reward.reward_id for reward in current.program.rewards}
    invalid = current.program.to_dict()
    invalid["rewards"][0]["min_tier"] = "Diamond"
    answer = put_admin_program.sync_detailed(client=admin, body=ProgramEdit(
        program=ProgramInput.from_dict(invalid), revision=current.revision))
    assert answer.status_code == 422 and isinstance(answer.parsed, ErrorAnswer), answer.content
    assert answer.parsed.error.code == ErrorCode.INVALID_PROGRAM
    assert [detail.path for detail in answer.parsed.error.details] == ["rewards.0.min_tier"]
    revisions = list_program_revisions.sync(client=admin)
    assert isinstance(revisions, RevisionsPage) and revisions.items[0].revision == current.revision
