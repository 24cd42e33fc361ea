"""The room index (realtime/rooms.py): what it answers, and what it costs a socket."""

import tracemalloc

import socketio

from authserver.realtime.rooms import Rooms

SOCKETS = 1_000
# A signed-in socket's rooms: python-socketio's `None` and its own, members, its
# session's, its account's.
ROOMS = (None, "{sid}", "members", "session:1", "account:1")


def _enter_all(manager: socketio.AsyncManager) -> None:
    for number in range(SOCKETS):
        sid = f"sid{number}"
        for room in ROOMS:
            manager.basic_enter_room(sid, "/", room and room.format(sid=sid), eio_sid=sid)


def _traced_bytes_per_socket(manager: socketio.AsyncManager) -> float:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _enter_all(manager)
        return (tracemalloc.get_traced_memory()[0] - before) / SOCKETS
    finally:
        tracemalloc.stop()


def test_the_index_answers_a_sockets_rooms():
    manager = Rooms()
    _enter_all(manager)
    manager.basic_enter_room("sid1", "/", "members", eio_sid="sid1")  # twice: once listed
    assert sorted(manager.get_rooms("sid1", "/")) == ["account:1", "members", "session:1", "sid1"]
    manager.basic_leave_room("sid1", "/", "members")
    assert sorted(manager.get_rooms("sid1", "/")) == ["account:1", "session:1", "sid1"]
    manager.basic_disconnect("sid1", "/")
    assert manager.get_rooms("sid1", "/") == []
    assert "sid1" not in manager.rooms["/"]["members"]


def test_the_index_costs_a_signed_in_socket_little():
    """A set of five rooms is a 730-byte table: the index cost about 800 bytes a
    socket over python-socketio's own book-keeping; as lists, about 190."""
    extra = _traced_bytes_per_socket(Rooms()) - _traced_bytes_per_socket(socketio.AsyncManager())
    assert extra < 400, f"the index costs {extra:.0f} bytes a socket"
