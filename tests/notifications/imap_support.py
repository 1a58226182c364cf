"""A small IMAP4rev1 server on loopback for the mail-in poller's tests: one mailbox (INBOX) of
messages given in advance, LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH (RFC822), UID STORE
+FLAGS (\\Seen), LOGOUT; what imaplib says and nothing more."""
import re
import socketserver
import threading


class ImapStub:
    """Holds the mailbox: messages (uid -> bytes) and the uids marked seen."""

    def __init__(self, username="137", password="secret-pass"):
        self.username, self.password = username, password
        self.messages, self.seen, self.logins = {}, set(), []
        stub = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"* OK IMAP4rev1 stub ready\r\n")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
                    command, _, args = rest.partition(" ")
                    if stub.answer(self.wfile, tag, command.upper(), args) == "bye":
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def add(self, raw: bytes) -> int:
        uid = len(self.messages) + 1
        self.messages[uid] = raw
        return uid

    def answer(self, out, tag, command, args):
        ok = f"{tag} OK done\r\n".encode()
        if command == "CAPABILITY":
            out.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + ok)
        elif command == "LOGIN":
            user, password = [part.strip('"') for part in args.split(" ", 1)]
            self.logins.append(user)
            good = (user, password) == (self.username, self.password)
            out.write(ok if good else f"{tag} NO wrong login\r\n".encode())
        elif command == "SELECT":
            out.write(f"* {len(self.messages)} EXISTS\r\n{tag} OK [READ-WRITE] done\r\n".encode())
        elif command == "UID":
            sub, _, rest = args.partition(" ")
            sub = sub.upper()
            if sub == "SEARCH":
                unseen = " ".join(str(uid) for uid in self.messages if uid not in self.seen)
                out.write(f"* SEARCH {unseen}\r\n".encode().replace(b" \r\n", b"\r\n") + ok)
            elif sub == "FETCH":
                uid = int(rest.split(" ", 1)[0])
                raw = self.messages[uid]
                out.write(f"* {uid} FETCH (UID {uid} RFC822 {{{len(raw)}}}\r\n".encode() + raw + b")\r\n" + ok)
            elif sub == "STORE":
                uid = int(rest.split(" ", 1)[0])
                if re.search(r"\\Seen", rest):
                    self.seen.add(uid)
                out.write(f"* {uid} FETCH (FLAGS (\\Seen))\r\n".encode() + ok)
        elif command == "LOGOUT":
            out.write(b"* BYE\r\n" + ok)
            return "bye"
        else:
            out.write(f"{tag} BAD unknown\r\n".encode())
        return None

    def close(self):
        self.server.shutdown()
        self.server.server_close()
