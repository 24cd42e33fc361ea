from tornado.testing import bind_unused_port


def free_port() -> int:
    sock, port = bind_unused_port()
    sock.close()
    return port
