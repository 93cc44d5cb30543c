"""The sound devices: what they are, which are in use, choosing them, their levels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routing import ERRORS, command, json_response
from phonebar.api.schemas import Audio, AudioDevices, AudioResult, AudioStats, VolumeResult
from phonebar.domain.serialize import to_plain

router = APIRouter(prefix="/api/audio", tags=["audio"])

DeviceParam = Annotated[str | None, Query(description="a device id from /api/audio/devices, or `default`")]
LevelParam = Annotated[
    float | None, Query(ge=0.0, le=2.0, description="0.0 (silent) to 2.0; 1.0 = unchanged")
]


@router.get("", response_model=Audio, operation_id="audio", summary="The sound devices in use and levels")
async def audio(phone: PhoneDep) -> JSONResponse:
    return json_response(to_plain(phone.audio.view()))


@router.get(
    "/devices",
    response_model=AudioDevices,
    operation_id="audio_devices",
    summary="The input and output devices",
    responses=ERRORS,
)
async def devices(phone: PhoneDep) -> JSONResponse:
    return json_response(to_plain(await phone.audio.devices()))


@router.get(
    "/stats",
    response_model=AudioStats,
    operation_id="audio_stats",
    summary="Frames dropped and late, stalls, buffering and device latency",
)
async def stats(phone: PhoneDep) -> JSONResponse:
    return json_response(to_plain(phone.audio.stats()))


@command(
    router,
    "/select",
    name="audio_select",
    summary="Choose the microphone, speaker and ringing devices",
    response_model=AudioResult,
)
async def select(
    phone: PhoneDep,
    microphone: DeviceParam = None,
    speaker: DeviceParam = None,
    ringer: DeviceParam = None,
) -> JSONResponse:
    given = {"microphone": microphone, "speaker": speaker, "ringer": ringer}
    choices: dict[str, str | None] = {route: value for route, value in given.items() if value is not None}
    view = await phone.audio.select(choices)
    return json_response({"action": "select", "audio": to_plain(view)})


@command(
    router,
    "/volume",
    name="audio_volume",
    summary="Set the microphone, speaker and ringer levels",
    response_model=VolumeResult,
)
async def volume(
    phone: PhoneDep,
    microphone: LevelParam = None,
    speaker: LevelParam = None,
    ringer: LevelParam = None,
) -> JSONResponse:
    view = phone.audio.set_levels(microphone, speaker, ringer)
    return json_response({"action": "volume", "volume": to_plain(view.volume)})
