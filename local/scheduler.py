"""Fires the template's Schedule/ScheduleV2 events on their cron/rate expressions (UTC), from one daemon thread."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from .bus import EventBus
from .cron import next_fire
from .template import ACCOUNT, REGION, Rule

log = logging.getLogger("local.scheduler")


def scheduled_event(rule: Rule, at: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule.arn],
        "detail": {},
    }


class Scheduler:
    def __init__(self, rules: list[Rule], bus: EventBus) -> None:
        self.rules = [r for r in rules if r.schedule]
        self.bus = bus
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        for rule in self.rules:
            next_fire(str(rule.schedule), datetime.now(UTC))  # a bad expression fails the start, not later
        if self.rules:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        now = datetime.now(UTC)
        due = {rule.name: next_fire(str(rule.schedule), now) for rule in self.rules}
        while not self._stop.is_set():
            at = min(due.values())
            if self._stop.wait(max(0.0, (at - datetime.now(UTC)).total_seconds())):
                return
            for rule in self.rules:
                if due[rule.name] == at:
                    log.info("schedule %s (%s) fires for %s", rule.name, rule.schedule, at.isoformat())
                    event = scheduled_event(rule, at)
                    threading.Thread(target=self.bus.deliver, args=(rule, event), daemon=True).start()
                    due[rule.name] = next_fire(str(rule.schedule), at)
