"""`make bench-local` works: its workload is answered by the real handlers, its clones are members the API reads.
Nothing here is timed (the benchmark prints timings; no test asserts one), and locust is not imported."""
from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest

from loyalty.storage.packing import pack_json, unpack_json
from scripts.bench_local import seed
from scripts.bench_local.workload import WEIGHTS, MemberPool, Request, Tally, Workload, enrollment, outcome, redemption
from tests.support.api import ADMIN
from tests.support.functions import call


def send(request: Request) -> tuple[int, Any]:
    """The benchmark's request, to the in-process handlers."""
    url = urlsplit(request.path)
    answer = call(request.method, url.path, request.body, sub=request.sub, scope=request.scope,
                  query=dict(parse_qsl(url.query)) or None)
    return answer.status, answer.body


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.mark.usefixtures("moto_aws")
def test_every_request_of_the_mixed_workload_is_accepted() -> None:
    pool, tally, seen = MemberPool(), Tally(), set()
    clients = [Workload(pool, random.Random(n), f"bench-{n}") for n in range(2)]
    first = [(client, "") for client in clients]  # "": no member yet, so the next step enrolls one
    for client, name in first + [(client, name) for name in WEIGHTS for client in clients]:
        for request in client.step(name) if name else client.next_step():
            client.answered(request, tally.count(request, *send(request)))
            seen.add(request.name)
    assert tally.errors == {}, tally.errors
    assert len(seen) == len(WEIGHTS) + 1  # every step, and the enrollment's credit
    assert len(clients[0].members) == 2  # its first member and the one its enroll step added


def test_a_clone_replaces_every_member_id_and_referral_code_and_drops_the_outbox() -> None:
    state = pack_json({"member_id": "m-old", "referral_code": "ABCD2345", "wallet": {}})
    template = seed.MemberItems("m-old", "ABCD2345", [
        (seed.MEMBERS, {"member_id": {"S": "m-old"}, "referral_code": {"S": "ABCD2345"}, "packed": {"B": state},
                        "outbox": {"S": '[["PointsAccrued", {"member_id": "m-old"}]]'}, "version": {"N": "3"}}),
        (seed.LEDGER, {"member_id": {"S": "m-old"}, "entry_key": {"S": "welcome#m-old"},
                       "tags": {"L": [{"M": {"who": {"S": "m-old"}}}, {"SS": ["m-old", "x"]}]}}),
    ])
    codes = seed.Codes(random.Random(1))
    first, second = (seed.clone_items(template, f"m-new-{n}", codes.new()) for n in range(2))
    members = [items[0][1] for items in (first, second)]
    assert "m-old" not in str(first) and "ABCD2345" not in str(first)
    assert "m-old" not in str(unpack_json(members[0]["packed"]["B"]))
    assert "outbox" not in members[0] and members[0]["version"] == {"N": "3"}
    assert unpack_json(members[0]["packed"]["B"])["member_id"] == "m-new-0"
    assert first[1][1]["entry_key"] == {"S": "welcome#m-new-0"}
    assert members[0]["referral_code"] != members[1]["referral_code"]
    assert unpack_json(members[0]["packed"]["B"])["referral_code"] == members[0]["referral_code"]["S"]


@pytest.mark.usefixtures("moto_aws")
def test_seeded_clones_are_members_the_api_reads_and_spends() -> None:
    done = seed.seed(dynamodb(), send, target=100, templates=2, rng=random.Random(7))
    counts = seed.count_items(dynamodb())
    assert done.clones >= 3 and sum(counts.values()) >= 100  # clone 2 exists
    assert counts == {table: seed.scan_count(dynamodb(), table) for table in counts}  # moto's ItemCount is live
    template, clone = seed.template_id(done.tag, 0), seed.clone_id(done.tag, 2)  # clone 2: template 0 in the second round
    original, copy = (send(Request("", "GET", f"/v1/members/{m}", *ADMIN.values()))[1] for m in (template, clone))
    assert {**copy, "member_id": template, "referral_code": original["referral_code"]} == original
    codes = {item["referral_code"]["S"] for page in dynamodb().get_paginator("scan").paginate(TableName=seed.MEMBERS)
             for item in page["Items"]}
    assert len(codes) == 2 + done.clones
    history = send(Request("", "GET", f"/v1/members/{clone}/transactions", clone))[1]["items"]
    assert [e["type"] for e in history][-1] == "accrual" and len(history) >= 3  # welcome, purchases, redemption
    credit = Request("", "POST", f"/v1/admin/members/{clone}/adjustments", *ADMIN.values(),
                     body={"adjustment_id": "a-1", "points": 100, "reason": "test"})
    assert send(credit)[0] == 201
    redeem = Request("", "POST", f"/v1/members/{clone}/redemptions", clone,
                     body={"redemption_id": "r-1", "reward_id": "charity-100"})
    assert send(redeem)[0] == 201
    stats = send(Request("", "GET", "/v1/admin/stats", *ADMIN.values()))[1]
    assert stats["members"] == 2 + done.clones


def test_only_an_expected_business_refusal_is_not_an_error() -> None:
    redeem, enroll = redemption("m-1"), enrollment("m-1")[0]
    refused = {"error": {"code": "INSUFFICIENT_POINTS", "message": "..."}}
    assert [outcome(redeem, 201, {}), outcome(redeem, 409, refused), outcome(enroll, 409, refused)] == \
        ["ok", "refused", "error"]
    assert outcome(redeem, 500, {"error": {"code": "INTERNAL_ERROR"}}) == outcome(redeem, 0, None) == "error"
