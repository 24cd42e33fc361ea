"""The adapters of python-engineio and python-socketio (realtime/engine.py,
realtime/rooms.py, the private hooks in realtime/protocol.py) were read against these
versions. When the lock moves, this fails: read the adapters against the new release
(are the cycles and the room scan still there? did the private names move?), then
update the versions here."""

from importlib.metadata import version

READ_AGAINST = {"python-engineio": "4.15.1", "python-socketio": "5.18.1"}


def test_the_adapted_libraries_are_the_versions_they_were_read_against():
    installed = {name: version(name) for name in READ_AGAINST}
    assert installed == READ_AGAINST, (
        "python-engineio or python-socketio moved: re-read realtime/engine.py, "
        "realtime/rooms.py and realtime/protocol.py against it, then update READ_AGAINST"
    )
