"""Bad bytes are bad input, in the handlers themselves (API Gateway hands them whatever a client sent): a body that
is not UTF-8, not JSON, nested beyond reason, with numbers beyond every bound, too large, or not sent as JSON
answers a 4xx with the error shape and changes nothing."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.api import SERVICE
from tests.support.functions import call, http_event, invoke

WRITE_ROUTES = ["/v1/members", "/v1/members/m-1/accruals", "/v1/members/m-1/accruals/t-1/reversals",
                "/v1/members/m-1/redemptions", "/v1/members/m-1/transfers", "/v1/admin/members/m-1/adjustments"]
PURCHASE = '{"transaction_id": "t-1", "kind": "purchase", "amount_minor": %s, "currency": "USD"}'

BAD: dict[str, tuple[str, bool, str, int, str]] = {  # body, base64, content type, status, code
    "not UTF-8": (base64.b64encode(b"\xff\xfe").decode(), True, "application/json", 422, "INVALID_REQUEST"),
    "broken base64": ("%%%", True, "application/json", 422, "INVALID_REQUEST"),
    "not JSON": ("{'a': 1}", False, "application/json", 422, "INVALID_REQUEST"),
    "a 5 000-digit number": (PURCHASE % ("9" * 5000), False, "application/json", 422, "INVALID_REQUEST"),
    "a 5 000-digit fraction": (PURCHASE % ("0." + "1" * 5000), False, "application/json", 422, "INVALID_REQUEST"),
    "NaN": (PURCHASE % "NaN", False, "application/json", 422, "INVALID_REQUEST"),
    "nested 5 000 deep": ('{"a": ' * 5_000 + "1" + "}" * 5_000, False, "application/json", 422, "INVALID_REQUEST"),
    "arrays nested 30 000 deep": ("[" * 30_000 + "]" * 30_000, False, "application/json", 422, "INVALID_REQUEST"),
    "nested 40 deep": ('{"a": ' * 40 + "1" + "}" * 40, False, "application/json", 422, "INVALID_REQUEST"),
    "an array": ("[1, 2]", False, "application/json", 422, "INVALID_REQUEST"),
    "over 64 KB": (json.dumps({"member_id": "m-9", "pad": "x" * 70_000}), False, "application/json", 413,
                   "PAYLOAD_TOO_LARGE"),
    "text/plain": ('{"member_id": "m-9"}', False, "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "multipart without boundary": ('{"member_id": "m-9"}', False, "multipart/form-data", 415,
                                   "UNSUPPORTED_MEDIA_TYPE"),
    "form": ("member_id=m-9", False, "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "a vendor JSON type": ('{"member_id": "m-9"}', False, "application/merge-patch+json", 415,
                           "UNSUPPORTED_MEDIA_TYPE"),
}


def send(route: str, body: str, is_base64: bool, content_type: str) -> Any:
    function, event = http_event("POST", route, raw=body, **SERVICE)
    event["isBase64Encoded"] = is_base64
    event["headers"]["content-type"] = content_type
    result = invoke(function, event)
    return result["statusCode"], json.loads(result["body"])


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_bytes_are_a_4xx_and_change_nothing(moto_aws: None, case: str) -> None:
    assert call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE).status == 201
    before = call("GET", "/v1/members/m-1/transactions", **SERVICE).body
    body, is_base64, content_type, status, code = BAD[case]
    for route in WRITE_ROUTES:
        answer = send(route, body, is_base64, content_type)
        assert answer[0] == status and answer[1]["error"]["code"] == code, (route, answer)
    assert call("GET", "/v1/members/m-1/transactions", **SERVICE).body == before
    assert call("GET", "/v1/members/m-9", **SERVICE).status == 404


def test_json_with_a_charset_or_no_content_type_is_json(moto_aws: None) -> None:
    for n, content_type in enumerate(["application/json; charset=utf-8", "Application/JSON", ""]):
        status, body = send("/v1/members", json.dumps({"member_id": f"m-{n}"}), False, content_type)
        assert status == 201 and body["member_id"] == f"m-{n}"


def test_a_body_sent_to_a_route_without_one_is_ignored(moto_aws: None) -> None:
    """The cancellation takes no body: whatever bytes come with it, it answers as without them."""
    assert call("POST", "/v1/members", {"member_id": "m-1"}, **SERVICE).status == 201
    status, body = send("/v1/members/m-1/redemptions/r-1/cancellation", base64.b64encode(b"\xff").decode(), True,
                        "text/plain")
    assert status == 404 and body["error"]["code"] == "REDEMPTION_NOT_FOUND"
