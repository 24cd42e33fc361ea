"""Rate limits on the `limits` library: in memory for one process, in Redis for many.

A limit is a name and one or more moving-window rates ("5/15minutes;10/hour"); callers
count a hit under a key (an address, an account, a client IP) and get a
RESOURCE_EXHAUSTED refusal with the seconds to wait once any rate is spent. Several
rates on one limit make waits grow: the first few refusals last minutes, persistent
guessing runs into the hourly and daily rates.

A refused hit is not counted, so hammering a closed limit does not keep it closed
longer than its window.

- `rules`: the limits, their default rates, and how a rate spec is read;
- `memory_store`: moving windows in one process's memory, on an injectable clock;
- `redis_store`: moving windows in Redis, shared by every worker;
- `locks`: one-at-a-time (or n-at-a-time) sections per key;
- `limiter`: `RateLimiter`, which counts hits and refuses past a limit's rates.
"""
