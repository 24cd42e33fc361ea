"""Socket.IO's room book-keeping, with an index from each socket to its rooms, so that
a disconnect costs as many steps as the socket has rooms.

python-socketio's `BaseManager.basic_disconnect` (and `get_rooms`) look through every
room of the namespace for the socket; each socket has a room of its own, so closing N
sockets took N x N steps (9% of the loop at 4,000 sockets, closing 10,000 took
seconds). Read against python-socketio 5.18.1 (tests/realtime/test_upstream_pins.py
fails when the lock moves); docs/upstream/python-socketio-disconnect-scans-rooms.md is
the report.
"""

from collections import defaultdict

import socketio
import socketio.base_manager


class RoomIndex(socketio.base_manager.BaseManager):
    """Mixed into a python-socketio manager: keeps `(namespace, sid) -> rooms`.

    A socket's rooms are a list, not a set: it is in five or so (its own, python-socketio's
    `None`, members, its session's, its account's), and a set of five has grown to a
    32-slot table, some 730 bytes of every held socket where the list is about 120."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rooms_of: defaultdict[tuple[str, str], list] = defaultdict(list)

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        rooms = self._rooms_of[namespace, sid]
        if room not in rooms:
            rooms.append(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None and room in rooms:
            rooms.remove(room)
            if not rooms:
                del self._rooms_of[namespace, sid]

    def basic_disconnect(self, sid, namespace, **kwargs):
        """python-socketio's, with the rooms taken from the index."""
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def get_rooms(self, sid, namespace):
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]


class Rooms(RoomIndex, socketio.AsyncManager):
    """The single-process manager, indexed."""
