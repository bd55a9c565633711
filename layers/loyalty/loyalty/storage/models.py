"""PynamoDB models of the tables. Key shapes and indexes match template.yaml (tests build tables from it)."""
from __future__ import annotations

from typing import cast

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import MetaProtocol, Model

from ..platform.clients import RETRIES
from ..platform.settings import settings

SHARDS = 8  # due-date indexes are spread over this many partitions


_ENV = settings()


def table_meta(table_name: str) -> MetaProtocol:
    """A model's Meta for one of the tables (a class of its own per model: PynamoDB's metaclass writes to it)."""
    return cast(MetaProtocol, type("Meta", (), {"table_name": table_name, "region": _ENV.region, "host": _ENV.dynamodb_endpoint,
                             "max_retry_attempts": RETRIES}))


class ByReferralCode(GlobalSecondaryIndex["MemberItem"]):
    class Meta:
        index_name = "by_referral_code"
        projection = KeysOnlyProjection()

    referral_code = UnicodeAttribute(hash_key=True)


class ByExpiryDue(GlobalSecondaryIndex["MemberItem"]):
    """Keys only, as the two below: a member write copies nothing into them unless the due date itself changes
    (the clock then reads each due member consistently)."""

    class Meta:
        index_name = "by_expiry_due"
        projection = KeysOnlyProjection()

    expiry_shard = UnicodeAttribute(hash_key=True)
    expiry_due = UnicodeAttribute(range_key=True)


class ByReviewDue(GlobalSecondaryIndex["MemberItem"]):
    class Meta:
        index_name = "by_review_due"
        projection = KeysOnlyProjection()

    review_shard = UnicodeAttribute(hash_key=True)
    review_due = UnicodeAttribute(range_key=True)


class ByBirthday(GlobalSecondaryIndex["MemberItem"]):
    """Members with a birthday, by MM-DD: the points clock reads the day's birthdays only."""

    class Meta:
        index_name = "by_birthday"
        projection = KeysOnlyProjection()

    birthday_shard = UnicodeAttribute(hash_key=True)
    birthday = UnicodeAttribute(range_key=True)


class MemberItem(Model):
    """One item per member: its wallet (buckets by expiry date), tier and counters, packed (storage.packing)."""

    Meta = table_meta(_ENV.members_table)

    member_id = UnicodeAttribute(hash_key=True)
    packed = BinaryAttribute(legacy_encoding=False)  # the member's state (domain.member.MemberState)
    referral_code = UnicodeAttribute(null=True)  # absent once erased: gone from the referral-code index
    expiry_shard = UnicodeAttribute(null=True)
    expiry_due = UnicodeAttribute(null=True)  # soonest expiry date holding points: found by the points clock
    review_shard = UnicodeAttribute(null=True)
    review_due = UnicodeAttribute(null=True)  # next tier review date
    birthday_shard = UnicodeAttribute(null=True)
    birthday = UnicodeAttribute(null=True)  # MM-DD, set only for members with a birthday (sparse index)
    # the events of the write that produced this version, published from the table's stream (transactional outbox)
    outbox = UnicodeAttribute(null=True)
    # what the write adds to the program figures (JSON: day and counts), for the analytics consumer of the stream
    figures = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_referral_code = ByReferralCode()
    by_expiry_due = ByExpiryDue()
    by_review_due = ByReviewDue()
    by_birthday = ByBirthday()


class ByTime(LocalSecondaryIndex["LedgerItem"]):
    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    member_id = UnicodeAttribute(hash_key=True)
    posted_at = UnicodeAttribute(range_key=True)


LOT_FIELDS = ["lot", "lot_version"]  # what the release index projects besides the keys


class ByReleaseDue(GlobalSecondaryIndex["LedgerItem"]):
    """Pending lots by the day their hold ends: sparse, with the lot's own attributes only."""

    class Meta:
        index_name = "by_release_due"
        projection = IncludeProjection(LOT_FIELDS)

    release_shard = UnicodeAttribute(hash_key=True)
    release_due = UnicodeAttribute(range_key=True)


class LedgerItem(Model):
    """A ledger entry, keyed by its idempotency key: a second write of the same key cannot succeed. Its points,
    answer and detail never change; an entry that credited points also holds their lot (`lot`, versioned by
    `lot_version`), which a release or a reversal updates, so an accrual writes one item, not two."""

    Meta = table_meta(_ENV.ledger_table)

    member_id = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    points = NumberAttribute()
    posted_at = UnicodeAttribute()  # ISO time + key: unique and sortable for history
    reference = UnicodeAttribute()
    fingerprint = UnicodeAttribute(null=True)
    answer = BinaryAttribute(null=True, legacy_encoding=False)  # the stored answer, packed
    detail = BinaryAttribute(null=True, legacy_encoding=False)  # packed
    lot = BinaryAttribute(null=True, legacy_encoding=False)  # packed
    lot_version = NumberAttribute(null=True)
    release_shard = UnicodeAttribute(null=True)
    release_due = UnicodeAttribute(null=True)  # set while the lot is pending: found by the points clock
    by_time = ByTime()
    by_release_due = ByReleaseDue()


class CounterItem(Model):
    """Reward stock (`stock#<reward>`: units handed out), sharded program counters (`stats#<name>#<n>`) and
    promotion budgets (`budget#<promotion>#<slice>`: points drawn on the slice)."""

    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class ProgramHeadItem(Model):
    """`program`: the revision of the program document in force (small: readers check it every few seconds)."""

    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()


class ProgramRevisionItem(Model):
    """`program#<revision>`: one revision of the program document, never changed once written."""

    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    document = BinaryAttribute(legacy_encoding=False)  # the JSON document, zlib-compressed
    changed_at = UnicodeAttribute()
    changed_by = UnicodeAttribute()
    summary = UnicodeAttribute()


class ClaimItem(Model):
    """A key one member holds for good, in the program table (`receipt#<store_id>#<receipt id>`): written only if
    it does not exist yet, in the transaction of the accrual that claims it."""

    Meta = table_meta(_ENV.program_table)

    pk = UnicodeAttribute(hash_key=True)
    member_id = UnicodeAttribute()
    reference = UnicodeAttribute()


class ImportRunItem(Model):
    """`run` of an uploaded import: its checkpoint (the byte position and line reached in the file, the counts so
    far), advanced only on condition that the position is still the one the page started from."""

    Meta = table_meta(str(_ENV.imports_table))

    import_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True, default="run")
    status = UnicodeAttribute()  # running | done | failed
    file_key = UnicodeAttribute()
    etag = UnicodeAttribute()  # the file as started: a file replaced since is not read
    size = NumberAttribute()
    position = NumberAttribute(default=0)
    lines = NumberAttribute(default=0)
    imported = NumberAttribute(default=0)
    replayed = NumberAttribute(default=0)
    refused = NumberAttribute(default=0)
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)


class ImportRefusalItem(Model):
    """`refused#<line>`: a member of the file that was refused (written before the page's checkpoint, so a retried
    page writes the same item again)."""

    Meta = table_meta(str(_ENV.imports_table))

    import_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True)
    line = NumberAttribute()
    member_id = UnicodeAttribute(null=True)
    code = UnicodeAttribute()
    message = UnicodeAttribute()
