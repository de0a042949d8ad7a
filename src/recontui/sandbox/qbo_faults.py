"""QBO error bodies: JSON ``Fault`` for the API, lower-case gateway faults, XML throttles.

The three shapes differ on purpose (the real service answers from different layers), so
a connector that assumes one shape everywhere fails here as it would in production.
"""

from __future__ import annotations

from typing import Any


class QboFault(Exception):
    """A Fault the API layer answers with (HTTP status + one Error)."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        status: int = 400,
        fault_type: str = "ValidationFault",
        element: str = "",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status
        self.fault_type = fault_type
        self.element = element

    def body(self) -> dict[str, Any]:
        return {
            "Fault": {
                "Error": [
                    {
                        "Message": self.message,
                        "Detail": self.detail,
                        "code": self.code,
                        "element": self.element,
                    }
                ],
                "type": self.fault_type,
            }
        }


def required(element: str, detail: str | None = None) -> QboFault:
    return QboFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        detail or f"Required parameter {element} is missing in the request",
        element=element,
    )


def invalid_property(element: str, detail: str) -> QboFault:
    return QboFault("2010", "Request has invalid or unsupported property", detail, element=element)


def invalid_enum(element: str, value: object) -> QboFault:
    return QboFault(
        "2170", "Invalid Enumeration", f"Invalid Enumeration : {value}", element=element
    )


def invalid_reference(element: str, value: object) -> QboFault:
    return QboFault(
        "2500",
        "Invalid Reference Id",
        f"Invalid Reference Id : {element} assigned is {value}",
        element=element,
    )


def inactive_reference(element: str, value: object) -> QboFault:
    return QboFault(
        "610",
        "Object Not Found",
        f"Something you're trying to use has been made inactive. "
        f"Check the fields with accounts, customers, items, vendors or employees. "
        f"({element} {value})",
        element=element,
    )


def not_found(entity: str, ident: object) -> QboFault:
    return QboFault(
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive "
        f"or deleted. ({entity} Id {ident})",
    )


def stale(entity: str) -> QboFault:
    return QboFault(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and sandbox@example.com were working on this {entity} at "
        f"the same time. sandbox@example.com finished before you did, so your work was "
        f"not saved.",
    )


def duplicate_name(name: str) -> QboFault:
    return QboFault(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another customer, vendor, or employee is "
        f"already using this name ({name}). Please use a different name.",
    )


def unsupported(detail: str) -> QboFault:
    return QboFault("500", "Unsupported Operation", detail)


def business(detail: str, code: str = "6000") -> QboFault:
    return QboFault(
        code,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def query_parse(detail: str) -> QboFault:
    return QboFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QboFault:
    return QboFault("4001", "Invalid query", f"QueryValidationError: {detail}")


def gateway_401(detail: str) -> dict[str, Any]:
    return {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        }
    }


def gateway_403(detail: str) -> dict[str, Any]:
    return {
        "fault": {
            "error": [
                {
                    "message": "message=ApplicationAuthorizationFailed; errorCode=003100; "
                    "statusCode=403",
                    "detail": detail,
                    "code": "3100",
                }
            ],
            "type": "AUTHORIZATION",
        }
    }


def throttle_xml(time_text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time_text}">'
        '<Fault type="SERVICE"><Error code="3001">'
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        "<Detail>The request limit was reached.  Try again later</Detail>"
        "</Error></Fault></IntuitResponse>"
    ).encode()
