"""What a transfer answers."""
from __future__ import annotations

from .base import Answer
from .views import MemberView


class Transfer(Answer):
    transfer_id: str
    to_member_id: str
    points: int


class TransferAnswer(Answer):
    transfer: Transfer
    member: MemberView
