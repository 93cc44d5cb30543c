"""A PulseAudio "simple API" stream through ctypes (``libpulse-simple.so.0``, part of
libpulse, which PulseAudio and PipeWire desktops both have).

One stream records from a source or plays to a sink in blocking calls; ctypes
releases the GIL while they block, so a device thread waiting on the server
never holds up PJSIP's clock thread or the asyncio loop.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from phonebar.audio.stream_format import CALL_FORMAT, StreamFormat

PA_STREAM_PLAYBACK = 1
PA_STREAM_RECORD = 2
PA_SAMPLE_S16LE = 3
_UNSET = 0xFFFFFFFF  # (uint32_t) -1: let the server choose


class PulseError(OSError):
    """A PulseAudio call failed; the message is the server's."""


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    ]


def _load(name: str, soname: str) -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library(name) or soname)


_simple = _load("pulse-simple", "libpulse-simple.so.0")
_pulse = _load("pulse", "libpulse.so.0")
_int_p = ctypes.POINTER(ctypes.c_int)
_simple.pa_simple_new.restype = ctypes.c_void_p
_simple.pa_simple_new.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.POINTER(_SampleSpec),
    ctypes.c_void_p,
    ctypes.POINTER(_BufferAttr),
    _int_p,
]
_simple.pa_simple_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, _int_p]
_simple.pa_simple_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, _int_p]
_simple.pa_simple_flush.argtypes = [ctypes.c_void_p, _int_p]
_simple.pa_simple_get_latency.restype = ctypes.c_uint64
_simple.pa_simple_get_latency.argtypes = [ctypes.c_void_p, _int_p]
_simple.pa_simple_free.argtypes = [ctypes.c_void_p]
_pulse.pa_strerror.restype = ctypes.c_char_p
_pulse.pa_strerror.argtypes = [ctypes.c_int]


def _error(action: str, code: int) -> PulseError:
    text = _pulse.pa_strerror(code)
    return PulseError(f"{action}: {text.decode() if text else code}")


class PulseSimpleStream:
    """One playback or record stream. ``buffer_ms`` is the server-side latency asked for
    (the playback target length, or the record fragment size)."""

    def __init__(
        self,
        *,
        playback: bool,
        device: str | None,
        stream_name: str,
        fmt: StreamFormat = CALL_FORMAT,
        buffer_ms: int = 20,
        app_name: str = "phonebar",
        server: str | None = None,
    ) -> None:
        spec = _SampleSpec(PA_SAMPLE_S16LE, fmt.rate, fmt.channels)
        chunk = fmt.frame_bytes(buffer_ms)
        if playback:
            attr = _BufferAttr(_UNSET, chunk, _UNSET, fmt.frame_bytes(10), _UNSET)
        else:
            attr = _BufferAttr(_UNSET, _UNSET, _UNSET, _UNSET, chunk)
        error = ctypes.c_int(0)
        handle = _simple.pa_simple_new(
            server.encode() if server else None,
            app_name.encode(),
            PA_STREAM_PLAYBACK if playback else PA_STREAM_RECORD,
            device.encode() if device else None,
            stream_name.encode(),
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(error),
        )
        if not handle:
            raise _error(
                f"open {'playback' if playback else 'record'} stream on {device or 'default'}", error.value
            )
        self._handle: int | None = handle
        self.format = fmt
        self.playback = playback

    def read(self, size: int) -> bytes:
        buffer = ctypes.create_string_buffer(size)
        error = ctypes.c_int(0)
        if _simple.pa_simple_read(self._require(), buffer, size, ctypes.byref(error)) < 0:
            raise _error("read", error.value)
        return buffer.raw

    def write(self, data: bytes) -> None:
        error = ctypes.c_int(0)
        if _simple.pa_simple_write(self._require(), data, len(data), ctypes.byref(error)) < 0:
            raise _error("write", error.value)

    def flush(self) -> None:
        error = ctypes.c_int(0)
        _simple.pa_simple_flush(self._require(), ctypes.byref(error))

    def latency(self) -> float:
        """The server's latency for this stream, in seconds."""
        error = ctypes.c_int(0)
        usec = _simple.pa_simple_get_latency(self._require(), ctypes.byref(error))
        return float(usec) / 1e6

    def close(self) -> None:
        if self._handle is not None:
            _simple.pa_simple_free(self._handle)
            self._handle = None

    def _require(self) -> int:
        if self._handle is None:
            raise PulseError("the stream is closed")
        return self._handle
