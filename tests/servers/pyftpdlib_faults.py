"""pyftpdlib that breaks its data connections on purpose, for ftpbridge's fault tests.

ftpbridge-testkit runs it (`RealServer::start_with_fault`) like its plain pyftpdlib
launcher, with the fault after the usual arguments:

    python pyftpdlib_faults.py PORT LOW HIGH USER PASSWORD ROOT FAULT AFTER TIMES

FAULT is one of

  reset     once a file transfer (RETR, STOR, APPE) has moved AFTER bytes: for a
            download, wait until the client has received every one of them; then abort
            the data connection with a TCP RST and reply
            "426 Connection reset by peer; transfer aborted." (pyftpdlib's own reply
            when its data connection is reset);
  truncate  once a file transfer has moved AFTER bytes: close the data connection
            and reply "226 Transfer complete." as if every byte had been moved.

A cut download has sent exactly AFTER bytes; a cut upload has written exactly AFTER
bytes to the file. Only the first TIMES file transfers that reach AFTER bytes are cut;
later ones run normally, so that a client can resume. Listings are never cut.

Or FAULT is a quirk some real servers have (AFTER and TIMES are then ignored):

  noop502     a NOOP during a transfer is refused with 502 (servers that take no
              commands while they move data);
  binary504   TYPE I is refused with 504 (transfers would be in ASCII mode);
  nofiles450  LIST and NLST of an empty folder answer "450 No files found" (no MLSD);
  greet2      the 220 greeting is sent twice;
  ignorerest  REST is accepted with 350 but the file is sent from its start;
  nosize      no SIZE command (FEAT does not list it; it gets 500).

Or FAULT is a limit real servers set, AFTER its amount (TIMES is ignored):

  throttle    every data connection moves at most AFTER bytes per second, each way
              (pyftpdlib's ThrottledDTPHandler: a server, or a link, that is slow per
              connection but not in all);
  maxcons     at most AFTER sessions from one address; the next gets 421 (shared
              hosts limit sessions so).
"""

import array
import fcntl
import logging
import socket
import struct
import sys
import termios

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.exceptions import _RetryError
from pyftpdlib.handlers import DTPHandler, FTPHandler, ThrottledDTPHandler
from pyftpdlib.log import logger
from pyftpdlib.servers import FTPServer

# How often a cut download checks whether the client has every byte (seconds).
DRAIN_POLL = 0.002


class Fault:
    kind = "reset"
    after = 0
    left = 0


def unacknowledged(sock):
    """Bytes the kernel still holds for the peer: not sent or not acknowledged."""
    held = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, held)
    return held[0]


class FaultyDTPHandler(DTPHandler):
    def __init__(self, sock, cmd_channel):
        self._cutting = False
        super().__init__(sock, cmd_channel)

    def _armed(self):
        # Listings have no file object.
        return self.file_obj is not None and Fault.left > 0 and not self._cutting

    # --- downloads: send exactly AFTER bytes, wait until the client has them, cut

    def send(self, data):
        if self._cutting:
            return 0
        if not self._armed():
            return super().send(data)
        room = max(Fault.after - self.tot_bytes_sent, 0)
        if len(data) < room:
            return super().send(data)
        sent = super().send(data[:room]) if room else 0
        if self.tot_bytes_sent >= Fault.after:
            self._cutting = True
            # Nothing more to write; wake up only if the client goes away.
            self.modify_ioloop_events(self.ioloop.READ)
            self.call_later(DRAIN_POLL, self._cut_when_delivered)
        return sent

    def _cut_when_delivered(self):
        if self._closed:
            return
        if unacknowledged(self.socket) > 0:
            self.call_later(DRAIN_POLL, self._cut_when_delivered)
            return
        self._cut()

    # --- uploads: write exactly AFTER bytes to the file, then cut

    def handle_read(self):
        if not self._armed():
            return super().handle_read()
        try:
            chunk = self.recv(self.ac_in_buffer_size)
        except _RetryError:
            return
        except OSError:
            self.handle_error()
            return
        if not chunk:
            self.transfer_finished = True
            return
        part = chunk[: max(Fault.after - self.tot_bytes_received, 0)]
        self.tot_bytes_received += len(part)
        if part:
            self.file_obj.write(part)
        if self.tot_bytes_received >= Fault.after:
            self._cutting = True
            self._cut()

    handle_read_event = handle_read

    def _cut(self):
        Fault.left -= 1
        moved = self.get_transmitted_bytes()
        if Fault.kind == "reset":
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._resp = ("426 Connection reset by peer; transfer aborted.", logger.warning)
        else:
            self.transfer_finished = True
            self._resp = ("226 Transfer complete.", logger.info)
        logger.warning("fault injected: %s after %d bytes", Fault.kind, moved)
        self.close()


QUIRKS = ("noop502", "binary504", "nofiles450", "greet2", "ignorerest", "nosize")
LIMITS = ("throttle", "maxcons")


def quirky(handler, kind):
    """The handler class with the quirk `kind`."""

    class Quirky(handler):
        proto_cmds = dict(handler.proto_cmds)

        def handle(self):
            super().handle()
            if kind == "greet2" and not self._closed:
                self.respond("220 Welcome again.")

        def ftp_NOOP(self, line):
            if kind == "noop502" and self.data_channel is not None:
                self.respond("502 Command not allowed during a transfer.")
                return
            super().ftp_NOOP(line)

        def ftp_TYPE(self, line):
            if kind == "binary504" and line.upper().replace(" ", "") in ("I", "L8"):
                self.respond("504 Binary mode is not available.")
                return
            super().ftp_TYPE(line)

        def _empty(self, path):
            return kind == "nofiles450" and self.fs.isdir(path) and not self.fs.listdir(path)

        def ftp_LIST(self, path):
            if self._empty(path):
                self.respond("450 No files found")
                return None
            return super().ftp_LIST(path)

        def ftp_NLST(self, path):
            if self._empty(path):
                self.respond("450 No files found")
                return None
            return super().ftp_NLST(path)

        def ftp_REST(self, line):
            if kind == "ignorerest":
                self.respond(f"350 Restarting at position {line}.")
                return
            super().ftp_REST(line)

    if kind == "nofiles450":
        for command in ("MLSD", "MLST"):
            Quirky.proto_cmds.pop(command, None)
    if kind == "nosize":
        Quirky.proto_cmds.pop("SIZE", None)
    return Quirky


def main():
    port, low, high, user, password, root, kind, after, times = sys.argv[1:10]
    if kind not in ("reset", "truncate") + QUIRKS + LIMITS:
        sys.exit(f"unknown fault {kind!r}")
    Fault.kind = kind
    Fault.after = int(after)
    Fault.left = int(times) if kind not in QUIRKS + LIMITS else 0
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(message)s")
    authorizer = DummyAuthorizer()
    # e: CWD, l: LIST/MLSD, r: RETR, a: APPE, d: DELE/RMD, f: RNFR/RNTO, m: MKD,
    # w: STOR, M: SITE CHMOD, T: MFMT
    authorizer.add_user(user, password, root, perm="elradfmwMT")

    class Handler(FTPHandler):
        pass

    if kind in QUIRKS:
        Handler = quirky(Handler, kind)
    elif kind == "throttle":

        class Throttled(ThrottledDTPHandler):
            read_limit = int(after)
            write_limit = int(after)

        Handler.dtp_handler = Throttled
    elif kind == "maxcons":
        pass
    else:
        Handler.dtp_handler = FaultyDTPHandler
    Handler.authorizer = authorizer
    # The bytes go through send(), where they are counted.
    Handler.use_sendfile = False
    Handler.passive_ports = list(range(int(low), int(high) + 1))
    Handler.masquerade_address = "127.0.0.1"
    server = FTPServer(("127.0.0.1", int(port)), Handler)
    if kind == "maxcons":
        server.max_cons_per_ip = int(after)
    server.serve_forever()


main()
