"""Hostile inputs from SECURITY_CATALOGUE.md 8.1-8.2, shared by the core and server suites."""

from __future__ import annotations

G = b"GET / HTTP/1.1\r\nHost: localhost\r\n"
P = b"POST / HTTP/1.1\r\nHost: localhost\r\n"
TE = b"Transfer-Encoding: chunked\r\n"
SMUG = b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"


def CH(body: bytes) -> bytes:
    return P + TE + b"\r\n" + body


# (row id, bytes, acceptable statuses). Every one of these is REJECT(+CLOSE).
REJECTED = [
    ("SMG-01", P + b"Content-Length: 6\r\n" + TE + b"\r\n0\r\n\r\n" + SMUG, {400}),
    ("SMG-02", P + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", {400}),
    ("SMG-03", P + b"Content-Length: 5, 6\r\n\r\nhello!", {400}),
    ("SMG-04", P + b"Content-Length: +5\r\n\r\nhello", {400}),
    ("SMG-05", P + b"Content-Length: -1\r\n\r\nhello", {400}),
    ("SMG-07", P + b"Content-Length: \xc2\xb9\r\n\r\nhello", {400}),
    ("SMG-08", P + b"Content-Length: 18446744073709551617\r\n\r\nhello", {400, 413}),
    ("SMG-09", P + b"Content-Length: \r\n\r\nhello", {400}),
    ("SMG-10", P + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", {400}),
    ("SMG-11", P + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", {400, 501}),
    ("SMG-13", P + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + SMUG, {400}),
    ("SMG-14", P + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", {400}),
    ("SMG-16", CH(b"0x5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-17", CH(b"+5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-18", CH(b"0_5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-19", CH(b"F" * 22 + b"\r\nhello\r\n0\r\n\r\n"), {400, 413}),
    ("SMG-20", CH(b" 5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-21", CH(b"5;a\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-22", CH(b"5;\x00x\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-23", CH(b"3\r\nxxx__1a\r\n0\r\n\r\n"), {400}),
    ("SMG-24", CH(b"5\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-25", CH(b"0\r\nX-T: a\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n\r\n"), {400}),
    ("SMG-26", CH(b"5\r\nhelloXX0\r\n\r\n") + SMUG, {400}),
    ("SMG-31", P + b"Transfer-Encoding: \xa0chunked\xa0\r\n\r\n0\r\n\r\n" + SMUG, {400, 501}),
    ("SMG-33", G + b"\rZGET /evil: HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("SMG-34", P + b"Transfer-\r\nEncoding: chunked\r\nContent-Length: 5\r\n\r\n" + SMUG, {400}),
    ("SMG-35", P + b"Content-Length: \r\nContent-Length: 43\r\n\r\n" + SMUG, {400}),
    ("HDR-01", G + b"Foo : bar\r\n\r\n", {400}),
    ("HDR-02", G + b"X-A: a\r\n b\r\n\r\n", {400}),
    ("HDR-03", b"GET / HTTP/1.1\nHost: localhost\n\n", {400}),
    ("HDR-04", G + b"X-A: a\rb\r\n\r\n", {400}),
    ("HDR-05", G + b"X-A: a\x00b\r\n\r\n", {400}),
    ("HDR-06", G + b"X-A: a\x01b\r\n\r\n", {400}),
    ("HDR-07", G + b"X-\xffA: b\r\n\r\n", {400}),
    ("HDR-08", G + b": b\r\n\r\n", {400}),
    ("HDR-09", G + b"Foo bar\r\n\r\n", {400}),
    ("HDR-10", b"GET / HTTP/1.1\r\n Host: localhost\r\n\r\n", {400}),
    ("HDR-11", b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", {400}),
    ("HDR-12", b"GET / HTTP/1.1\r\n\r\n", {400}),
    ("HDR-14", b"GET / HTTP/1.1\r\nHost: user@localhost\r\n\r\n", {400}),
    ("HDR-15", b"G(ET / HTTP/1.1\r\nHost: localhost\r\n\r\n", {400, 501}),
    ("HDR-16", b"GET / HTTP/1.32\r\nHost: localhost\r\n\r\n", {400, 505}),
    ("HDR-17", b"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", {505}),
    ("HDR-18", b"GET / HTTP/1.10\r\nHost: localhost\r\n\r\n", {400, 505}),
    ("HDR-19", b"GET\n/ HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-20", b"GET /a\x01b HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-21", b"GET @evil.example HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-22", b"GET * HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    (
        "HDR-23",
        bytes.fromhex("16030100a5010000a10303") + bytes(32) + b"\x00\x20\xc0\x2b\xc0\x2f",
        {400},
    ),
    ("HDR-24", b"GET /\r\n\r\n", {400, 505}),
    (
        "HDR-25",
        b"GET /<script>alert(1)</script> HTTP/1.1\r\nHost: localhost\r\nX-<script>: a\r\n\r\n",
        {400},
    ),
    ("TE-in-HTTP/1.0", b"POST / HTTP/1.0\r\n" + TE + b"\r\n0\r\n\r\n", {400}),
    ("TE-identity", P + b"Transfer-Encoding: identity\r\n\r\nhello", {400, 501}),
    ("TE-gzip-chunked", P + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", {501}),
    ("TE-twice", P + TE + TE + b"\r\n0\r\n\r\n", {400}),
    ("CONNECT-origin-form", b"CONNECT / HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("Host-with-path", b"GET / HTTP/1.1\r\nHost: localhost/x\r\n\r\n", {400}),
    ("Host-bad-port", b"GET / HTTP/1.1\r\nHost: localhost:8o\r\n\r\n", {400}),
]
