"""HJ 212-2017 framing, CRC and data segments, without a database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.clock import CHINA
from domain.ledgers.hj212 import protocol
from domain.ledgers.hj212.codes import readings_of
from domain.ledgers.hj212.protocol import FrameReader, PacketError, crc16, frame, parse

# The standard's example (HJ 212-2017 annex, setting the real-time interval): ##0101 … 1C80.
STANDARD_EXAMPLE = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


@pytest.mark.parametrize(
    ("segment", "crc"),
    [
        (STANDARD_EXAMPLE, 0x1C80),
        # Data replies published with stations' documentation (CN 9014 / 9011 answers).
        ("QN=20260706103512345;ST=91;CN=9014;PW=123456;MN=A110000_0001;Flag=8;CP=&&&&", 0x0140),
        ("QN=20201008154743635;ST=91;CN=9014;PW=123456;MN=SD000001;Flag=9;CP=&&QnRtn=1&&", 0x71C0),
    ],
)
def test_the_crc_matches_known_packets(segment, crc):
    assert crc16(segment.encode()) == crc


def test_a_packet_is_framed_as_the_standard_writes_it():
    assert frame(STANDARD_EXAMPLE) == f"##0101{STANDARD_EXAMPLE}1C80\r\n".encode()


def test_the_crc_is_not_modbus():
    # CRC-16/MODBUS of the same bytes differs: the standard shifts the register before the XOR.
    register = 0xFFFF
    for byte in STANDARD_EXAMPLE.encode():
        register ^= byte
        for _ in range(8):
            register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
    assert register != 0x1C80


def test_packets_split_across_reads_and_after_noise_are_cut_whole():
    packet = frame(STANDARD_EXAMPLE)
    reader = FrameReader()
    stream = b"AT+OK\r\n" + packet + packet
    frames = [f for i in range(0, len(stream), 7) for f in reader.feed(stream[i : i + 7])]
    assert [f.segment for f in frames] == [STANDARD_EXAMPLE.encode()] * 2
    assert reader.pending == 0


def test_a_wrong_crc_is_named_with_both_values():
    packet = frame(STANDARD_EXAMPLE).replace(b"1C80", b"1C81")
    [found] = FrameReader().feed(packet)
    assert found.segment is None and found.problem == protocol.BAD_CRC
    assert found.detail == "CRC 1C81, computed 1C80"


@pytest.mark.parametrize(
    ("packet", "detail"),
    [
        (b"##01x1QN=1;CP=&&&&1C80\r\n", "length is not four digits"),
        (b"##0005abcde1C80XX", "the packet does not end with CR LF"),
        (b"##0005abcdeZZZZ\r\n", "the CRC is not four hex digits"),
    ],
)
def test_broken_framing_is_malformed(packet, detail):
    frames = FrameReader().feed(packet)
    assert frames[0].problem == protocol.MALFORMED and frames[0].detail == detail


def test_the_reader_never_holds_more_than_one_packet():
    reader = FrameReader()
    for _ in range(100):
        reader.feed(b"x" * 65536)  # noise without a header
    assert reader.pending <= 1
    reader.feed(b"##9999" + b"y" * 50_000)  # a packet of the largest length, and more
    assert reader.pending <= 50_006
    reader = FrameReader()
    reader.feed(b"##9999" + b"y" * 5000)
    assert reader.pending <= protocol.MAX_PACKET


def test_a_data_segment_is_read_into_its_fields_and_values():
    segment = (
        "QN=20261204083000001;ST=31;CN=2061;PW=123456;MN=88888880000001;Flag=5;"
        "CP=&&DataTime=20261204080000;a21026-ZsAvg=21.5,a21026-Avg=18.2,a21026-Flag=N;a00000-Cou=150000&&"
    )
    packet = parse(segment.encode())
    assert (packet.qn, packet.st, packet.cn, packet.pw, packet.mn, packet.flag) == (
        "20261204083000001",
        "31",
        "2061",
        "123456",
        "88888880000001",
        5,
    )
    assert packet.wants_reply
    assert packet.data_time == datetime(2026, 12, 4, 8, 0, tzinfo=CHINA)
    assert packet.values["a21026"] == {"ZsAvg": "21.5", "Avg": "18.2", "Flag": "N"}
    reply = protocol.data_reply(packet).decode()
    assert (
        reply.startswith("##") and "QN=20261204083000001;ST=91;CN=9014;" in reply and reply.endswith("\r\n")
    )


@pytest.mark.parametrize(
    ("segment", "detail"),
    [
        ("QN=1;ST=31;CN=2061;PW=1;MN=X;Flag=5", "no CP=&&…&& at the end of the data segment"),
        ("ST=31;CN=2061;PW=1;Flag=5;CP=&&&&", "MN is missing"),
        ("ST=31;CN=20;PW=1;MN=X;CP=&&&&", "CN must be 4 digits and ST 2"),
        ("ST=31;CN=2061;PW=1;MN=X;CP=&&DataTime=20261340;a21026-Avg=1&&", "DataTime is not yyyyMMddHHmmss"),
        ("ST=31;CN=2061;PW=1;MN=X;CP=&&a21026Avg&&", "CP item 'a21026Avg' has no '='"),
    ],
)
def test_a_malformed_data_segment_says_what_is_wrong(segment, detail):
    with pytest.raises(PacketError) as raised:
        parse(segment.encode())
    assert raised.value.reason == protocol.MALFORMED and raised.value.detail == detail


def test_air_readings_take_the_converted_concentration_and_skip_invalid_flags():
    segment = (
        "QN=20261204083000001;ST=31;CN=2061;PW=1;MN=M1;Flag=5;CP=&&DataTime=20261204080000;"
        "a21026-ZsAvg=21.5,a21026-Avg=18.2,a21026-Cou=1.2,a21026-Flag=N;a21002-Avg=40,a21002-Flag=D;"
        "a34013-Avg=4;a00000-Cou=150000;a01012-Avg=120;01-Avg=3&&"
    )
    mapped = readings_of(
        parse(segment.encode()),
        outlet_code="DA001",
        medium="air",
        overrides={"01": ""},
        span=timedelta(hours=1),
    )
    by_pollutant = {r.pollutant: r for r in mapped.readings}
    assert set(by_pollutant) == {
        "SO2",
        "PM",
    }  # NOx flagged D (fault); temperature is no pollutant; 01 ignored
    assert by_pollutant["SO2"].concentration == 21.5 and by_pollutant["SO2"].quantity == 1.2
    assert by_pollutant["SO2"].flow_m3 == 150000
    assert by_pollutant["SO2"].period_end - by_pollutant["SO2"].measured_at == timedelta(hours=1)
    assert mapped.skipped == 1 and mapped.unknown_codes == []


def test_water_ph_is_dimensionless_and_unknown_codes_are_named():
    segment = (
        "ST=32;CN=2061;PW=1;MN=M1;CP=&&DataTime=20261204080000;w01001-Avg=7.2;w01018-Avg=45;"
        "w21003-Avg=2.1;w99999-Avg=1&&"
    )
    mapped = readings_of(
        parse(segment.encode()), outlet_code="DW001", medium="water", overrides={}, span=timedelta(hours=1)
    )
    units = {r.pollutant: r.unit for r in mapped.readings}
    assert units == {"PH": "dimensionless", "COD": "mg/L", "NH3N": "mg/L"}
    assert mapped.unknown_codes == ["w99999"]
