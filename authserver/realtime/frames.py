"""What Engine.IO would choke on, refused before it reads it.

Engine.IO raises on a packet type a client may not send (and, over long-polling, logs a
traceback), outside any handler. A WebSocket frame and a long-polling POST body are
checked here first.
"""

import binascii

import engineio.packet
import engineio.payload

MALFORMED_PAYLOAD = "That was not an Engine.IO payload (at most 16 packets)."

# What a client may send: Engine.IO raises on the other types (and, over long-polling,
# logs a traceback). PING only arrives as the WebSocket upgrade's probe.
_CLIENT_PACKETS = frozenset({
    engineio.packet.CLOSE, engineio.packet.PING, engineio.packet.PONG, engineio.packet.MESSAGE,
    engineio.packet.UPGRADE,
})


def _engineio_packets_ok(packets: list[engineio.packet.Packet]) -> bool:
    return all(pkt.packet_type in _CLIENT_PACKETS for pkt in packets)


def engineio_frame_ok(frame: str | bytes) -> bool:
    """Is a WebSocket frame an Engine.IO packet? (Engine.IO would raise on one that is not,
    outside any handler, and log a traceback.) Binary frames pass to the Socket.IO layer,
    which refuses them with an `error` event."""
    if isinstance(frame, bytes):
        return True
    try:
        return _engineio_packets_ok([engineio.packet.Packet(encoded_packet=frame)])
    except (ValueError, IndexError, binascii.Error):
        return False


def engineio_payload_ok(body: bytes) -> bool:
    """Is a long-polling POST body an Engine.IO payload of at most 16 known packets?"""
    try:
        packets = engineio.payload.Payload(encoded_payload=body.decode()).packets
    except (ValueError, IndexError, binascii.Error):  # UnicodeDecodeError is a ValueError
        return False
    return _engineio_packets_ok(packets)
