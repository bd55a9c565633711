"""Wire everything together: `start(...) -> Runner`, `Runner.stop()`."""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from . import aws, bus, snapshot
from .bus import EventBus
from .http_api import ApiApp, ApiHandler, Router
from .httpd import Server
from .lambda_api import LambdaApp, LambdaHandler
from .queues import QueuePump
from .runtime import Functions
from .scheduler import Scheduler
from .streams import StreamPump
from .template import REGION, StreamSource, Template

log = logging.getLogger("local")


@dataclass
class Runner:
    api_url: str
    lambda_url: str
    moto_url: str
    template: Template
    functions: Functions
    bus: EventBus
    streams: StreamPump
    _cleanup: ExitStack
    data_file: Path | None = None  # where the tables are saved; None: nothing is kept
    restored: int = 0  # items restored from data_file at start
    saver: snapshot.Saver | None = None
    queues: QueuePump | None = None  # the SQS event sources, delivered when a request ends as the streams are

    def stop(self) -> None:
        """Stop the servers and the schedules, save the tables (with a data dir), delete the tables and queues,
        restore os.environ."""
        self._cleanup.close()


def start(
    template_path: Path | str,
    root: Path | str,
    api_port: int = 3000,
    lambda_port: int = 3001,
    moto_port: int = 5055,
    *,
    host: str = "127.0.0.1",
    preload: bool = False,
    schedules: bool | None = None,
    data_dir: Path | None = None,
    save_every: float = snapshot.SAVE_EVERY_SECONDS,
) -> Runner:
    """Start moto, provision the template, serve the HTTP API and the Lambda/EventBridge endpoint. Port 0 = any.
    With a data_dir the tables start with the items saved there, and are saved there (see local/snapshot.py)."""
    root = Path(root).resolve()
    template = Template(Path(template_path).resolve())
    if schedules is None:
        schedules = os.environ.get("LOYALTY_SCHEDULES", "on").lower() not in ("off", "0", "false", "no")

    with ExitStack() as stack:  # unwinds everything if start-up fails half-way
        api_server = stack.enter_context(Server(host, api_port, ApiHandler, app=None))
        lambda_server = stack.enter_context(Server(host, lambda_port, LambdaHandler, app=None))
        moto, moto_url = aws.start_moto(moto_port, host)
        stack.callback(moto.stop)
        stack.callback(aws.deprovision, template, moto_url)
        aws.provision(template, moto_url)
        stack.enter_context(aws.in_process_dynamodb())
        # restored before anything queries the new tables; saved after the servers stop, before deprovision
        data_file, restored, saver = keep_data(template, data_dir, save_every, stack)

        previous_env = aws.set_environ(aws.handler_environment(template, moto_url, lambda_server.url))
        stack.callback(aws.restore_environ, previous_env)
        bus.install_depth_hook()
        stack.callback(bus.uninstall_depth_hook)
        log.debug("program revision %s in force", aws.seed_program(root))
        if aws.run_seed_hook():
            log.info("seeded by loyalty.local_seed.seed()")

        functions = Functions(template.functions())
        stack.callback(functions.unload)
        if preload:
            functions.preload()
        event_bus = EventBus(functions, template.rules(), template.ref_values, moto_url)
        bus.answer_in_process(event_bus)
        streams, queues = pumps(template, functions, event_bus, moto_url)
        api_server.app = ApiApp(Router(template.routes()), functions, template.cors(), root)
        lambda_server.app = LambdaApp(functions, event_bus)
        api_server.start()
        stack.callback(api_server.stop)
        lambda_server.start()
        stack.callback(lambda_server.stop)
        if schedules:
            scheduler = Scheduler(template.rules(), event_bus)
            scheduler.start()
            stack.callback(scheduler.stop)
        runner = Runner(api_server.url, lambda_server.url, moto_url, template, functions, event_bus, streams,
                        stack.pop_all(), data_file, restored, saver, queues)
    return runner


def keep_data(template: Template, data_dir: Path | None, save_every: float,
              stack: ExitStack) -> tuple[Path | None, int, snapshot.Saver | None]:
    """Restore the tables from data_dir and save them there from now on: (the file, items restored, the saver)."""
    if data_dir is None:
        return None, 0, None
    data_file = snapshot.snapshot_file(Path(data_dir).resolve())
    restored = snapshot.restore(template, data_file)
    saver = snapshot.Saver(template, data_file, save_every)
    saver.start()
    stack.callback(saver.stop)
    log.debug("data: %s (%d items restored)", data_file, restored)
    return data_file, restored, saver


def pumps(template: Template, functions: Functions, event_bus: EventBus,
          moto_url: str) -> tuple[StreamPump, QueuePump]:
    """Stream records and queued messages are delivered when a request ends: an HTTP request, a Lambda Invoke, a
    schedule's or a client's event. A delivery runs nested, so what it publishes, writes or sends is delivered
    before the request ends."""
    def invoke(function: str, event: dict[str, Any]) -> Any:
        with bus.delivering():
            return functions.invoke(function, event)

    def dead_letter(source: StreamSource, records: list[dict[str, Any]], reason: str) -> None:
        event_bus.send_to_queue(source.dlq, {"records": records}, {"ERROR_MESSAGE": reason[:256] or "failed",
                                                                   "SOURCE": source.name})

    def sqs() -> Any:
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=REGION)
        return session.client("sqs", endpoint_url=moto_url)

    streams = StreamPump(template.stream_sources(), template.name_of, invoke, dead_letter)
    queues = QueuePump(template.queue_sources(), template.name_of, invoke, sqs)

    def settle() -> int:
        """Until neither has anything left: a queued message's handling writes stream records, and back."""
        delivered = total = streams.settle() + queues.settle()
        while delivered:
            delivered = streams.settle() + queues.settle()
            total += delivered
        return total

    def after_request() -> None:
        if bus.current_depth() == 0:
            settle()

    functions.after_each_invocation(after_request)
    event_bus.after_delivery = settle
    return streams, queues
