#!/usr/bin/env python3
"""sipvet lab: one authenticated call over TCP whose segmentation is unusual.

Real stacks rarely do this by themselves, so this small client does it on purpose:
  * the ACK of the 401 and the first part of the authenticated INVITE leave in ONE
    send() (one segment carries the end of one message and the start of the next);
  * the rest of that INVITE is written in small pieces with TCP_NODELAY and short
    pauses, so the INVITE is split over three segments and must be reassembled;
  * the ACK of the 200 and the BYE leave in ONE send() (two whole SIP messages in
    one segment).
The server (captures/kamailio/vapi.cfg) answers as usual: 401, 100, 180, 200, 200.

usage: tcp-coalesced.py SERVER_IP SERVER_PORT LOCAL_IP NUMBER USERNAME PASSWORD
Traffic goes only to SERVER_IP (make-captures.sh passes a loopback address).
Bounded: 10 s socket timeout, one call.
"""
import hashlib, re, socket, sys, time

srv, port, lip, num, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
host = "sip.vapi.ai"
ruri = "sip:%s@%s" % (num, host)
callid = "tcp-coalesced-1@pbx.example.com"

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(10)
s.bind((lip, 0))
s.connect((srv, port))
lport = s.getsockname()[1]

sdp = ("v=0\r\no=pbx 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
       "m=audio 16000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n") % (lip, lip)


def msg(first, branch, cseq, to=None, extra="", body="", ctype=None):
    h = [first,
         "Via: SIP/2.0/TCP %s:%d;branch=z9hG4bK-tcpc-%s;rport" % (lip, lport, branch),
         "Max-Forwards: 70",
         'From: "PBX" <sip:+14155550199@pbx.example.com>;tag=tcpc1',
         "To: " + (to or "<%s>" % ruri),
         "Call-ID: " + callid,
         "CSeq: " + cseq,
         "Contact: <sip:+14155550199@%s:%d;transport=tcp>" % (lip, lport),
         "User-Agent: sipvet-lab tcp-coalesced"]
    if extra:
        h.append(extra)
    if ctype:
        h.append("Content-Type: " + ctype)
    h.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(h) + "\r\n\r\n" + body).encode()


buf = b""


def read_response(code):
    """Read SIP responses until one with the given status code; return it."""
    global buf
    deadline = time.time() + 10
    while time.time() < deadline:
        m = re.search(rb"\r\n\r\n", buf)
        if m:
            head = buf[:m.end()]
            cl = re.search(rb"(?im)^(?:Content-Length|l)\s*:\s*(\d+)", head)
            n = int(cl.group(1)) if cl else 0
            if len(buf) >= m.end() + n:
                one, buf = buf[:m.end() + n], buf[m.end() + n:]
                if re.match(rb"SIP/2.0 %d " % code, one):
                    return one.decode()
                continue
        data = s.recv(65535)
        if not data:
            break
        buf += data
    sys.exit("no %d" % code)


def hdr(resp, name):
    m = re.search(r"(?im)^%s\s*:\s*(.*)$" % name, resp)
    return m.group(1).strip() if m else ""


# 1. INVITE without credentials, in one piece
s.sendall(msg("INVITE %s SIP/2.0" % ruri, "1", "1 INVITE", body=sdp, ctype="application/sdp"))
r401 = read_response(401)
to401 = hdr(r401, "To")
wa = hdr(r401, "WWW-Authenticate")
realm = re.search(r'realm="([^"]*)"', wa).group(1)
nonce = re.search(r'nonce="([^"]*)"', wa).group(1)

ack1 = msg("ACK %s SIP/2.0" % ruri, "1", "1 ACK", to=to401)
cnonce, nc = "6b8b4567327b23c6", "00000001"
ha1 = hashlib.md5(("%s:%s:%s" % (user, realm, pw)).encode()).hexdigest()
ha2 = hashlib.md5(("INVITE:%s" % ruri).encode()).hexdigest()
resp = hashlib.md5(("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2)).encode()).hexdigest()
auth = ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
        'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"') % (user, realm, nonce, ruri, resp, nc, cnonce)
inv2 = msg("INVITE %s SIP/2.0" % ruri, "2", "2 INVITE", extra=auth, body=sdp, ctype="application/sdp")

# 2. ACK + start of the authenticated INVITE in one segment, then the rest in pieces
cut1, cut2 = 200, 520
s.sendall(ack1 + inv2[:cut1])
time.sleep(0.05)
s.sendall(inv2[cut1:cut2])
time.sleep(0.05)
s.sendall(inv2[cut2:])

r200 = read_response(200)
to200 = hdr(r200, "To")
contact = re.search(r"<([^>]*)>", hdr(r200, "Contact")).group(1)
time.sleep(0.2)

# 3. ACK of the 200 and the BYE in one segment
ack2 = msg("ACK %s SIP/2.0" % contact, "3", "2 ACK", to=to200)
bye = msg("BYE %s SIP/2.0" % contact, "4", "3 BYE", to=to200)
s.sendall(ack2 + bye)
read_response(200)
time.sleep(0.1)
s.close()
