"""The reference: the least a Tornado app can do to answer the health call.

Same route, same JSON shape (the contracts' `Health`), one process, no database: what
the server's figures are compared with.
"""

import argparse
import asyncio

import tornado.web

from contracts.messages import Health
from loadtests.payloads import HEALTH

BODY = Health(status="healthy", database="none", version="bare-tornado").model_dump_json()


class HealthHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(BODY)


async def serve(host: str, port: int) -> None:
    app = tornado.web.Application([(HEALTH, HealthHandler)])
    app.listen(port, address=host)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
