"""Read template.yaml: CloudFormation short tags, intrinsic functions, SAM Globals and the bits the runner needs."""

from __future__ import annotations

import json
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
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/loyalty-local/local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()  # AWS::NoValue: the key or list item disappears


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader reading CloudFormation short tags: `!Ref x` -> {"Ref": x}, `!GetAtt a.b` -> {"Fn::GetAtt": [a, b]},
    `!Sub s` -> {"Fn::Sub": s}, and any other `!Name v` -> {"Fn::Name": v}."""


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
    if tag_suffix == "Condition":
        return {"Condition": value}
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
    method: str  # upper case, or "ANY"
    path: str  # "/v1/members/{member_id}" or "$default"
    function: str
    auth_required: bool
    scopes: list[str] = field(default_factory=list)

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class Rule:
    """An EventBridge rule (EventBridgeRule/CloudWatchEvent) or a schedule (Schedule/ScheduleV2) targeting a function."""

    name: str  # "<FunctionId>-<EventName>"
    function: str
    bus: str = "default"
    pattern: dict[str, Any] | None = None
    schedule: str | None = None  # "cron(...)" / "rate(...)"
    input: Any = None  # constant Input (parsed JSON) replacing the event
    input_path: str | None = None
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
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


class Template:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = load_yaml(path)
        self.resources: dict[str, dict[str, Any]] = self.doc.get("Resources") or {}
        self.parameters: dict[str, Any] = {
            name: spec.get("Default", "") for name, spec in (self.doc.get("Parameters") or {}).items()
        }
        self.globals: dict[str, Any] = self.doc.get("Globals") or {}
        # Set by the runner: physical names that differ from the logical id, and Ref values that are not names.
        self.local_names: dict[str, str] = {}
        self.ref_values: dict[str, str] = {}

    # -- resources -------------------------------------------------------------------------------------------------
    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") in types}

    def properties(self, logical_id: str) -> dict[str, Any]:
        res = self.resources[logical_id]
        props = res.get("Properties") or {}
        kind = res.get("Type", "")
        if kind.startswith("AWS::Serverless::"):
            props = deep_merge(self.globals.get(kind.removeprefix("AWS::Serverless::")) or {}, props)
        return props

    def functions(self) -> dict[str, FunctionSpec]:
        specs = {}
        for lid in self.of_type("AWS::Serverless::Function"):
            props = self.properties(lid)
            env = self.resolve((props.get("Environment") or {}).get("Variables") or {})
            specs[lid] = FunctionSpec(
                logical_id=lid,
                code_dir=(self.path.parent / str(self.resolve(props.get("CodeUri", ".")))).resolve(),
                handler=str(props.get("Handler", "app.handler")),
                timeout=int(self.resolve(props.get("Timeout", 3))),
                memory=int(self.resolve(props.get("MemorySize", 128))),
                environment={k: str(v) for k, v in env.items()},
            )
        return specs

    def routes(self) -> list[Route]:
        routes = []
        for lid in self.of_type("AWS::Serverless::Function"):
            for event in (self.properties(lid).get("Events") or {}).values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_auth = self._api_auth(props.get("ApiId"))
                auth = props.get("Auth") or {}
                authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
                routes.append(
                    Route(
                        method=str(props.get("Method", "ANY")).upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY"),
                        path=str(props.get("Path", "$default")),
                        function=lid,
                        auth_required=bool(authorizer) and authorizer != "NONE",
                        scopes=list(auth.get("AuthorizationScopes") or []),
                    )
                )
        return routes

    def _api_auth(self, api_id: Any) -> dict[str, Any]:
        if isinstance(api_id, dict) and "Ref" in api_id and api_id["Ref"] in self.resources:
            return self.properties(api_id["Ref"]).get("Auth") or {}
        return (self.globals.get("HttpApi") or {}).get("Auth") or {}

    def rules(self) -> list[Rule]:
        rules = []
        for lid in self.of_type("AWS::Serverless::Function"):
            for ev_name, event in (self.properties(lid).get("Events") or {}).items():
                kind = event.get("Type")
                props = self.resolve(event.get("Properties") or {})
                if kind not in ("EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"):
                    continue
                if props.get("Enabled") is False or props.get("State") == "DISABLED":
                    continue
                raw_input = props.get("Input")
                rule = Rule(
                    name=f"{lid}-{ev_name}",
                    function=lid,
                    bus=_bus_name(props.get("EventBusName")),
                    pattern=props.get("Pattern"),
                    schedule=props.get("Schedule") or props.get("ScheduleExpression"),
                    input=json.loads(raw_input) if isinstance(raw_input, str) else None,
                    input_path=props.get("InputPath"),
                    dlq=self._dlq(event.get("Properties") or {}),
                )
                rules.append(rule)
        return rules

    def stream_sources(self) -> list[StreamSource]:
        sources = []
        for lid in self.of_type("AWS::Serverless::Function"):
            for ev_name, event in (self.properties(lid).get("Events") or {}).items():
                props = event.get("Properties") or {}
                if event.get("Type") != "DynamoDB" or props.get("Enabled") is False:
                    continue
                table = _get_att_target(props.get("Stream"))
                if table is None:
                    continue  # only streams of the template's own tables can be emulated
                on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                filters = ((props.get("FilterCriteria") or {}).get("Filters")) or []
                sources.append(StreamSource(
                    name=f"{lid}-{ev_name}", function=lid, table=table,
                    batch_size=int(self.resolve(props.get("BatchSize", 100))),
                    filters=[str(f["Pattern"]) for f in filters if f.get("Pattern")],
                    report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    dlq=_get_att_target(on_failure),
                ))
        return sources

    def _dlq(self, props: dict[str, Any]) -> str | None:
        named = _get_att_target((props.get("DeadLetterConfig") or {}).get("Arn"))
        if named is not None:
            return named
        queues = [lid for lid in self.of_type("AWS::SQS::Queue") if "deadletter" in lid.lower() or "dlq" in lid.lower()]
        return queues[0] if queues else None

    # -- intrinsic functions ---------------------------------------------------------------------------------------
    def name_of(self, logical_id: str) -> str:
        """Local physical name of a resource: the logical id unless overridden (e.g. the SSM parameter name)."""
        return self.local_names.get(logical_id, logical_id)

    def resolve(self, node: Any) -> Any:
        value = self._resolve(node)
        return None if value is _NO_VALUE else value

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self._resolve(x) for x in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self._ref(str(arg))
            if key == "Fn::GetAtt":
                target, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self._get_att(str(target), str(attr))
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self._resolve(arg[1]))
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_var(m.group(1), variables)), text)
            if key == "Fn::Join":
                return str(arg[0]).join(str(x) for x in self._resolve(arg[1]))
            if key == "Fn::Select":
                return self._resolve(arg[1])[int(self._resolve(arg[0]))]
            if key == "Fn::If":
                return self._resolve(arg[1] if self._condition(arg[0]) else arg[2])
            if key == "Fn::ToJsonString":
                return json.dumps(self._resolve(arg), separators=(",", ":"))
        return {k: v for k, v in ((k, self._resolve(v)) for k, v in node.items()) if v is not _NO_VALUE}

    def _sub_var(self, name: str, variables: dict[str, Any]) -> Any:
        if name in variables:
            return variables[name]
        if "." in name and not name.startswith("AWS::"):
            target, attr = name.split(".", 1)
            return self._get_att(target, attr)
        return self._ref(name)

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.ref_values:
            return self.ref_values[name]
        return self.name_of(name)

    def _get_att(self, target: str, attr: str) -> str:
        kind = (self.resources.get(target) or {}).get("Type", "")
        name = self.name_of(target)
        if attr == "Arn":
            return {
                "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
                "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
                "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
                "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}",
            }.get(kind, f"arn:aws:local:{REGION}:{ACCOUNT}:{name}")
        return name

    def _condition(self, cond: Any) -> bool:
        if isinstance(cond, str):
            cond = (self.doc.get("Conditions") or {}).get(cond, False)
        if not isinstance(cond, dict):
            return bool(cond)
        (key, arg), = cond.items()
        if key == "Fn::Equals":
            return bool(str(self._resolve(arg[0])) == str(self._resolve(arg[1])))
        if key == "Fn::Not":
            return not self._condition(arg[0])
        if key == "Fn::And":
            return all(self._condition(c) for c in arg)
        if key == "Fn::Or":
            return any(self._condition(c) for c in arg)
        if key == "Condition":
            return self._condition(arg)
        return False


def _bus_name(value: Any) -> str:
    """A bus is named by its name or its ARN; absent means the default bus."""
    return str(value).rsplit("/", 1)[-1] if value else "default"


def _get_att_target(value: Any) -> str | None:
    """The logical id in `!GetAtt Resource.Attribute`, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None
