"""Unit tests of `mesh.mdp`: frames on the wire for MDP/0.1 (ZeroMQ RFC 7) and MDP/0.2 (RFC 18).

The expected frames are written out literally from the RFC texts, not built with `mesh.mdp`, so a
wrong constant in the module fails here. Every valid message must survive `frames()` -> `parse()`
unchanged; every invalid one must raise `ProtocolError` with the reason the broker counts it under.
"""

from __future__ import annotations

import pytest

from mesh import mdp
from mesh.mdp import (
    ClientCommand,
    ClientMessage,
    ProtocolError,
    WorkerCommand,
    WorkerMessage,
    capabilities,
    parse,
    service_name,
)

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the dev extra
    given = None

BODIES = [[], [b"hello"], [b"a", b"", b"\x00\xff" * 10]]
ADVERT = b"\x81\xa5slots\x02"  # msgpack {"slots": 2}


# --- round trips ------------------------------------------------------------------------------


def _client_messages() -> list[ClientMessage]:
    messages = []
    for delimited in (False, True):
        for body in BODIES:
            messages.append(ClientMessage(ClientCommand.REQUEST, b"echo", body, 1, delimited))
            for command in ClientCommand:
                messages.append(ClientMessage(command, b"lang:go+race", body, 2, delimited))
    return messages


def _worker_messages() -> list[WorkerMessage]:
    messages = []
    for version in (1, 2):
        for delimited in (False, True):
            kw = {"version": version, "delimited": delimited}
            messages += [
                WorkerMessage(WorkerCommand.READY, service=b"echo", **kw),
                WorkerMessage(WorkerCommand.READY, service=b"lang:go+race", body=[ADVERT], **kw),
                WorkerMessage(WorkerCommand.HEARTBEAT, **kw),
                WorkerMessage(WorkerCommand.DISCONNECT, **kw),
            ]
            commands = [WorkerCommand.REQUEST, WorkerCommand.FINAL]
            if version == 2:
                commands.append(WorkerCommand.PARTIAL)
            for command in commands:
                for body in BODIES:
                    messages.append(WorkerMessage(command, client=b"\x00k\x8b\x45\x67", body=body,
                                                  **kw))
    return messages


@pytest.mark.parametrize("message", _client_messages() + _worker_messages(), ids=repr)
def test_round_trip(message: mdp.Message) -> None:
    frames = message.frames()
    assert all(isinstance(frame, bytes) for frame in frames)
    assert (frames[0] == b"") is message.delimited
    assert parse(frames) == message
    assert parse(frames).frames() == frames


def test_every_command_is_covered_by_the_round_trips() -> None:
    seen = {(type(m), m.command, m.version) for m in _client_messages() + _worker_messages()}
    for command in ClientCommand:
        assert (ClientMessage, command, 2) in seen
    assert (ClientMessage, ClientCommand.REQUEST, 1) in seen
    for command in WorkerCommand:
        assert (WorkerMessage, command, 2) in seen
        if command is not WorkerCommand.PARTIAL:
            assert (WorkerMessage, command, 1) in seen


def test_v1_client_reply_is_a_request_on_the_wire() -> None:
    """RFC 7 clients have no command frame: a reply looks like a request; direction decides."""
    final = ClientMessage(ClientCommand.FINAL, b"echo", [b"x"], 1, True)
    request = ClientMessage(ClientCommand.REQUEST, b"echo", [b"x"], 1, True)
    assert final.frames() == request.frames()
    assert parse(final.frames()) == request


def test_v1_has_no_partial() -> None:
    with pytest.raises(ProtocolError) as exc:
        ClientMessage(ClientCommand.PARTIAL, b"echo", [], 1).frames()
    assert exc.value.reason == "unsupported"
    with pytest.raises(ProtocolError) as exc:
        WorkerMessage(WorkerCommand.PARTIAL, client=b"c", version=1).frames()
    assert exc.value.reason == "unsupported"


# --- exact wire frames (RFC 7, RFC 18) ---------------------------------------------------------


def test_rfc7_client_frames() -> None:
    # Frame 0: empty (REQ emulation), 1: "MDPC01", 2: service name, 3+: body.
    msg = ClientMessage(ClientCommand.REQUEST, b"echo", [b"a", b"b"], 1, True)
    assert msg.frames() == [b"", b"MDPC01", b"echo", b"a", b"b"]
    # A reply has the same layout.
    msg = ClientMessage(ClientCommand.FINAL, b"echo", [b"r"], 1, True)
    assert msg.frames() == [b"", b"MDPC01", b"echo", b"r"]
    # Sent by a REQ socket, the delimiter is added by ZeroMQ, so we also accept it without.
    assert parse([b"MDPC01", b"echo", b"a"]) == ClientMessage(
        ClientCommand.REQUEST, b"echo", [b"a"], 1, False)


@pytest.mark.parametrize(("message", "frames"), [
    (WorkerMessage(WorkerCommand.READY, service=b"echo", version=1, delimited=True),
     [b"", b"MDPW01", b"\x01", b"echo"]),
    (WorkerMessage(WorkerCommand.REQUEST, client=b"C", body=[b"q"], version=1, delimited=True),
     [b"", b"MDPW01", b"\x02", b"C", b"", b"q"]),
    (WorkerMessage(WorkerCommand.FINAL, client=b"C", body=[b"r1", b"r2"], version=1,
                   delimited=True),
     [b"", b"MDPW01", b"\x03", b"C", b"", b"r1", b"r2"]),  # REPLY
    (WorkerMessage(WorkerCommand.HEARTBEAT, version=1, delimited=True),
     [b"", b"MDPW01", b"\x04"]),
    (WorkerMessage(WorkerCommand.DISCONNECT, version=1, delimited=True),
     [b"", b"MDPW01", b"\x05"]),
], ids=["READY", "REQUEST", "REPLY", "HEARTBEAT", "DISCONNECT"])
def test_rfc7_worker_frames(message: WorkerMessage, frames: list[bytes]) -> None:
    assert message.frames() == frames
    assert parse(frames) == message


@pytest.mark.parametrize(("message", "frames"), [
    (ClientMessage(ClientCommand.REQUEST, b"echo", [b"q"]), [b"MDPC02", b"\x01", b"echo", b"q"]),
    (ClientMessage(ClientCommand.PARTIAL, b"echo", [b"p"]), [b"MDPC02", b"\x02", b"echo", b"p"]),
    (ClientMessage(ClientCommand.FINAL, b"echo", [b"f"]), [b"MDPC02", b"\x03", b"echo", b"f"]),
], ids=["REQUEST", "PARTIAL", "FINAL"])
def test_rfc18_client_frames(message: ClientMessage, frames: list[bytes]) -> None:
    assert message.frames() == frames
    assert parse(frames) == message


@pytest.mark.parametrize(("message", "frames"), [
    (WorkerMessage(WorkerCommand.READY, service=b"echo"), [b"MDPW02", b"\x01", b"echo"]),
    (WorkerMessage(WorkerCommand.READY, service=b"echo", body=[ADVERT]),
     [b"MDPW02", b"\x01", b"echo", ADVERT]),
    (WorkerMessage(WorkerCommand.REQUEST, client=b"C", body=[b"q"]),
     [b"MDPW02", b"\x02", b"C", b"", b"q"]),
    (WorkerMessage(WorkerCommand.PARTIAL, client=b"C", body=[b"p"]),
     [b"MDPW02", b"\x03", b"C", b"", b"p"]),
    (WorkerMessage(WorkerCommand.FINAL, client=b"C", body=[b"f"]),
     [b"MDPW02", b"\x04", b"C", b"", b"f"]),
    (WorkerMessage(WorkerCommand.HEARTBEAT), [b"MDPW02", b"\x05"]),
    (WorkerMessage(WorkerCommand.DISCONNECT), [b"MDPW02", b"\x06"]),
], ids=["READY", "READY+advert", "REQUEST", "PARTIAL", "FINAL", "HEARTBEAT", "DISCONNECT"])
def test_rfc18_worker_frames(message: WorkerMessage, frames: list[bytes]) -> None:
    assert message.frames() == frames
    assert parse(frames) == message


def test_rfc18_request_with_empty_body() -> None:
    msg = parse([b"MDPW02", b"\x02", b"C", b""])
    assert msg == WorkerMessage(WorkerCommand.REQUEST, client=b"C", body=[])


def test_delimited_form_remembered_for_replies() -> None:
    msg = parse([b"", b"MDPC02", b"\x01", b"echo"])
    assert isinstance(msg, ClientMessage)
    assert msg.delimited and msg.version == 2
    assert parse([b"MDPW01", b"\x04"]) == WorkerMessage(WorkerCommand.HEARTBEAT, version=1)


def test_constants_match_the_rfcs() -> None:
    assert (mdp.CLIENT_V1, mdp.WORKER_V1) == (b"MDPC01", b"MDPW01")
    assert (mdp.CLIENT_V2, mdp.WORKER_V2) == (b"MDPC02", b"MDPW02")
    # RFC 8 (MMI)
    assert mdp.MMI_SERVICE == b"mmi.service"
    assert (mdp.MMI_FOUND, mdp.MMI_NOT_FOUND, mdp.MMI_NOT_IMPLEMENTED) == (b"200", b"404", b"501")


# --- malformed input ------------------------------------------------------------------------------


@pytest.mark.parametrize(("frames", "reason"), [
    ([], "empty"),
    ([b""], "empty"),
    ([b"MDPX01", b"echo"], "unknown-protocol"),
    ([b"", b"HTTP/1.1", b"GET"], "unknown-protocol"),
    ([b"", b"", b"MDPC02"], "unknown-protocol"),
    ([b"mdpc02", b"\x01", b"echo"], "unknown-protocol"),
    ([b"MDPC01"], "truncated"),
    ([b"", b"MDPC01"], "truncated"),
    ([b"MDPC02"], "truncated"),
    ([b"MDPC02", b"\x01"], "truncated"),
    ([b"MDPC02", b"\x04", b"echo"], "unknown-command"),
    ([b"MDPC02", b"\x00", b"echo"], "unknown-command"),
    ([b"MDPC02", b"\x01\x00", b"echo"], "unknown-command"),
    ([b"MDPW02"], "truncated"),
    ([b"", b"MDPW01"], "truncated"),
    ([b"MDPW02", b"\x07"], "unknown-command"),
    ([b"MDPW02", b""], "unknown-command"),
    ([b"", b"MDPW01", b"\x06"], "unknown-command"),  # 0x06 is DISCONNECT in 0.2 only
    ([b"MDPW02", b"\x01"], "truncated"),  # READY without service
    ([b"", b"MDPW01", b"\x01"], "truncated"),
    ([b"MDPW02", b"\x01", b""], "truncated"),  # READY with an empty service name
    ([b"MDPW02", b"\x02", b"C", b"body"], "truncated"),  # REQUEST without delimiter
    ([b"MDPW02", b"\x02", b"C"], "truncated"),
    ([b"MDPW02", b"\x02", b"", b""], "truncated"),  # no client address
    ([b"MDPW02", b"\x03", b"C"], "truncated"),  # PARTIAL
    ([b"MDPW02", b"\x04", b"C", b"x", b""], "truncated"),  # FINAL, delimiter misplaced
    ([b"", b"MDPW01", b"\x03", b"C", b"r"], "truncated"),  # REPLY without delimiter
    ([b"MDPW02", b"\x05", b"extra"], "malformed"),  # HEARTBEAT with extra frames
    ([b"", b"MDPW01", b"\x04", b""], "malformed"),
    ([b"MDPW02", b"\x06", b"x", b"y"], "malformed"),  # DISCONNECT with extra frames
])
def test_malformed(frames: list[bytes], reason: str) -> None:
    with pytest.raises(ProtocolError) as exc:
        parse(frames)
    assert exc.value.reason == reason
    assert isinstance(exc.value, ValueError)


def test_protocol_error_message() -> None:
    assert str(ProtocolError("truncated", "READY")) == "truncated: READY"
    assert str(ProtocolError("empty")) == "empty"


# --- capabilities -------------------------------------------------------------------------------


def test_capabilities() -> None:
    assert capabilities(b"lang:go+tool:go+race") == {"lang:go", "tool:go", "race"}
    assert capabilities("lang:go+race") == {"lang:go", "race"}
    assert capabilities(b"echo") == {"echo"}
    assert capabilities(b"") == frozenset()
    assert capabilities(b"+a++b+") == {"a", "b"}
    assert isinstance(capabilities(b"echo"), frozenset)
    assert capabilities(b"\xff+ok") == {"\ufffd", "ok"}  # never raises on bad UTF-8


def test_service_name() -> None:
    assert service_name({"race", "lang:go", "tool:go"}) == b"lang:go+race+tool:go"
    assert service_name(frozenset({"echo"})) == b"echo"
    assert service_name(set()) == b""
    caps = frozenset({"lang:rust", "tool:cargo", "x"})
    assert capabilities(service_name(caps)) == caps
    # canonical: independent of the order the capabilities were written in
    assert service_name(capabilities(b"b+a")) == service_name(capabilities(b"a+b"))


# --- property tests -------------------------------------------------------------------------------

if given is not None:
    _interesting = st.sampled_from([
        b"", b"MDPC01", b"MDPC02", b"MDPW01", b"MDPW02", b"\x00", b"\x01", b"\x02", b"\x03",
        b"\x04", b"\x05", b"\x06", b"\x07", b"echo", b"mmi.service", b"C", ADVERT,
    ])
    _frame = st.one_of(_interesting, st.binary(max_size=24))
    _frames = st.lists(_frame, max_size=8)

    @settings(max_examples=2000, deadline=None)
    @given(_frames)
    def test_parse_raises_only_protocol_error(frames: list[bytes]) -> None:
        try:
            message = parse(frames)
        except ProtocolError as exc:
            assert exc.reason in {"empty", "unknown-protocol", "truncated", "unknown-command",
                                  "malformed"}
            return
        # whatever parses is re-encoded to exactly the frames it came from
        assert message.frames() == frames
        assert parse(message.frames()) == message

    _caps = st.frozensets(st.text(min_size=1, max_size=8).filter(lambda s: "+" not in s),
                          max_size=5)

    @given(_caps)
    def test_service_name_round_trip(caps: frozenset[str]) -> None:
        assert capabilities(service_name(caps)) == caps

    @given(st.sampled_from(_client_messages() + _worker_messages()),
           st.lists(st.binary(max_size=16), max_size=3))
    def test_round_trip_any_body(message: mdp.Message, body: list[bytes]) -> None:
        if isinstance(message, WorkerMessage) and message.command in (
                WorkerCommand.HEARTBEAT, WorkerCommand.DISCONNECT):
            return
        if isinstance(message, WorkerMessage) and message.command is WorkerCommand.READY:
            message = WorkerMessage(message.command, service=message.service, body=body,
                                    version=message.version, delimited=message.delimited)
        elif isinstance(message, WorkerMessage):
            message = WorkerMessage(message.command, client=message.client, body=body,
                                    version=message.version, delimited=message.delimited)
        else:
            message = ClientMessage(message.command, message.service, body, message.version,
                                    message.delimited)
        assert parse(message.frames()) == message
