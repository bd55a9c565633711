"""Read template.yaml: what it uses of CloudFormation (`!Ref`, `!Sub`, `!GetAtt`), SAM Globals and the events of its
functions (HttpApi, EventBridgeRule, Schedule, DynamoDB, SQS). Anything else fails loudly rather than being half-read."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT = "123456789012"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": "loyalty-local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_GET_ATT = {  # the attributes template.yaml reads
    ("AWS::SQS::Queue", "Arn"): "arn:aws:sqs:{region}:{account}:{name}",
    ("AWS::SQS::Queue", "QueueName"): "{name}",
    ("AWS::DynamoDB::Table", "StreamArn"): "arn:aws:dynamodb:{region}:{account}:table/{name}/stream/local",
    # nothing is distributed locally (the local run serves the consoles itself): a name that resolves nowhere
    ("AWS::CloudFront::Distribution", "DomainName"): "{name}.cloudfront.invalid",
}
PARAMETER_OVERRIDES = "LOYALTY_PARAMETER_OVERRIDES"  # "Key=Value Key2=Value2", as sam deploy --parameter-overrides


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader reading CloudFormation short tags: `!Ref x` -> {"Ref": x}, `!GetAtt a.b` -> {"Fn::GetAtt": [a, b]},
    any other `!Name v` -> {"Fn::Name": v}."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=_CfnLoader)  # a SafeLoader subclass
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a CloudFormation template")
    return doc


def deep_merge(base: Any, override: Any) -> Any:
    """SAM Globals semantics: maps merge, lists concatenate, scalars of the resource win."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + override
    return override


@dataclass
class Route:
    method: str  # upper case
    path: str  # "/v1/members/{member_id}"
    function: str
    auth_required: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Rule:
    """An EventBridgeRule or a Schedule event of a function."""

    name: str  # "<FunctionId>-<EventName>"
    function: str
    bus: str = "default"
    pattern: dict[str, Any] | None = None
    schedule: str | None = None  # "cron(...)" / "rate(...)"
    dlq: str | None = None  # logical id of the SQS queue

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{self.name}"


@dataclass
class StreamSource:
    """A DynamoDB stream event source mapping: the table's records, filtered, in batches to a function."""

    name: str  # "<FunctionId>-<EventName>"
    function: str
    table: str  # logical id of the table
    batch_size: int = 100
    filters: list[str] = field(default_factory=list)  # FilterCriteria patterns (JSON); none = every record
    report_item_failures: bool = False
    dlq: str | None = None  # logical id of the on-failure SQS queue


@dataclass
class QueueSource:
    """An SQS event source mapping: the queue's messages in batches to a function; the queue's redrive policy
    moves a message received `max_receives` times to its dead-letter queue."""

    name: str  # "<FunctionId>-<EventName>"
    function: str
    queue: str  # logical id of the queue
    batch_size: int = 10
    report_item_failures: bool = False
    dlq: str | None = None  # logical id of the redrive policy's dead-letter queue
    max_receives: int | None = None  # None: no redrive policy, retried until the message's retention ends


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


@dataclass(frozen=True)
class Cors:
    """An HTTP API's CorsConfiguration, resolved: what API Gateway answers a preflight with and adds to answers."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


class Template:
    def __init__(self, path: Path, overrides: dict[str, str] | None = None) -> None:
        self.path = path
        self.doc = load_yaml(path)
        self.resources: dict[str, dict[str, Any]] = self.doc.get("Resources") or {}
        specs: dict[str, Any] = self.doc.get("Parameters") or {}
        given = parse_overrides(os.environ.get(PARAMETER_OVERRIDES, "")) if overrides is None else overrides
        unknown = set(given) - set(specs)
        if unknown:
            raise ValueError(f"{PARAMETER_OVERRIDES}: the template has no parameter {', '.join(sorted(unknown))}")
        self.parameters: dict[str, Any] = {
            name: _parameter_value(spec, given.get(name, spec.get("Default", ""))) for name, spec in specs.items()
        }
        self.conditions: dict[str, Any] = self.doc.get("Conditions") or {}
        self.globals: dict[str, Any] = self.doc.get("Globals") or {}
        # Set by the runner: Ref values that are not names (a queue's URL).
        self.ref_values: dict[str, str] = {}

    # -- resources -------------------------------------------------------------------------------------------------
    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") in types}

    def properties(self, logical_id: str) -> dict[str, Any]:
        res = self.resources[logical_id]
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function":
            props = deep_merge(self.globals.get("Function") or {}, props)
        return props

    def _events(self, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(function, event name, event properties) of every function event of that type."""
        return [
            (lid, name, event.get("Properties") or {})
            for lid in self.of_type("AWS::Serverless::Function")
            for name, event in (self.properties(lid).get("Events") or {}).items()
            if event.get("Type") == kind
        ]

    def functions(self) -> dict[str, FunctionSpec]:
        specs = {}
        for lid in self.of_type("AWS::Serverless::Function"):
            props = self.properties(lid)
            env = self.resolve((props.get("Environment") or {}).get("Variables") or {})
            specs[lid] = FunctionSpec(
                logical_id=lid,
                code_dir=(self.path.parent / str(props["CodeUri"])).resolve(),
                handler=str(props.get("Handler", "app.handler")),
                timeout=int(props.get("Timeout", 3)),
                memory=int(props.get("MemorySize", 128)),
                environment={k: str(v) for k, v in env.items()},
            )
        return specs

    def routes(self) -> list[Route]:
        routes = []
        for lid, _, props in self._events("HttpApi"):
            api = _ref_target(props.get("ApiId"))
            default = (self.properties(api).get("Auth") or {}).get("DefaultAuthorizer") if api else None
            authorizer = (props.get("Auth") or {}).get("Authorizer", default)
            routes.append(Route(method=str(props["Method"]).upper(), path=str(props["Path"]), function=lid,
                                auth_required=bool(authorizer) and authorizer != "NONE"))
        return routes

    def cors(self) -> Cors | None:
        """The CorsConfiguration of the HTTP API (the template has one), or None when it has none."""
        for lid in self.of_type("AWS::Serverless::HttpApi"):
            config = self.resolve(self.properties(lid).get("CorsConfiguration"))
            if isinstance(config, dict):
                return _cors_of(config)
        return None

    def rules(self) -> list[Rule]:
        rules = []
        for kind in ("EventBridgeRule", "Schedule"):
            for lid, name, props in self._events(kind):
                if props.get("State") == "DISABLED":
                    continue
                rules.append(Rule(
                    name=f"{lid}-{name}",
                    function=lid,
                    bus=_bus_name(self.resolve(props.get("EventBusName"))),
                    pattern=props.get("Pattern"),
                    schedule=props.get("Schedule"),
                    dlq=_get_att_target((props.get("DeadLetterConfig") or {}).get("Arn")),
                ))
        return rules

    def stream_sources(self) -> list[StreamSource]:
        sources = []
        for lid, name, props in self._events("DynamoDB"):
            table = _get_att_target(props.get("Stream"))
            if table is None:
                raise ValueError(f"{lid}.{name}: only the stream of a table of the template (!GetAtt) can be emulated")
            on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            filters = (props.get("FilterCriteria") or {}).get("Filters") or []
            sources.append(StreamSource(
                name=f"{lid}-{name}", function=lid, table=table,
                batch_size=int(props.get("BatchSize", 100)),
                filters=[str(f["Pattern"]) for f in filters],
                report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                dlq=_get_att_target(on_failure),
            ))
        return sources

    def queue_sources(self) -> list[QueueSource]:
        sources = []
        for lid, name, props in self._events("SQS"):
            queue = _get_att_target(props.get("Queue"))
            if queue is None:
                raise ValueError(f"{lid}.{name}: only a queue of the template (!GetAtt Queue.Arn) can be emulated")
            redrive = (self.properties(queue).get("RedrivePolicy") or {})
            sources.append(QueueSource(
                name=f"{lid}-{name}", function=lid, queue=queue,
                batch_size=int(props.get("BatchSize", 10)),
                report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                dlq=_get_att_target(redrive.get("deadLetterTargetArn")),
                max_receives=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            ))
        return sources

    # -- intrinsic functions ---------------------------------------------------------------------------------------
    def name_of(self, logical_id: str) -> str:
        """Local physical name of a resource: its logical id."""
        return logical_id

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(x) for x in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self._ref(str(arg))
            if key == "Fn::GetAtt":
                return self._get_att(str(arg[0]), str(arg[1]))
            if key == "Fn::Sub" and isinstance(arg, str):
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_variable(m.group(1))), arg)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.resolve(then if self.condition(str(name)) else otherwise)
            if key in ("Fn::Equals", "Fn::Not", "Fn::Join", "Fn::Split"):
                return self._evaluate(key, arg)
            if key.startswith("Fn::"):
                raise ValueError(f"{self.path}: {key} is not read by the local run")
        return {k: self.resolve(v) for k, v in node.items()}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise ValueError(f"{self.path}: the condition {name} is not in the template's Conditions")
        return bool(self.resolve(self.conditions[name]))

    def _evaluate(self, key: str, arg: Any) -> Any:
        """The condition functions the template uses, Fn::Join and Fn::Split (a list from a string parameter)."""
        if key == "Fn::Equals":
            left, right = self.resolve(arg)
            return left == right
        if key == "Fn::Not":
            return not self.resolve(arg[0])
        separator, values = arg
        if key == "Fn::Split":
            return str(self.resolve(values)).split(str(separator))
        return str(separator).join(str(v) for v in self.resolve(values))

    def _sub_variable(self, name: str) -> Any:
        """`${Name}` is a Ref, `${Resource.Attribute}` a GetAtt."""
        if "." in name and name not in PSEUDO:
            target, attr = name.split(".", 1)
            return self._get_att(target, attr)
        return self._ref(name)

    def _ref(self, name: str) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.ref_values.get(name, self.name_of(name))

    def _get_att(self, target: str, attr: str) -> str:
        kind = str((self.resources.get(target) or {}).get("Type"))
        if (kind, attr) not in _GET_ATT:
            raise ValueError(f"{self.path}: !GetAtt {target}.{attr} is not read by the local run")
        return _GET_ATT[(kind, attr)].format(region=REGION, account=ACCOUNT, name=self.name_of(target))

def _cors_of(config: dict[str, Any]) -> Cors:
    def names(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in config.get(key) or [])

    max_age = config.get("MaxAge")
    return Cors(names("AllowOrigins"), names("AllowMethods"), names("AllowHeaders"), names("ExposeHeaders"),
                None if max_age is None else int(max_age), bool(config.get("AllowCredentials")))


def parse_overrides(text: str) -> dict[str, str]:
    """`Key=Value Key2=Value2` (sam deploy --parameter-overrides) -> {Key: Value}."""
    pairs = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{PARAMETER_OVERRIDES}: {item!r} is not Key=Value")
        pairs[key] = value
    return pairs


def _parameter_value(spec: dict[str, Any], value: Any) -> Any:
    """A CommaDelimitedList parameter is a list of strings once read, as CloudFormation hands it to !Ref."""
    if str(spec.get("Type", "")) == "CommaDelimitedList":
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v.strip() for v in str(value).split(",")] if str(value) else [""]
    return value


def _bus_name(value: Any) -> str:
    """A bus is named by its name or its ARN; absent means the default bus."""
    return str(value).rsplit("/", 1)[-1] if value else "default"


def _ref_target(value: Any) -> str | None:
    return str(value["Ref"]) if isinstance(value, dict) and "Ref" in value else None


def _get_att_target(value: Any) -> str | None:
    """The logical id in `!GetAtt Resource.Attribute`, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None
