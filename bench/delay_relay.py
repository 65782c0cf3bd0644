#!/usr/bin/env python3
"""An ssh ProxyCommand that adds delay: relays stdin/stdout to HOST:PORT, holding
every chunk DELAY_MS in each direction (so a round trip gains twice that), in
order. For machines whose kernel has no netem.

  delay_relay.py HOST PORT DELAY_MS
"""
import asyncio, os, sys


async def pump(read, write, delay):
    queue = asyncio.Queue()

    async def sender():
        loop = asyncio.get_running_loop()
        while True:
            due, data = await queue.get()
            if data is None:
                return
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            await write(data)

    task = asyncio.create_task(sender())
    loop = asyncio.get_running_loop()
    while True:
        data = await read()
        if not data:
            await queue.put((0, None))
            break
        await queue.put((loop.time() + delay, data))
    await task


async def main(host, port, delay):
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(host, port)
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    async def to_remote(d):
        writer.write(d)
        await writer.drain()

    async def to_local(d):
        os.write(1, d)

    await asyncio.gather(pump(lambda: stdin.read(65536), to_remote, delay),
                         pump(lambda: reader.read(65536), to_local, delay))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000))
