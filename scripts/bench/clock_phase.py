"""The points clock (ExpireFunction) on a table of many members of which DUE have points due: expiries and releases
over rounds on successive days, a burst of one member's lots, and the one-due runs that time it."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from loyalty.domain.ledger import Lot
from loyalty.domain.member import MemberState
from loyalty.domain.wallet import Bucket, Wallet
from loyalty.platform.program_source import current_program
from scripts.bench.measuring import Bench, Figures
from scripts.bench.project import Event, progress
from scripts.bench.seeding import fresh_account, write_items

DUE = 100  # members (or lots) with points due in each points-clock round
CLOCK_START = datetime.combine(date.today() + timedelta(days=30), datetime.min.time(), UTC) + timedelta(minutes=5)
FAR = (date.today() + timedelta(days=200)).isoformat()  # an expiry date no clock run reaches


def scheduled_event(when: datetime) -> Event:
    return "ExpireFunction", {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/ExpireFunction"], "detail": {}}


def clock_member(n: int, buckets: dict[str, int], pending: int = 0) -> MemberState:
    wallet = Wallet(buckets={d: Bucket(credited=p) for d, p in buckets.items()}, pending=pending)
    return MemberState(member_id=f"m-{n:06d}", tier="Member", referral_code=f"C{n:07d}",
                       enrolled_at=CLOCK_START - timedelta(days=300), wallet=wallet,
                       lifetime=sum(buckets.values()) + pending)


def pending_lot(member_id: str, lot_id: str, available_at: datetime) -> Lot:
    return Lot(member_id, lot_id, "purchase", 10, available_at - timedelta(days=14), FAR, "pending",
               available_at=available_at, qualifying=True, amount_minor=1000, currency="USD")


def seed_expiry_round(when: datetime) -> None:
    """DUE members whose only expiry date is `when`'s day."""
    write_items([clock_member(n, {when.date().isoformat(): 100}) for n in range(DUE)], [], [])


def seed_release_round(when: datetime) -> None:
    """DUE other members, each holding one pending lot whose hold ended an hour before `when`."""
    members = [clock_member(n, {FAR: 100}, pending=10) for n in range(DUE, 2 * DUE)]
    write_items(members, [pending_lot(m.member_id, "accrual#held", when - timedelta(hours=1)) for m in members], [])


def seed_burst(when: datetime, lots: int) -> None:
    """One member with `lots` pending lots due at once: the clock's largest transactions."""
    member = clock_member(2 * DUE, {FAR: 100}, pending=10 * lots)
    write_items([member], [pending_lot(member.member_id, f"accrual#b{n}", when - timedelta(hours=1))
                           for n in range(lots)], [])


def clock_round(bench: Bench, figures: Figures, when: datetime, seed: Callable[[datetime], None]) -> None:
    """Seed what is due at `when` and run the clock: the first round is recorded, the others timed."""
    seed(when)
    if figures.calls:
        figures.cpu.append(bench.cpu(scheduled_event(when)))
        return
    figures.calls, report = bench.record(scheduled_event(when))
    if report["members"] + report["released_points"] == 0 or not report["complete"]:
        raise RuntimeError(f"the points clock did not find what was due at {when}: {report}")


def items_read_per_due(figures: Figures) -> float:
    """Every item the recorded clock run read (its index queries and any look-up), per item due."""
    return sum(c.items_read for c in figures.calls if c.service == "dynamodb") / figures.items


def one_due_runs(bench: Bench, expire: Figures, when: datetime) -> None:
    """The clock's CPU over --invocations runs, each with one member due (a new one each run, on the same day):
    per due member, an upper bound (each run's fixed cost, its queries of every index shard, on one member)."""
    expire.cpu, expire.cpu_items = [], 1
    for k in range(bench.invocations):
        write_items([clock_member(3 * DUE + k, {when.date().isoformat(): 100})], [], [])
        expire.cpu.append(bench.cpu(scheduled_event(when + timedelta(seconds=k))))


def clock_reads_at(bench: Bench, members: int) -> float:
    """Items the clock reads per due member on a table of `members` members, DUE of them due (one recorded run)."""
    with fresh_account():
        progress(f"points clock on {members} members: seeding")
        write_items([clock_member(n, {FAR: 100}) for n in range(members)], [], [])
        current_program()
        seed_expiry_round(CLOCK_START)
        run = Figures("points clock", "ExpireFunction", False, bench.record(scheduled_event(CLOCK_START))[0], items=DUE)
        return items_read_per_due(run)


def clock_phase(bench: Bench, members: int, rounds: int) -> tuple[list[Figures], Figures]:
    """Rounds on successive days: DUE members expire at 00:05, DUE pending lots are released at 12:05; then the
    one-due runs that time the clock."""
    with fresh_account():
        write_items([clock_member(n, {FAR: 100}) for n in range(members)], [], [])
        current_program()  # a warm container: the program document is cached
        expire = Figures("points clock: expire, per due member", "ExpireFunction", False, [], items=DUE, key="expire")
        release = Figures("points clock: release, per due lot", "ExpireFunction", False, [], items=DUE)
        for k in range(rounds):
            progress(f"points clock round {k + 1}/{rounds} on {members} members")
            clock_round(bench, expire, CLOCK_START + timedelta(days=k), seed_expiry_round)
            clock_round(bench, release, CLOCK_START + timedelta(days=k, hours=12), seed_release_round)
        when = CLOCK_START + timedelta(days=rounds + 1)
        seed_burst(when, 200)
        burst = Figures("points clock: 200 lots of one member", "ExpireFunction", False,
                        bench.record(scheduled_event(when))[0])
        progress(f"points clock: {bench.invocations} runs with one member due")
        one_due_runs(bench, expire, when + timedelta(days=1))
        return [expire, release], burst
