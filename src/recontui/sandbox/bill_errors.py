"""BILL v3 errors: an HTTP 4xx/5xx whose body is a JSON array of error objects.

Codes come from BILL's published list (shared by v2 and v3); where BILL documents no
code for a situation the choice is marked [U] here and listed in the sandbox report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import bill_error_time


class BillError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        category: str = "REQUEST",
        severity: str = "ERROR",
    ) -> None:
        super().__init__(f"{code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.category = category
        self.severity = severity

    def body(self, now: datetime) -> list[dict[str, Any]]:
        return [
            {
                "timestamp": bill_error_time(now),
                "code": self.code,
                "severity": self.severity,
                "category": self.category,
                "message": self.message,
            }
        ]


def bad_param(message: str) -> BillError:
    """BDC_1002: unknown or malformed parameter (BILL's advice for this code)."""
    return BillError(400, "BDC_1002", message)


def missing(field: str) -> BillError:
    """A required field left out or blank, worded as a real organisation answers it
    ("email: must not be blank"); BILL documents no code for it, so BDC_1117 [U]."""
    return BillError(400, "BDC_1117", f"{field}: must not be blank")


def invalid_value(field: str, value: object) -> BillError:
    return BillError(400, "BDC_1119", f"Invalid field,value: {field}, {value}.")


def invalid_type(field: str) -> BillError:
    return BillError(400, "BDC_1124", f"Invalid field datatype: {field}.")


def invalid_param(param: str, value: object) -> BillError:
    return BillError(
        400, "BDC_1129", f"Invalid parameter value for parameter,value: {param}, {value}."
    )


def not_found(resource: str, ident: str) -> BillError:
    return BillError(404, "BDC_1120", f"No data found. ({resource} {ident})")


def not_supported(method: str, path: str) -> BillError:
    return BillError(404, "BDC_1121", f"API not supported. ({method} {path})")


def session_invalid() -> BillError:
    return BillError(401, "BDC_1109", "Session is invalid. Please log in.", category="DOWNSTREAM")


def concurrency() -> BillError:
    return BillError(429, "BDC_1322", "Max number of concurrent requests per organization reached.")


def hourly(limit: int | None) -> BillError:
    """BDC_1144 as https://developer.bill.com/docs/api-rate-limits shows it (category
    DOWNSTREAM); the HTTP status of it is not documented [U]: 429."""
    return BillError(
        429,
        "BDC_1144",
        f"Max number of allowed requests per hour reached: {limit}.",
        category="DOWNSTREAM",
    )


#: [U] BILL documents no codes for these; chosen from unused numbers and kept stable.
DUPLICATE_INVOICE = "BDC_1211"
DUPLICATE_BILL = "BDC_1212"
PERMISSION_DENIED = "BDC_1213"


def permission_denied(role: str) -> BillError:
    """The signed-in user's role lacks the permission: HTTP 403 (BILL's error page: 4XX
    "unauthorized, forbidden"); the code and the wording are on no vendor page [U]."""
    return BillError(
        403,
        PERMISSION_DENIED,
        f"The user's role ({role}) does not have permission for this operation.",
        category="APPLICATION",
    )


def duplicate(code: str, message: str) -> BillError:
    return BillError(400, code, message, category="APPLICATION")
