"""The smallest SMTP server side the scan tests need on a socket they accepted: sends the
greeting (a 4xx/5xx greeting ends the session), answers EHLO/HELO with `ehlo_reply`, QUIT with
221 and any other command with 502; ends on EOF, QUIT or a socket error, never after 10 s of
silence."""


def serve(conn, greeting, ehlo_reply):
    conn.settimeout(10)
    try:
        conn.sendall(greeting)
        if greeting[:1] in (b"4", b"5"):
            return
        data = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
            while b"\r\n" in data:
                line, data = data.split(b"\r\n", 1)
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(ehlo_reply)
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 no\r\n")
    except OSError:
        pass
    finally:
        conn.close()
