"""Seed the tables to a size fast: a few hundred real members made through the API, then cloned in moto.

Sending ~30 000 HTTP requests would take longer than the benchmark itself, so the real members ("templates")
give the items their realistic shapes and sizes (Members, Ledger), and each clone is a copy of one
template's items with every occurrence of its member id (keys, the member's packed state, the stored answers) and of its
referral code replaced, written straight to moto with BatchWriteItem. A clone carries no outbox and no figures: it
announces nothing and the analytics consumer counts nothing of it. The program's counters (reward stock, the
Analytics table's figures) grow by what the templates added, once per round of clones, so the admin figures stay
those of the members the tables hold."""
from __future__ import annotations

import math
import random
import string
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from loyalty.storage.packing import pack_text, unpack_text

from .workload import SERVICE, Request, enrollment, purchase, unique

MEMBERS, LEDGER, PROGRAM = "MembersTable", "LedgerTable", "ProgramTable"  # local names
ANALYTICS = "AnalyticsTable"
BATCH = 25  # BatchWriteItem's limit
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # the service's own referral code letters
CODE_LENGTH = 10  # the service makes 8: a clone's code can never equal a real member's
OUTBOX = "outbox"  # the transactional outbox attribute (loyalty.storage.models.MemberItem)
FIGURES = "figures"  # what a write adds to the analytics (the same item)
MARK = "applied#"  # the analytics' per-member marks (loyalty.storage.analytics_store): not counters
Counter = tuple[str, str, str, str]  # table, pk, sk ("" in the program table), attribute

Item = dict[str, dict[str, Any]]  # one DynamoDB item in the low-level (boto3 client) shape
Send = Callable[[Request], tuple[int, Any]]


def template_id(tag: str, n: int) -> str:
    return f"bench-{tag}-t{n:05d}"  # fixed width: no id is a substring of another


def clone_id(tag: str, n: int) -> str:
    return f"bench-{tag}-c{n:07d}"


def new_tag(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(4))


def template_steps(member_id: str, rng: random.Random) -> list[Request]:
    """A member with a history: enrolled (welcome 100), one to four purchases, a donation of the welcome points."""
    steps = enrollment(member_id, credit=0)
    steps += [purchase(member_id, rng) for _ in range(rng.randint(1, 4))]
    steps.append(Request("POST /v1/members/{id}/redemptions", "POST", f"/v1/members/{member_id}/redemptions",
                         *SERVICE, body={"redemption_id": unique("r"), "reward_id": "charity-100"}))
    return steps


def make_template(send: Send, member_id: str, rng: random.Random) -> None:
    for request in template_steps(member_id, rng):
        status, body = send(request)
        if not 200 <= status < 300:
            raise RuntimeError(f"seeding: {request.method} {request.path} answered {status}: {body}")


@dataclass
class MemberItems:
    member_id: str
    referral_code: str | None
    items: list[tuple[str, Item]]  # (table, item)


def query_all(dynamodb: Any, table: str, member_id: str) -> Iterator[Item]:
    kwargs: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "member_id = :m",
                              "ExpressionAttributeValues": {":m": {"S": member_id}}}
    while True:
        page = dynamodb.query(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def read_member(dynamodb: Any, member_id: str) -> MemberItems:
    member = dynamodb.get_item(TableName=MEMBERS, Key={"member_id": {"S": member_id}}, ConsistentRead=True)["Item"]
    items = [(MEMBERS, member)]
    items += [(LEDGER, item) for item in query_all(dynamodb, LEDGER, member_id)]
    code = member.get("referral_code", {}).get("S")
    return MemberItems(member_id, code, items)


def rewrite(value: dict[str, Any], swaps: list[tuple[str, str]]) -> dict[str, Any]:
    """An attribute value with every old string replaced, inside strings (JSON documents too), sets, lists, maps."""
    def text(s: str) -> str:
        for old, new in swaps:
            s = s.replace(old, new)
        return s

    (kind, inner), = value.items()
    if kind == "S":
        return {"S": text(inner)}
    if kind == "B":  # a packed document (loyalty.storage.packing): JSON, zlib-compressed
        return {"B": pack_text(text(unpack_text(inner)))}
    if kind == "SS":
        return {"SS": [text(s) for s in inner]}
    if kind == "L":
        return {"L": [rewrite(v, swaps) for v in inner]}
    if kind == "M":
        return {"M": {k: rewrite(v, swaps) for k, v in inner.items()}}
    return value


def clone_items(template: MemberItems, new_member_id: str, new_code: str) -> list[tuple[str, Item]]:
    swaps = [(template.member_id, new_member_id)]
    if template.referral_code:
        swaps.append((template.referral_code, new_code))
    return [(table, {name: rewrite(v, swaps) for name, v in item.items() if name not in (OUTBOX, FIGURES)})
            for table, item in template.items]


class Codes:
    """Fresh referral codes, never one handed out before in this run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def new(self) -> str:
        while (code := "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))) in self.taken:
            pass
        self.taken.add(code)
        return code


def write_items(dynamodb: Any, items: Iterable[tuple[str, Item]]) -> int:
    """BatchWriteItem, 25 at a time, until nothing is left unprocessed; the number written."""
    written, batch = 0, []
    for entry in items:
        batch.append(entry)
        if len(batch) == BATCH:
            written += _write_batch(dynamodb, batch)
            batch = []
    return written + (_write_batch(dynamodb, batch) if batch else 0)


def _write_batch(dynamodb: Any, batch: list[tuple[str, Item]]) -> int:
    request: dict[str, list[dict[str, Any]]] = {}
    for table, item in batch:
        request.setdefault(table, []).append({"PutRequest": {"Item": item}})
    while request:
        request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(batch)


def count_items(dynamodb: Any) -> dict[str, int]:
    """Items per table. moto computes DescribeTable's ItemCount from the table itself (`len(table)`), where
    DynamoDB refreshes it every few hours; a COUNT scan would page through moto's sorted table, quadratic in
    its size (tests/local_runner/test_bench_local.py checks that the two agree)."""
    return {table: dynamodb.describe_table(TableName=table)["Table"]["ItemCount"]
            for table in dynamodb.list_tables()["TableNames"]}


def scan_count(dynamodb: Any, table: str) -> int:
    """The items of a table, counted by scanning: slow on a large moto table, exact everywhere."""
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT")
    return sum(page["Count"] for page in pages)


def read_counters(dynamodb: Any) -> dict[Counter, int]:
    """The program's numbers: the program table's counters (`stock#<reward>`, budgets) and every figure of the
    Analytics table."""
    counters = {}
    for table in (PROGRAM, ANALYTICS):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                pk, sk = item["pk"]["S"], item.get("sk", {}).get("S", "")
                for name, value in item.items():
                    if "N" in value and not pk.startswith(MARK) and (table == ANALYTICS or name == "value"):
                        counters[(table, pk, sk, name)] = int(value["N"])
    return counters


def add_counters(dynamodb: Any, delta: dict[Counter, int], times: int) -> None:
    for (table, pk, sk, name), amount in delta.items():
        if amount and times:
            key = {"pk": {"S": pk}, **({"sk": {"S": sk}} if table == ANALYTICS else {})}
            dynamodb.update_item(TableName=table, Key=key, UpdateExpression="ADD #v :n",
                                 ExpressionAttributeNames={"#v": name},
                                 ExpressionAttributeValues={":n": {"N": str(amount * times)}})


@dataclass
class SeedReport:
    tag: str  # in every seeded member id
    templates: int
    clones: int
    items_written: int
    seconds: float


def make_templates(send: Send, ids: list[str], rng: random.Random, workers: int) -> None:
    seeds = [rng.random() for _ in ids]  # one generator per member: the threads share none
    if workers <= 1:
        for member_id, member_seed in zip(ids, seeds, strict=True):
            make_template(send, member_id, random.Random(member_seed))
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda i: make_template(send, ids[i], random.Random(seeds[i])), range(len(ids))))


def seed(dynamodb: Any, send: Send, target: int, templates: int, rng: random.Random, workers: int = 1,
         say: Callable[[str], None] = lambda _: None) -> SeedReport:
    """Make `templates` members through the API (`workers` at a time), then clone them in whole rounds until the
    tables hold at least `target` items; `say` hears of the progress."""
    started = time.monotonic()
    tag = new_tag(rng)
    ids = [template_id(tag, n) for n in range(templates)]
    before = read_counters(dynamodb)
    make_templates(send, ids, rng, workers)
    after = read_counters(dynamodb)
    with ThreadPoolExecutor(workers) as pool:
        originals = list(pool.map(lambda member_id: read_member(dynamodb, member_id), ids))
    per_round = sum(len(t.items) for t in originals)
    rounds = max(0, math.ceil((target - sum(count_items(dynamodb).values())) / per_round))
    say(f"{templates} members made in {time.monotonic() - started:.1f} s; {rounds} rounds of {per_round} cloned items")
    clones, written = write_clones(dynamodb, originals, tag, rounds, Codes(rng))
    add_counters(dynamodb, {key: after[key] - before.get(key, 0) for key in after}, rounds)
    return SeedReport(tag, templates, clones, written, time.monotonic() - started)


def write_clones(dynamodb: Any, originals: list[MemberItems], tag: str, rounds: int, codes: Codes) -> tuple[int, int]:
    """Each round clones every template once; the clones made and the items written."""
    clones, written = 0, 0
    for _ in range(rounds):
        batch = []
        for original in originals:
            batch += clone_items(original, clone_id(tag, clones), codes.new())
            clones += 1
        written += write_items(dynamodb, batch)
    return clones, written
