"""A program document is checked whole before it is stored: pydantic's errors with their paths, then what no
single field can check. Every problem names where it is, so an editor can show it there."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from loyalty.domain.errors import ErrorCode, InvalidProgram
from loyalty.domain.program import Program, check, summarize, validate
from loyalty.platform import program_source
from tests.support.aws import ROOT, program_document

Change = Callable[[dict[str, Any]], None]


def problems(change: Change) -> list[tuple[str, str]]:
    document = program_document()
    change(document)
    with pytest.raises(InvalidProgram) as refused:
        validate(document)
    assert refused.value.code == ErrorCode.INVALID_PROGRAM
    return refused.value.details


def paths(change: Change) -> list[str]:
    return [path for path, _ in problems(change)]


def test_the_shipped_program_is_valid() -> None:
    program = validate(program_document())
    assert check(program) == [] and len(program.rewards) == 6


def test_the_layer_ships_program_default_json() -> None:
    """What a new deployment serves until its first revision is stored (sam build copies the link's target)."""
    shipped = program_source.SHIPPED
    assert shipped.is_symlink() and shipped.resolve() == (ROOT / "program" / "default.json").resolve()
    assert program_source.shipped_program() == validate(program_document())


def _set(path: str, value: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    return change


@pytest.mark.parametrize(("path", "value"), [
    ("rewards.2.points", 0), ("rewards.2.points", "a hundred"), ("rewards.0.type", "voucher"),
    ("tiers.1.multiplier", "lots"), ("earn.currencies.USD.minor_per_point", -1), ("activities.review.cap.count", 0),
    ("welcome_points", None), ("expiry_days", 1.5),
])
def test_a_schema_error_names_its_path(path: str, value: Any) -> None:
    assert paths(_set(path, value)) == [path]


def test_unknown_and_missing_fields_name_theirs() -> None:
    def change(document: dict[str, Any]) -> None:
        document["rewards"][1]["colour"] = "red"
        del document["tiers"][0]["multiplier"]
    assert sorted(paths(change)) == ["rewards.1.colour", "tiers.0.multiplier"]
    assert all(message for _, message in problems(change))


@pytest.mark.parametrize(("path", "value", "message"), [
    ("rewards.5.min_tier", "Diamond", "no tier is named 'Diamond'"),
    ("rewards.1.reward_id", "coffee", "'coffee' is already used by rewards.0"),
    ("rewards.1.reward_id", "five off", "an id is 1 to 64"),
    ("rewards.5.stock", -1, "must be from 0"),
    ("tiers.0.qualifying_points", 10, "the first tier starts at 0"),
    ("tiers.2.qualifying_points", 2000, "must be above the tier before (Silver: 2000)"),
    ("tiers.3.name", "Gold", "'Gold' is already used by tiers.2"),
    ("tiers.1.multiplier", "0", "a multiplier is above 0"),
    ("tiers.1.multiplier", "1E+6", "at most 1000"),
    ("earn.categories.promo", "-2", "a multiplier is above 0"),
    ("earn.currencies.CNY.minor_per_point", 10**10, "must be from 1 to"),
    ("expiry_days", 0, "must be from 1"),
    ("pending_days", 10**6, "must be from 0 to 36600"),
    ("welcome_points", -100, "must be from 0"),
    ("activities.checkin.cap.window_days", 0, "must be from 1"),
])
def test_what_no_single_field_can_check(path: str, value: Any, message: str) -> None:
    [(where, why)] = problems(_set(path, value))
    assert (where, message in why) == (path, True), why


def test_a_currency_an_activity_and_a_category_are_named_as_requests_name_them() -> None:
    def change(document: dict[str, Any]) -> None:
        document["earn"]["currencies"]["usd"] = {"minor_per_point": 100}
        document["earn"]["categories"]["private label"] = "2"
        document["activities"]["site visit"] = {"points": 1}
    assert sorted(paths(change)) == ["activities.site visit", "earn.categories.private label", "earn.currencies.usd"]


def test_at_least_one_tier_and_one_currency() -> None:
    def change(document: dict[str, Any]) -> None:
        document["tiers"] = []
        document["earn"]["currencies"] = {}
        for reward in document["rewards"]:
            reward.pop("min_tier", None)
    assert sorted(paths(change)) == ["earn.currencies", "tiers"]


def _promotion(**fields: Any) -> dict[str, Any]:
    base = {"promotion_id": "p-1", "name": "A promotion", "starts_at": "2027-01-01T00:00:00Z", "ends_at": "2027-02-01T00:00:00Z",
            "bonus_points": 10}
    return {**base, **fields}


@pytest.mark.parametrize(("promotion", "found"), [
    (_promotion(ends_at="2027-01-01T00:00:00Z"), ["promotions.0.ends_at"]),
    (_promotion(starts_at="2027-01-01T00:00:00"), ["promotions.0.starts_at"]),
    (_promotion(tiers=["Gold", "Bronze"]), ["promotions.0.tiers.1"]),
    (_promotion(multiplier="0"), ["promotions.0.multiplier"]),
    (_promotion(promotion_id="p 1"), ["promotions.0.promotion_id"]),
])
def test_promotions_are_checked_against_the_rest(promotion: dict[str, Any], found: list[str]) -> None:
    def change(document: dict[str, Any]) -> None:
        document["promotions"] = [promotion]
    assert paths(change) == found


def test_two_promotions_with_one_id() -> None:
    def change(document: dict[str, Any]) -> None:
        document["promotions"] = [_promotion(), _promotion()]
    assert problems(change) == [("promotions.1.promotion_id", "'p-1' is already used by promotions.0")]


def test_a_document_that_is_not_an_object() -> None:
    with pytest.raises(InvalidProgram) as refused:
        validate([1, 2])
    assert [path for path, _ in refused.value.details] == [""]
    assert refused.value.message.startswith("the program document is invalid: program: ")


def test_details_stop_at_100_and_the_message_counts_them_all() -> None:
    def change(document: dict[str, Any]) -> None:
        document["rewards"] = [{"reward_id": f"r-{n}", "type": "gift", "name": "x", "points": 0} for n in range(150)]
    found = problems(change)
    assert len(found) == 100
    document = program_document()
    change(document)
    with pytest.raises(InvalidProgram) as refused:
        validate(document)
    assert "(and 149 more)" in refused.value.message


def test_a_summary_names_what_changed() -> None:
    before = validate(program_document())
    document = copy.deepcopy(program_document())
    document["rewards"] = [r for r in document["rewards"] if r["reward_id"] != "coffee"]
    document["rewards"].append({"reward_id": "tea", "type": "gift", "name": "Tea", "points": 300})
    document["rewards"][0]["points"] = 1200
    document["welcome_points"] = 150
    document["activities"]["quiz"] = {"points": 30}  # an activity the shipped program does not have
    after = validate(document)
    assert summarize(before, after) == ("activities +1 (quiz); welcome_points 100 -> 150; "
                                        "rewards +1 (tea) -1 (coffee) ~1 (five-off)")
    assert summarize(before, before) == "no change"
    assert summarize(None, before) == "4 tiers, 6 rewards, 0 promotions, 0 challenges"


def test_a_summary_stays_one_line() -> None:
    before = validate(program_document())
    document = program_document()
    document["rewards"] += [{"reward_id": f"reward-with-a-long-name-{n}", "type": "gift", "name": "x", "points": 1}
                            for n in range(300)]
    document["version"] = "v" * 200
    summary = summarize(before, Program.model_validate(document))
    assert len(summary) <= 500 and "+300 (reward-with-a-long-name-0" in summary


def test_a_lone_surrogate_is_refused_where_it_is() -> None:
    def change(document: dict[str, Any]) -> None:
        document["rewards"][0]["name"] = "caf\ud800"
        document["activities"]["\udfff"] = {"points": 1}
    assert sorted(problems(change)) == [("activities.\\udfff", "a key that is not Unicode text"),
                                        ("rewards.0.name", "not Unicode text (a lone surrogate)")]


@pytest.mark.parametrize(("goal", "found"), [
    ({"activity": "dance", "count": 2}, ["challenges.0.goal.activity"]),
    ({"spend_minor": 5000, "currency": "GBP"}, ["challenges.0.goal.currency"]),
])
def test_a_challenge_goal_names_what_the_program_earns_on(goal: dict[str, Any], found: list[str]) -> None:
    def change(document: dict[str, Any]) -> None:
        document["challenges"] = [_challenge(goal)]
    assert paths(change) == found
    document = program_document()
    document["challenges"] = [_challenge({"activity": "review", "count": 2}),
                              {**_challenge({"spend_minor": 5000, "currency": "EUR"}), "challenge_id": "c-2"}]
    assert len(validate(document).challenges) == 2  # an activity it has, a currency that earns


def _challenge(goal: dict[str, Any]) -> dict[str, Any]:
    return {"challenge_id": "c-1", "name": "A challenge", "starts_at": "2027-01-01T00:00:00Z",
            "ends_at": "2027-02-01T00:00:00Z", "goal": goal, "window": "challenge", "bonus_points": 100}
