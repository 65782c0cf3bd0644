#!/usr/bin/env python3
"""An ssh ProxyCommand that adds delay: relays stdin/stdout to HOST:PORT, holding
every chunk DELAY_MS in each direction (so a round trip gains twice that), in
order. For machines whose kernel has no netem.

Each direction is a reader thread, which stamps each chunk as it comes, and a
sender thread, which sleeps until the chunk is due (clock_nanosleep: a tenth of a
millisecond late at most on an idle machine, where a poll loop's millisecond
timeouts would add up to one each way) and writes it.

  delay_relay.py HOST PORT DELAY_MS
"""
import os, queue, socket, sys, threading, time


def pump(read, write, close, delay):
    chunks = queue.SimpleQueue()

    def sender():
        while True:
            due, data = chunks.get()
            if data is None:
                close()
                return
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                write(data)
            except OSError:
                return

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    while True:
        try:
            data = read()
        except OSError:
            data = b""
        if not data:
            chunks.put((0, None))
            break
        chunks.put((time.monotonic() + delay, data))
    t.join()


def main(host, port, delay):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def to_local(d):
        while d:
            d = d[os.write(1, d):]

    def end_remote():
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    up = threading.Thread(target=pump, args=(lambda: os.read(0, 65536), s.sendall, end_remote, delay), daemon=True)
    up.start()
    pump(lambda: s.recv(65536), to_local, lambda: os.close(1), delay)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000)
