"""HJ 212-2017 framing and data segments, pure: no I/O, no database (docs/integrators.md, HJ 212).

A packet on the wire is ``##`` + the data segment's length in 4 decimal digits + the data segment +
its CRC in 4 hex digits + ``\\r\\n``. The data segment is ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&``;
the command parameters (CP) hold groups separated by ``;`` of ``name=value`` items separated by ``,``
(``DataTime=20261204083000;a21026-Avg=21.4,a21026-Flag=N``). The length has 4 digits, so a data segment
is at most 9999 characters and a whole packet at most ``MAX_PACKET`` bytes: the reader never holds more
than that for one packet.

The CRC is the standard's (annex A): over the data segment's bytes, register 0xFFFF, each byte XORed
into the register *after shifting it right by 8* (``reg = (reg >> 8) ^ byte``, which is where it differs
from CRC-16/MODBUS), then eight shifts, XOR 0xA001 when the bit shifted out is 1. The standard's own
example ``QN=20160801085857223;ST=32;CN=1062;…;CP=&&RtdInterval=30&&`` gives ``1C80``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from domain.clock import CHINA

HEADER = b"##"
TRAILER = b"\r\n"
MAX_SEGMENT = 9999  # four decimal digits
MAX_PACKET = len(HEADER) + 4 + MAX_SEGMENT + 4 + len(TRAILER)

# Commands (CN) this platform reads as data: what each is and how long a value's period is.
REALTIME, MINUTE, HOURLY, DAILY = "2011", "2051", "2061", "2031"
DATA_COMMANDS = frozenset({REALTIME, MINUTE, HOURLY, DAILY})
DATA_REPLY = "9014"  # 数据应答: the platform's reply to an upload whose Flag asks for one
REPLY_SYSTEM = "91"  # ST of system interaction (应答)
FLAG_ACK = 0b1  # Flag bit A: the sender wants a reply
FLAG_VERSION_2017 = 0b100  # Flag bits V5..V0 = 000001 for HJ 212-2017 (shifted past D and A)

# Reasons a packet is refused (the rejection table's ``reason``).
BAD_CRC = "bad_crc"
MALFORMED = "malformed"
UNKNOWN_MN = "unknown_mn"
WRONG_PASSWORD = "wrong_password"
UNKNOWN_POLLUTANT = "unknown_pollutant"
UNSUPPORTED = "unsupported_command"
REFUSED_READINGS = "refused_readings"
REASONS = (
    BAD_CRC,
    MALFORMED,
    UNKNOWN_MN,
    WRONG_PASSWORD,
    UNKNOWN_POLLUTANT,
    UNSUPPORTED,
    REFUSED_READINGS,
)

_MN = re.compile(r"[0-9A-Za-z_\-]{1,24}")
_CODE = re.compile(r"[0-9A-Za-z]{1,12}")


def crc16(data: bytes) -> int:
    """The CRC of HJ 212-2017 annex A over ``data`` (the data segment's bytes)."""
    register = 0xFFFF
    for byte in data:
        register = (register >> 8) ^ byte
        for _ in range(8):
            carry = register & 1
            register >>= 1
            if carry:
                register ^= 0xA001
    return register


def frame(segment: str) -> bytes:
    """The packet carrying ``segment``: header, length, segment, CRC, trailer."""
    data = segment.encode("ascii")
    if len(data) > MAX_SEGMENT:
        raise ValueError("an HJ 212 data segment is at most 9999 characters")
    return HEADER + b"%04d" % len(data) + data + b"%04X" % crc16(data) + TRAILER


@dataclass(frozen=True)
class Frame:
    """One packet cut from the stream: its data segment when the framing and CRC hold, else why not."""

    segment: bytes | None
    problem: str | None = None  # BAD_CRC or MALFORMED
    detail: str = ""


class FrameReader:
    """Cuts packets out of a TCP stream, holding at most ``MAX_PACKET`` bytes of an unfinished one.

    Bytes before a ``##`` are skipped (line noise, a modem's banner); a header whose length is not four
    digits, or a packet whose trailer is not ``\\r\\n``, is malformed and the reader looks for the next
    ``##`` after it.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                # Keep a trailing '#' that may start the next header; drop the rest.
                del self._buffer[: max(0, len(self._buffer) - 1)]
                return frames
            if start:
                del self._buffer[:start]
            if len(self._buffer) < 6:
                return frames
            digits = bytes(self._buffer[2:6])
            if not digits.isdigit():
                frames.append(Frame(None, MALFORMED, "length is not four digits"))
                del self._buffer[:2]
                continue
            length = int(digits)
            total = 6 + length + 4 + 2
            if len(self._buffer) < total:
                return frames
            packet = bytes(self._buffer[:total])
            if packet[-2:] != TRAILER:
                frames.append(Frame(None, MALFORMED, "the packet does not end with CR LF"))
                del self._buffer[:2]
                continue
            del self._buffer[:total]
            segment, crc_text = packet[6 : 6 + length], packet[6 + length : 6 + length + 4]
            try:
                declared = int(crc_text, 16)
            except ValueError:
                frames.append(Frame(None, MALFORMED, "the CRC is not four hex digits"))
                continue
            computed = crc16(segment)
            if declared != computed:
                detail = f"CRC {crc_text.decode('ascii', 'replace')}, computed {computed:04X}"
                frames.append(Frame(None, BAD_CRC, detail))
                continue
            frames.append(Frame(segment))


class PacketError(ValueError):
    """A data segment that does not follow the standard; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Packet:
    """A data segment read into its fields; ``values`` is code -> suffix -> text (``a21026`` -> ``Avg``)."""

    qn: str
    st: str
    cn: str
    pw: str
    mn: str
    flag: int | None
    data_time: datetime | None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def wants_reply(self) -> bool:
        return self.flag is not None and bool(self.flag & FLAG_ACK)


def parse(segment: bytes) -> Packet:
    """Read a data segment; ``PacketError`` names what is wrong."""
    try:
        text = segment.decode("ascii")
    except UnicodeDecodeError:
        raise PacketError(MALFORMED, "the data segment is not ASCII") from None
    marker = text.find("CP=&&")
    if marker < 0 or not text.endswith("&&") or len(text) < marker + 7:
        raise PacketError(MALFORMED, "no CP=&&…&& at the end of the data segment")
    head, body = text[:marker], text[marker + 5 : -2]
    fields: dict[str, str] = {}
    for part in head.split(";"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise PacketError(MALFORMED, f"field {part[:20]!r} has no '='")
        fields[name] = value
    for required in ("ST", "CN", "PW", "MN"):
        if not fields.get(required):
            raise PacketError(MALFORMED, f"{required} is missing")
    mn, cn, st = fields["MN"], fields["CN"], fields["ST"]
    if not _MN.fullmatch(mn):
        raise PacketError(MALFORMED, "MN is not 1 to 24 letters and digits")
    if not (cn.isdigit() and len(cn) == 4) or not (st.isdigit() and len(st) == 2):
        raise PacketError(MALFORMED, "CN must be 4 digits and ST 2")
    flag: int | None = None
    if fields.get("Flag"):
        if not fields["Flag"].isdigit() or int(fields["Flag"]) > 255:
            raise PacketError(MALFORMED, "Flag is not a number from 0 to 255")
        flag = int(fields["Flag"])
    qn = fields.get("QN", "")
    if qn and not (qn.isdigit() and len(qn) == 17):
        raise PacketError(MALFORMED, "QN is not 17 digits (yyyyMMddHHmmssSSS)")
    values: dict[str, dict[str, str]] = {}
    parameters: dict[str, str] = {}
    for group in body.split(";"):
        for item in group.split(","):
            if not item:
                continue
            name, sep, value = item.partition("=")
            if not sep:
                raise PacketError(MALFORMED, f"CP item {item[:20]!r} has no '='")
            code, dash, suffix = name.partition("-")
            if dash:
                if not _CODE.fullmatch(code) or not suffix:
                    raise PacketError(MALFORMED, f"CP item {name[:20]!r} is not code-suffix")
                values.setdefault(code, {})[suffix] = value
            else:
                parameters[name] = value
    data_time = None
    if "DataTime" in parameters:
        data_time = china_time(parameters["DataTime"])
        if data_time is None:
            raise PacketError(MALFORMED, "DataTime is not yyyyMMddHHmmss")
    return Packet(qn, st, cn, fields["PW"], mn, flag, data_time, values, parameters)


def china_time(text: str) -> datetime | None:
    """``yyyyMMddHHmmss`` (the station's clock: China time) as an aware datetime, or None."""
    if len(text) != 14 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
    except ValueError:
        return None


def data_reply(packet: Packet) -> bytes:
    """CN 9014, the data reply the standard asks of the platform for an upload with Flag bit A set."""
    qn = f"QN={packet.qn};" if packet.qn else ""
    return frame(f"{qn}ST={REPLY_SYSTEM};CN={DATA_REPLY};PW={packet.pw};MN={packet.mn};Flag=4;CP=&&&&")


def data_segment(
    *,
    qn: str,
    cn: str,
    pw: str,
    mn: str,
    data_time: datetime,
    values: dict[str, dict[str, str]],
    st: str = "31",
    flag: int = FLAG_VERSION_2017 | FLAG_ACK,
) -> str:
    """A station's upload, as a simulated station (the tests, the guide's example) builds one."""
    groups = [f"DataTime={data_time.astimezone(CHINA):%Y%m%d%H%M%S}"]
    groups += [
        ",".join(f"{code}-{suffix}={value}" for suffix, value in items.items())
        for code, items in values.items()
    ]
    return f"QN={qn};ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{';'.join(groups)}&&"
