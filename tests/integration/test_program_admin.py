"""The program administration API through the real handlers in process, against moto: read, edit with the
revision, a stale revision refused, concurrent edits, invalid documents changing nothing, a large program, the
1 MB body, the revisions, the public catalog's pages, and where every function reads the program from."""
from __future__ import annotations

import base64
import copy
import json
import os
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from loyalty.domain.program import Promotion
from loyalty.platform import program_source
from loyalty.service import program_admin
from loyalty.storage import program_store
from tests.support.api import ADMIN, SERVICE, ok
from tests.support.aws import program_document, put_program
from tests.support.functions import Answer, call, concurrently

MEMBER = {"sub": "m-1", "scope": ""}


def read() -> tuple[dict[str, Any], int]:
    body = ok(call("GET", "/v1/admin/program", **ADMIN), 200)
    return body["program"], body["revision"]


def put(document: dict[str, Any], revision: int, who: dict[str, str] = ADMIN) -> Answer:
    return call("PUT", "/v1/admin/program", {"program": document, "revision": revision}, **who)


def revisions(**query: str) -> dict[str, Any]:
    return ok(call("GET", "/v1/admin/program/revisions", query=query or None, **ADMIN), 200)  # type: ignore[no-any-return]


def with_reward(document: dict[str, Any], reward_id: str, points: int = 300) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["rewards"].append({"reward_id": reward_id, "type": "gift", "name": reward_id, "points": points})
    return changed


def promotion(n: int, start: datetime) -> dict[str, Any]:
    """A promotion of the document as the Promotion model of this checkout takes it (other fields have defaults)."""
    body: dict[str, Any] = {"promotion_id": f"promo-{n:03d}", "starts_at": start.isoformat(),
                            "ends_at": (start + timedelta(days=30 + n)).isoformat(), "skus": [f"sku-{n}"],
                            "bonus_points": 10 + n}
    if "name" in Promotion.model_fields:
        body["name"] = f"Promotion {n}"
    return body


def large_program(rewards: int = 500, promotions: int = 50) -> dict[str, Any]:
    document = program_document()
    start = datetime(2027, 1, 1, tzinfo=UTC)
    document["rewards"] += [{"reward_id": f"reward-{n:03d}", "type": "gift", "points": 100 + n,
                             "name": f"Reward {n}: a gift from the partner catalog",
                             **({"stock": 5 + n % 7} if n % 5 == 0 else {})}
                            for n in range(rewards - len(document["rewards"]))]
    document["promotions"] = [promotion(n, start) for n in range(promotions)]
    return document


def enroll(member_id: str) -> None:
    ok(call("POST", "/v1/members", {"member_id": member_id}, **SERVICE))


def accrue(member_id: str, tx: str, amount: int) -> int:
    body = {"transaction_id": tx, "kind": "purchase", "amount_minor": amount, "currency": "USD"}
    return int(ok(call("POST", f"/v1/members/{member_id}/accruals", body, **SERVICE))["accrual"]["points"])


def catalog(limit: int) -> list[list[str]]:
    """Every page of GET /v1/rewards, as reward ids."""
    pages, cursor = [], None
    while True:
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        body = ok(call("GET", "/v1/rewards", sub=None, query=query), 200)
        pages.append([item["reward_id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


# --- read and edit -------------------------------------------------------------------------------------------------

def test_the_shipped_program_is_revision_1(moto_aws: None) -> None:
    document, revision = read()
    assert revision == 1
    assert document["program_id"] == "default" and [t["name"] for t in document["tiers"]] == [
        "Member", "Silver", "Gold", "Platinum"]
    assert {r["reward_id"] for r in document["rewards"]} == {r["reward_id"] for r in program_document()["rewards"]}


def test_an_edit_makes_the_next_revision_and_applies_to_the_next_request(moto_aws: None) -> None:
    enroll("m-1")
    assert accrue("m-1", "t-1", 10_000) == 100
    document, revision = read()
    document["earn"]["currencies"]["USD"]["minor_per_point"] = 50  # 2 points a dollar from now on
    body = ok(put(with_reward(document, "tea"), revision), 200)
    assert body["revision"] == revision + 1
    assert accrue("m-1", "t-2", 10_000) == 200  # another function, the very next request
    assert "tea" in catalog(100)[0]
    assert read() == (body["program"], revision + 1)
    assert read()[0]["earn"]["currencies"]["USD"]["minor_per_point"] == 50


def test_a_stale_revision_is_refused_and_changes_nothing(moto_aws: None) -> None:
    document, revision = read()
    ok(put(with_reward(document, "tea"), revision), 200)
    answer = put(with_reward(document, "mug"), revision)
    assert answer.status == 409 and answer.body["error"]["code"] == "REVISION_CONFLICT", answer.body
    current, now_at = read()
    assert now_at == revision + 1 and "mug" not in {r["reward_id"] for r in current["rewards"]}
    assert put(with_reward(document, "mug"), revision + 5).status == 409  # a revision not yet written either


def test_of_two_concurrent_edits_of_one_revision_exactly_one_wins(moto_aws: None) -> None:
    document, revision = read()
    edits = [("PUT", "/v1/admin/program", {"program": with_reward(document, f"r-{n}"), "revision": revision}, ADMIN)
             for n in range(6)]
    answers = concurrently(edits)
    assert sorted(a.status for a in answers) == [200] + [409] * 5, [a.body for a in answers]
    winner = next(a.body for a in answers if a.status == 200)
    assert all(a.body["error"]["code"] == "REVISION_CONFLICT" for a in answers if a.status == 409)
    assert read() == (winner["program"], revision + 1)
    assert [i["revision"] for i in revisions()["items"]] == [revision + 1, revision]


def test_only_an_admin_reads_or_edits_the_program(moto_aws: None) -> None:
    document, revision = read()
    for who in (SERVICE, MEMBER):
        for answer in (call("GET", "/v1/admin/program", **who), put(document, revision, who),
                       call("GET", "/v1/admin/program/revisions", **who)):
            assert answer.status == 403 and answer.body["error"]["code"] == "FORBIDDEN", answer.body
    assert call("GET", "/v1/admin/program", sub=None).status == 401
    assert read()[1] == revision


# --- invalid documents --------------------------------------------------------------------------------------------

def _tier_unknown(d: dict[str, Any]) -> None:
    d["rewards"][5]["min_tier"] = "Diamond"


def _negative_points(d: dict[str, Any]) -> None:
    d["rewards"][0]["points"] = -5


def _duplicate_reward(d: dict[str, Any]) -> None:
    d["rewards"].append(dict(d["rewards"][0]))


def _tiers_descending(d: dict[str, Any]) -> None:
    d["tiers"][2]["qualifying_points"] = 1000


def _backwards_promotion(d: dict[str, Any]) -> None:
    d["promotions"] = [promotion(0, datetime(2027, 1, 1, tzinfo=UTC)), promotion(1, datetime(2027, 1, 1, tzinfo=UTC))]
    d["promotions"][1]["ends_at"] = "2026-12-01T00:00:00Z"


def _zero_rate(d: dict[str, Any]) -> None:
    d["earn"]["currencies"]["CNY"]["minor_per_point"] = 0


def _unknown_field(d: dict[str, Any]) -> None:
    d["tiers"][1]["colour"] = "silver"


def _missing_field(d: dict[str, Any]) -> None:
    del d["expiry_days"]


@pytest.mark.parametrize(("change", "path"), [
    (_tier_unknown, "rewards.5.min_tier"), (_negative_points, "rewards.0.points"),
    (_duplicate_reward, "rewards.6.reward_id"), (_tiers_descending, "tiers.2.qualifying_points"),
    (_backwards_promotion, "promotions.1.ends_at"), (_zero_rate, "earn.currencies.CNY.minor_per_point"),
    (_unknown_field, "tiers.1.colour"), (_missing_field, "expiry_days"),
])
def test_an_invalid_document_is_refused_with_where_and_why_and_changes_nothing(
        moto_aws: None, change: Callable[[dict[str, Any]], None], path: str) -> None:
    document, revision = read()
    listed = revisions()
    invalid = copy.deepcopy(document)
    change(invalid)
    answer = put(invalid, revision)
    assert answer.status == 422, answer.body
    error = answer.body["error"]
    assert error["code"] == "INVALID_PROGRAM" and path in error["message"], error
    assert [d["path"] for d in error["details"]] == [path], error["details"]
    assert all(d["message"] for d in error["details"])
    assert read() == (document, revision) and revisions() == listed


def test_every_problem_is_listed(moto_aws: None) -> None:
    document, revision = read()
    for change in (_tier_unknown, _duplicate_reward, _tiers_descending):
        change(document)
    error = put(document, revision).body["error"]
    assert {d["path"] for d in error["details"]} == {"rewards.5.min_tier", "rewards.6.reward_id",
                                                      "tiers.2.qualifying_points"}, error
    assert "(and 2 more)" in error["message"]


def test_a_tier_that_members_hold_cannot_be_removed(moto_aws: None) -> None:
    enroll("m-1")  # a Member
    document, revision = read()
    renamed = copy.deepcopy(document)
    renamed["tiers"][0]["name"] = "Base"
    answer = put(renamed, revision)
    assert answer.status == 422 and answer.body["error"]["details"] == [
        {"path": "tiers", "message": "'Member' is the tier of 1 members: keep it (its threshold and multiplier may change)"}]
    without_platinum = copy.deepcopy(document)
    without_platinum["tiers"].pop()
    assert ok(put(without_platinum, revision), 200)["revision"] == revision + 1  # nobody holds it
    assert ok(call("GET", "/v1/members/m-1", **ADMIN), 200)["tier"] == "Member"


@pytest.mark.parametrize("body", [{"program": [], "revision": 1}, {"program": {}, "revision": "1"},
                                  {"program": {}}, {"revision": 1}, {"program": {}, "revision": 0}])
def test_a_malformed_request_is_invalid_request(moto_aws: None, body: dict[str, Any]) -> None:
    answer = call("PUT", "/v1/admin/program", body, **ADMIN)
    assert answer.status == 422 and answer.body["error"]["code"] == "INVALID_REQUEST", answer.body
    assert read()[1] == 1


def test_a_document_with_a_lone_surrogate_is_refused_not_a_server_error(moto_aws: None) -> None:
    document, revision = read()
    text = json.dumps({"program": document, "revision": revision}).replace('"Coffee"', '"Caf\\ud800"', 1)
    answer = call("PUT", "/v1/admin/program", raw=text, **ADMIN)
    assert answer.status == 422 and answer.body["error"]["details"][0]["path"] == "rewards.0.name", answer.body
    assert read() == (document, revision)


# --- size -----------------------------------------------------------------------------------------------------------

def test_a_program_of_500_rewards_and_50_promotions_round_trips(moto_aws: None) -> None:
    document = large_program()
    sent = json.dumps({"program": document, "revision": 1})
    assert 64 * 1024 < len(sent) < 1024 * 1024, len(sent)  # beyond every other route's limit
    body = ok(put(document, 1), 200)
    stored, revision = read()
    assert revision == 2 and stored == body["program"]
    assert len(stored["rewards"]) == 500 and len(stored["promotions"]) == 50
    assert [r["reward_id"] for r in stored["rewards"]] == [r["reward_id"] for r in document["rewards"]]
    assert ok(put(stored, 2), 200)["revision"] == 3  # what GET answers is a valid edit
    pages = catalog(100)
    assert [len(p) for p in pages] == [100] * 5
    assert [reward_id for page in pages for reward_id in page] == [r["reward_id"] for r in document["rewards"]]
    assert "promotions +50" in revisions()["items"][1]["summary"]


def test_a_body_over_1_mb_is_refused(moto_aws: None) -> None:
    document = program_document()
    document["rewards"][0]["name"] = "x" * (1024 * 1024)
    answer = put(document, 1)
    assert answer.status == 413 and answer.body["error"]["code"] == "PAYLOAD_TOO_LARGE", answer.body
    assert read()[1] == 1


def test_a_document_too_large_for_the_store_is_an_invalid_program(moto_aws: None) -> None:
    rng = random.Random(7)
    document = program_document()
    noise = base64.b64encode(rng.randbytes(600 * 1024)).decode()  # 800 KB that compress to about 600 KB
    document["rewards"][0]["name"] = noise
    answer = put(document, 1)
    assert answer.status == 422, answer.body
    error = answer.body["error"]
    assert error["code"] == "INVALID_PROGRAM" and "too large for the store" in error["details"][0]["message"], error
    assert read()[1] == 1


# --- revisions ------------------------------------------------------------------------------------------------------

def test_revisions_are_listed_newest_first_in_pages(moto_aws: None) -> None:
    document, revision = read()
    for n in range(4):
        document = ok(put(with_reward(document, f"r-{n}"), revision + n), 200)["program"]
    first = revisions(limit="2")
    assert [i["revision"] for i in first["items"]] == [5, 4]
    assert first["items"][0]["changed_by"] == "ops" and first["items"][0]["summary"] == "rewards +1 (r-3)"
    second = revisions(limit="2", cursor=first["next_cursor"])
    assert [i["revision"] for i in second["items"]] == [3, 2] and second["next_cursor"] is not None
    last = revisions(limit="2", cursor=second["next_cursor"])
    assert [i["revision"] for i in last["items"]] == [1] and last["next_cursor"] is None
    assert last["items"][0]["changed_by"] == "tests"
    assert all(datetime.fromisoformat(i["changed_at"]) <= datetime.now(UTC) for i in first["items"])


@pytest.mark.parametrize("cursor", ["0", "6", "-1", "abc", "1.5", "٣"])
def test_a_revisions_cursor_that_is_not_ours_is_invalid_request(moto_aws: None, cursor: str) -> None:
    answer = call("GET", "/v1/admin/program/revisions", query={"cursor": cursor}, **ADMIN)
    assert answer.status == 422 and answer.body["error"]["code"] == "INVALID_REQUEST", answer.body


# --- where the program is read from -----------------------------------------------------------------------------

def test_a_new_deployment_serves_the_shipped_program_until_the_first_admin_call_stores_it(moto_aws: None) -> None:
    dynamodb = boto3.client("dynamodb")
    for key in ("program", "program#1"):
        dynamodb.delete_item(TableName=os.environ["PROGRAM_TABLE"], Key={"pk": {"S": key}})
    program_source.forget()
    assert program_source.in_force().revision == 0
    assert program_source.current_program() == program_source.shipped_program()
    assert ok(call("GET", "/v1/program", sub=None), 200)["tiers"][0]["name"] == "Member"
    assert program_store.head() == 0  # readers never write
    listed = revisions()
    assert [(i["revision"], i["changed_by"]) for i in listed["items"]] == [(1, "seed")]
    assert read()[1] == 1


def test_another_containers_edit_is_seen_once_the_copy_is_older_than_the_cache_time(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-1")
    assert accrue("m-1", "t-1", 10_000) == 100
    document = program_document()
    document["earn"]["currencies"]["USD"]["minor_per_point"] = 25
    held = program_source.in_force()
    program_admin.install(document, "elsewhere", datetime.now(UTC))  # another container's PUT changes the store...
    monkeypatch.setattr(program_source, "_in_force", held)  # ...and this container still holds the revision before
    assert accrue("m-1", "t-2", 10_000) == 100
    later = held.checked_at + float(os.environ["PROGRAM_CACHE_SECONDS"]) + 1
    monkeypatch.setattr(program_source, "monotonic", lambda: later)
    assert accrue("m-1", "t-3", 10_000) == 400


def test_after_an_edit_an_accrual_is_still_one_read_and_one_transaction(
        moto_aws: None, api_calls: Counter[str]) -> None:
    document, revision = read()
    document["earn"]["currencies"]["USD"]["minor_per_point"] = 50
    ok(put(document, revision), 200)
    enroll("m-1")
    api_calls.clear()
    assert accrue("m-1", "t-1", 10_000) == 200  # the new rate, with no read of the program
    assert api_calls == {"GetItem": 1, "TransactWriteItems": 1}, api_calls


def test_put_program_installs_a_program_for_tests(moto_aws: None) -> None:
    document = program_document()
    document["welcome_points"] = 250
    assert put_program(document) == 2
    enroll("m-1")
    assert ok(call("GET", "/v1/members/m-1", **ADMIN), 200)["balance"]["available"] == 250
