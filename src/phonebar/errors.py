"""The one error tree of phonebar.

Every failure a caller can see is one of these classes. Each class carries the
HTTP status it maps to and a stable ``code`` a program can switch on; the API
maps them to JSON in one place (``api/errors.py``). This module imports only the
standard library so that every layer, the domain included, may raise from it.

    PhonebarError                     500 internal_error
    ├── BadInput                      400 invalid_request
    │   ├── InvalidNumber             400 invalid_number
    │   ├── MissingNumber             400 missing_number
    │   ├── InvalidDigits             400 invalid_digits
    │   └── InvalidSessionId          400 invalid_session_id
    ├── Unauthorized                  401 unauthorized
    ├── Forbidden                     403 forbidden
    ├── NotFound                      404 not_found
    │   ├── CallNotFound              404 call_not_found
    │   └── AudioDeviceNotFound       404 audio_device_not_found
    ├── MethodNotAllowed              405 method_not_allowed
    ├── UpgradeRequired               426 websocket_required
    ├── WrongState                    409 invalid_state
    │   ├── NoRingingCall             409 no_ringing_call
    │   ├── NoActiveCall              409 no_active_call
    │   ├── NeedTwoCalls              409 need_two_calls
    │   └── SameCall                  409 same_call
    ├── Unavailable                   503 unavailable
    │   ├── LineLimit                 503 line_limit
    │   ├── CallRateLimit             503 call_rate_limit
    │   ├── NotRegistered             503 not_registered
    │   ├── NoAccount                 503 no_account
    │   ├── EngineUnavailable         503 engine_unavailable
    │   └── AudioUnavailable          503 audio_unavailable
    ├── EngineError                   500 engine_error
    └── ConfigError                   (start-up only: the daemon refuses to start)
"""

from __future__ import annotations

from typing import Any, ClassVar


class PhonebarError(Exception):
    """Base of every phonebar error: an HTTP status, a stable code, a readable message."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may refine its class's code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update(self.details)
        return body


class BadInput(PhonebarError):
    status = 400
    code = "invalid_request"


class InvalidNumber(BadInput):
    code = "invalid_number"


class MissingNumber(BadInput):
    code = "missing_number"


class InvalidDigits(BadInput):
    code = "invalid_digits"


class InvalidSessionId(BadInput):
    code = "invalid_session_id"


class Unauthorized(PhonebarError):
    status = 401
    code = "unauthorized"


class Forbidden(PhonebarError):
    status = 403
    code = "forbidden"


class NotFound(PhonebarError):
    status = 404
    code = "not_found"


class CallNotFound(NotFound):
    code = "call_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no call with sessionId {session_id!r}", sessionId=session_id)


class AudioDeviceNotFound(NotFound):
    code = "audio_device_not_found"


class MethodNotAllowed(PhonebarError):
    status = 405
    code = "method_not_allowed"


class UpgradeRequired(PhonebarError):
    """A plain HTTP request to the WebSocket endpoint."""

    status = 426
    code = "websocket_required"


class WrongState(PhonebarError):
    """A command that does not fit the call's state; the message names the state."""

    status = 409
    code = "invalid_state"


class NoRingingCall(WrongState):
    code = "no_ringing_call"


class NoActiveCall(WrongState):
    code = "no_active_call"


class NeedTwoCalls(WrongState):
    code = "need_two_calls"


class SameCall(WrongState):
    code = "same_call"


class Unavailable(PhonebarError):
    status = 503
    code = "unavailable"


class LineLimit(Unavailable):
    code = "line_limit"


class CallRateLimit(Unavailable):
    """Too many calls started and ended within half a second (see PjsipEngine)."""

    code = "call_rate_limit"


class NotRegistered(Unavailable):
    code = "not_registered"


class NoAccount(Unavailable):
    code = "no_account"


class EngineUnavailable(Unavailable):
    code = "engine_unavailable"


class AudioUnavailable(Unavailable):
    """No sound server or device: the route works on null audio only."""

    code = "audio_unavailable"


class EngineError(PhonebarError):
    """An unexpected failure inside the SIP engine, with the engine's status number."""

    status = 500
    code = "engine_error"


class ConfigError(PhonebarError):
    """A configuration value is wrong; the message names the key and the problem."""

    code = "config_error"
