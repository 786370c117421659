"""Static files end to end: containment (catalogue section 8.4, STA-xx), validators,
conditionals, byte ranges and pre-compressed siblings, over both transports."""

from __future__ import annotations

import gzip
import os
import re
from email.utils import formatdate
from pathlib import Path

import pytest

from aioweb import web
from aioweb._server.fileresponse import MAX_RANGES, FileResponse
from aioweb._server.static import StaticResource, add_static
from serverutil import TRANSPORTS, Reply, serve

over_transports = pytest.mark.parametrize("transport", TRANSPORTS)

CANARY = b"CANARY-secret-outside-the-root"
HELLO = b"hello, static world\n"
XSS_NAME = "<img src=x onerror=alert(1)>.txt"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A served directory, with ``secret.txt`` (the canary) next to it, outside."""
    (tmp_path / "secret.txt").write_bytes(CANARY)
    (tmp_path / "secret.txt.gz").write_bytes(gzip.compress(CANARY))
    served = tmp_path / "root"
    served.mkdir()
    (served / "hello.txt").write_bytes(HELLO)
    (served / "sub").mkdir()
    (served / "sub" / "inner.txt").write_bytes(b"inner")
    (served / "big.bin").write_bytes(os.urandom(600 * 1024 + 7))
    (served / "link.txt").symlink_to(tmp_path / "secret.txt")
    (served / "dangling.txt").symlink_to(tmp_path / "no-such-file.txt")
    return served


def static_app(root: Path, **kwargs: object) -> tuple[web.Application, StaticResource]:
    app = web.Application()
    resource = add_static(app.router, "/static", root, **kwargs)  # type: ignore[arg-type]
    return app, resource


async def fetch(
    app: web.Application,
    transport: str,
    target: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> tuple[Reply, bytes]:
    """Send one request with ``Connection: close``; return the reply and the raw bytes."""
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    async with serve(app, transport) as server:
        wire = await server.exchange(raw, [method])
    [reply] = wire.replies
    return reply, wire.raw


# ------------------------------------------------------------------ containment (STA rows)

TRAVERSALS = {
    "STA-01": "/static/../secret.txt",
    "STA-02": "/static/../../../../../../../../etc/passwd",
    "STA-03": "/static/%2e%2e%2fsecret.txt",
    "STA-04": "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "STA-05": "/static/%252e%252e%252fsecret.txt",
    "STA-06": "/static/..%5csecret.txt",
    "STA-09": "/static//etc/passwd",
    "STA-11": "/static/hello.txt%00.png",
    "STA-15-unc": "/static/%5C%5Cattacker%5Cshare%5Cx",
    "STA-15-drive": "/static/C:%5Cx",
    "STA-15-drive-slash": "/static/C:/Windows/win.ini",
}


# STA-01/02 never reach the static route (the URL parser removes dot segments); STA-05
# decodes once to the harmless literal name "%2e%2e%2fsecret.txt", which is looked up.
NOT_TEXTUAL = ("STA-01", "STA-02", "STA-05")


@over_transports
@pytest.mark.parametrize("follow_symlinks", [False, True])
@pytest.mark.parametrize("target", list(TRAVERSALS.values()), ids=list(TRAVERSALS))
async def test_traversal_is_404_and_never_serves_outside_files(
    root: Path, transport: str, target: str, follow_symlinks: bool
) -> None:
    """STA-01..06, 09, 11, 15: the canary (and /etc/passwd) never leave the server,
    with follow_symlinks on (CVE-2024-23334) and off."""
    app, _ = static_app(root, follow_symlinks=follow_symlinks)
    reply, raw = await fetch(app, transport, target)
    assert reply.status == 404
    assert CANARY not in raw
    assert b"root:x:0:0" not in raw


@over_transports
@pytest.mark.parametrize(
    "target",
    [t for key, t in TRAVERSALS.items() if key not in NOT_TEXTUAL],
    ids=[key for key in TRAVERSALS if key not in NOT_TEXTUAL],
)
async def test_traversal_refused_without_touching_the_filesystem(
    root: Path, transport: str, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STA-15: encoded traversal, UNC and drive forms are refused by the text check alone."""
    app, resource = static_app(root)

    def touched(parts: list[str]) -> Path | None:
        raise AssertionError(f"the filesystem was consulted for {parts!r}")

    monkeypatch.setattr(resource, "_locate", touched)
    reply, _ = await fetch(app, transport, target)
    assert reply.status == 404


@over_transports
async def test_sta07_symlink_pointing_outside_is_404_without_follow_symlinks(
    root: Path, transport: str
) -> None:
    app, _ = static_app(root)
    reply, raw = await fetch(app, transport, "/static/link.txt")
    assert reply.status == 404
    assert CANARY not in raw


@over_transports
async def test_follow_symlinks_serves_a_symlink_pointing_outside(
    root: Path, transport: str
) -> None:
    """What the option is for (aiohttp's documented behaviour)."""
    app, _ = static_app(root, follow_symlinks=True)
    reply, _ = await fetch(app, transport, "/static/link.txt")
    assert (reply.status, reply.body) == (200, CANARY)


@over_transports
@pytest.mark.parametrize("follow_symlinks", [False, True])
async def test_sta08_precompressed_sibling_symlink_outside_is_ignored(
    root: Path, transport: str, follow_symlinks: bool
) -> None:
    """CVE-2024-42367: ``hello.txt.gz`` -> ``../secret.txt.gz`` must not be served."""
    (root / "hello.txt.gz").symlink_to(root.parent / "secret.txt.gz")
    app, _ = static_app(root, follow_symlinks=follow_symlinks)
    reply, raw = await fetch(
        app, transport, "/static/hello.txt", headers={"Accept-Encoding": "gzip"}
    )
    assert (reply.status, reply.body) == (200, HELLO)
    assert "content-encoding" not in reply.headers
    assert gzip.compress(CANARY) not in raw


@over_transports
async def test_sta08_sibling_symlink_inside_the_root_needs_follow_symlinks(
    root: Path, transport: str
) -> None:
    compressed = gzip.compress(HELLO)
    (root / "stored.gz").write_bytes(compressed)
    (root / "hello.txt.gz").symlink_to(root / "stored.gz")
    for follow, expected in ((False, HELLO), (True, compressed)):
        app, _ = static_app(root, follow_symlinks=follow)
        reply, _ = await fetch(
            app, transport, "/static/hello.txt", headers={"Accept-Encoding": "gzip"}
        )
        assert (reply.status, reply.body) == (200, expected)


@over_transports
@pytest.mark.parametrize("follow_symlinks", [False, True])
async def test_sta10_no_existence_oracle_outside_the_root(
    root: Path, transport: str, follow_symlinks: bool
) -> None:
    """CVE-2025-69226: a path outside answers the same whether or not it exists."""
    app, _ = static_app(root, follow_symlinks=follow_symlinks)
    answers = set()
    for target in (
        "/static/..%2fsecret.txt",
        "/static/..%2fno-such-file.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/%2e%2e%2fno-such-file.txt",
        "/static/no-such-file.txt",
    ):
        reply, _ = await fetch(app, transport, target)
        answers.add((reply.status, reply.body))
    [(status, _)] = answers
    assert status == 404
    if not follow_symlinks:
        # A symlink out of the root looks exactly like a dangling one.
        link, _ = await fetch(app, transport, "/static/link.txt")
        dangling, _ = await fetch(app, transport, "/static/dangling.txt")
        assert (link.status, link.body) == (dangling.status, dangling.body)
        assert link.status == 404


@over_transports
@pytest.mark.parametrize("target", ["//evil.example/%2e%2e", "/%5Cevil.example"])
async def test_sta12_sta13_normalize_path_never_redirects_off_site(
    root: Path, transport: str, target: str
) -> None:
    app = web.Application(middlewares=[web.normalize_path_middleware()])
    add_static(app.router, "/static", root)
    reply, _ = await fetch(app, transport, target)
    location = reply.headers.get("location", "")
    assert not location.startswith(("//", "/\\")), location
    assert re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", location) is None, location


@over_transports
async def test_sta14_directory_index_escapes_file_names(root: Path, transport: str) -> None:
    (root / "sub" / XSS_NAME).write_bytes(b"x")
    app, _ = static_app(root, show_index=True)
    reply, _ = await fetch(app, transport, "/static/sub/")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert b"<img" not in reply.body
    assert b"&lt;img src=x onerror=alert(1)&gt;.txt" in reply.body
    assert b'href="/static/sub/inner.txt"' in reply.body


@over_transports
async def test_sta16_a_thousand_ranges_are_refused(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    many = "bytes=" + ",".join(["0-0"] * 1000)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": many})
    assert reply.status == 416
    assert reply.headers["content-range"] == f"bytes */{len(HELLO)}"
    assert reply.body == b""


@over_transports
async def test_sta16_empty_suffix_range_is_416(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": "bytes=-0"})
    assert reply.status == 416
    assert reply.headers["content-range"] == f"bytes */{len(HELLO)}"


@over_transports
async def test_sta16_overlapping_ranges_under_the_cap_collapse_to_one(
    root: Path, transport: str
) -> None:
    app, _ = static_app(root)
    ranges = "bytes=" + ",".join(["0-0"] * MAX_RANGES)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": ranges})
    assert reply.status == 206
    assert reply.headers["content-range"] == f"bytes 0-0/{len(HELLO)}"
    assert reply.body == HELLO[:1]


# ------------------------------------------------------------------ serving


@over_transports
async def test_get_sends_the_file_with_validators(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt")
    st = (root / "hello.txt").stat()
    assert (reply.status, reply.body) == (200, HELLO)
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.headers["content-length"] == str(len(HELLO))
    assert reply.headers["etag"] == f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
    assert reply.headers["last-modified"] == formatdate(st.st_mtime, usegmt=True)
    assert reply.headers["accept-ranges"] == "bytes"


@over_transports
async def test_nested_file_missing_file_directory_and_405(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    assert (await fetch(app, transport, "/static/sub/inner.txt"))[0].body == b"inner"
    assert (await fetch(app, transport, "/static/nope.txt"))[0].status == 404
    assert (await fetch(app, transport, "/static/sub/"))[0].status == 403
    post, _ = await fetch(app, transport, "/static/hello.txt", method="POST")
    assert post.status == 405
    assert set(post.headers["allow"].split(",")) == {"GET", "HEAD"}


@over_transports
async def test_head_sends_headers_without_body(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt", method="HEAD")
    assert (reply.status, reply.body) == (200, b"")
    assert reply.headers["content-length"] == str(len(HELLO))


@over_transports
async def test_large_file_bytes_are_identical_on_both_transports(
    root: Path, transport: str
) -> None:
    """TCP may use the writer's sendfile hook, memory reads chunks: the bytes must agree."""
    data = (root / "big.bin").read_bytes()
    app, _ = static_app(root, chunk_size=8191)
    reply, _ = await fetch(app, transport, "/static/big.bin")
    assert reply.status == 200
    assert reply.headers["content-length"] == str(len(data))
    assert reply.body == data
    ranged, _ = await fetch(
        app, transport, "/static/big.bin", headers={"Range": "bytes=100000-400000"}
    )
    assert ranged.body == data[100000:400001]


@over_transports
async def test_file_response_from_a_handler(root: Path, transport: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return FileResponse(root / "big.bin", chunk_size=1000, headers={"X-Custom": "1"})

    app = web.Application()
    app.router.add_get("/download", handler)
    reply, _ = await fetch(app, transport, "/download")
    assert reply.body == (root / "big.bin").read_bytes()
    assert reply.headers["x-custom"] == "1"
    assert reply.headers["content-type"] == "application/octet-stream"


@over_transports
async def test_file_response_for_a_missing_file_is_404(tmp_path: Path, transport: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return FileResponse(tmp_path / "missing")

    app = web.Application()
    app.router.add_get("/download", handler)
    reply, _ = await fetch(app, transport, "/download")
    assert reply.status == 404


# ------------------------------------------------------------------ conditionals


def etag_of(path: Path) -> str:
    st = path.stat()
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


@over_transports
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_if_none_match_answers_304(root: Path, transport: str, method: str) -> None:
    app, _ = static_app(root)
    etag = etag_of(root / "hello.txt")
    for value in (etag, f'"other", W/{etag}', "*"):
        reply, _ = await fetch(
            app, transport, "/static/hello.txt", method=method, headers={"If-None-Match": value}
        )
        assert (reply.status, reply.body) == (304, b"")
        assert reply.headers["etag"] == etag
        assert "content-length" not in reply.headers
    other, _ = await fetch(app, transport, "/static/hello.txt", headers={"If-None-Match": '"x"'})
    assert other.status == 200


@over_transports
async def test_if_modified_since(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    mtime = (root / "hello.txt").stat().st_mtime
    later = formatdate(mtime + 3600, usegmt=True)
    earlier = formatdate(mtime - 3600, usegmt=True)
    same = formatdate(mtime, usegmt=True)
    for value, status in ((later, 304), (same, 304), (earlier, 200)):
        reply, _ = await fetch(
            app, transport, "/static/hello.txt", headers={"If-Modified-Since": value}
        )
        assert reply.status == status, value
    # If-None-Match wins over If-Modified-Since (RFC 9110 s13.2.2).
    reply, _ = await fetch(
        app,
        transport,
        "/static/hello.txt",
        headers={"If-None-Match": '"x"', "If-Modified-Since": later},
    )
    assert reply.status == 200


@over_transports
async def test_if_match_and_if_unmodified_since_answer_412(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    etag = etag_of(root / "hello.txt")
    mtime = (root / "hello.txt").stat().st_mtime
    cases = [
        ({"If-Match": '"nope"'}, 412),
        ({"If-Match": f"W/{etag}"}, 412),  # If-Match uses the strong comparison
        ({"If-Match": etag}, 200),
        ({"If-Match": "*"}, 200),
        ({"If-Unmodified-Since": formatdate(mtime - 3600, usegmt=True)}, 412),
        ({"If-Unmodified-Since": formatdate(mtime + 3600, usegmt=True)}, 200),
    ]
    for headers, status in cases:
        reply, _ = await fetch(app, transport, "/static/hello.txt", headers=headers)
        assert reply.status == status, headers
        if status == 412:
            assert reply.body == b""


# ------------------------------------------------------------------ ranges


@over_transports
@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [("bytes=0-4", 0, 5), ("bytes=-5", len(HELLO) - 5, len(HELLO)), ("bytes=7-", 7, len(HELLO))],
)
async def test_single_range_is_206(
    root: Path, transport: str, spec: str, start: int, end: int
) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": spec})
    assert (reply.status, reply.body) == (206, HELLO[start:end])
    assert reply.headers["content-range"] == f"bytes {start}-{end - 1}/{len(HELLO)}"
    assert reply.headers["content-length"] == str(end - start)


@over_transports
@pytest.mark.parametrize("spec", ["bytes=1000-", "bytes=5-1", "bytes=a-b", "bytes="])
async def test_unsatisfiable_or_malformed_range_is_416(
    root: Path, transport: str, spec: str
) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": spec})
    assert reply.status == 416
    assert reply.headers["content-range"] == f"bytes */{len(HELLO)}"


@over_transports
async def test_unknown_range_unit_is_ignored(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(app, transport, "/static/hello.txt", headers={"Range": "items=0-1"})
    assert (reply.status, reply.body) == (200, HELLO)


@over_transports
async def test_multiple_ranges_are_multipart_byteranges(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(
        app, transport, "/static/hello.txt", headers={"Range": "bytes=7-12,0-4"}
    )
    assert reply.status == 206
    ctype = reply.headers["content-type"]
    assert ctype.startswith("multipart/byteranges; boundary=")
    boundary = ctype.partition("boundary=")[2].encode()
    assert reply.headers["content-length"] == str(len(reply.body))
    size = len(HELLO)
    expected = (
        b"--%b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-4/%d\r\n\r\n"
        b"%b\r\n"
        b"--%b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 7-12/%d\r\n\r\n"
        b"%b\r\n"
        b"--%b--\r\n"
    ) % (boundary, size, HELLO[0:5], boundary, size, HELLO[7:13], boundary)
    assert reply.body == expected


@over_transports
async def test_overlapping_ranges_are_coalesced(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    reply, _ = await fetch(
        app, transport, "/static/hello.txt", headers={"Range": "bytes=0-3,2-5,6-6"}
    )
    assert (reply.status, reply.body) == (206, HELLO[0:7])
    assert reply.headers["content-range"] == f"bytes 0-6/{len(HELLO)}"


@over_transports
async def test_if_range(root: Path, transport: str) -> None:
    app, _ = static_app(root)
    etag = etag_of(root / "hello.txt")
    mtime = (root / "hello.txt").stat().st_mtime
    cases = [
        (etag, 206),
        ('"stale"', 200),
        (f"W/{etag}", 200),  # If-Range needs a strong validator
        (formatdate(mtime, usegmt=True), 206),
        (formatdate(mtime - 60, usegmt=True), 200),
    ]
    for value, status in cases:
        reply, _ = await fetch(
            app, transport, "/static/hello.txt", headers={"Range": "bytes=0-4", "If-Range": value}
        )
        assert reply.status == status, value
        assert reply.body == (HELLO[:5] if status == 206 else HELLO)


# ------------------------------------------------------------------ pre-compressed siblings


@over_transports
async def test_precompressed_siblings_follow_accept_encoding(root: Path, transport: str) -> None:
    gz = gzip.compress(HELLO)
    br = b"pretend-brotli-bytes"
    (root / "hello.txt.gz").write_bytes(gz)
    (root / "hello.txt.br").write_bytes(br)
    app, _ = static_app(root)
    cases = [
        ("gzip", gz, "gzip"),
        ("gzip, br", br, "br"),
        ("br;q=0, gzip", gz, "gzip"),
        ("gzip;q=0", HELLO, None),
        (None, HELLO, None),
    ]
    for accept, body, coding in cases:
        headers = {"Accept-Encoding": accept} if accept is not None else {}
        reply, _ = await fetch(app, transport, "/static/hello.txt", headers=headers)
        assert (reply.status, reply.body) == (200, body), accept
        assert reply.headers.get("content-encoding") == coding, accept
        assert reply.headers["vary"] == "Accept-Encoding"
        assert reply.headers["content-type"] == "text/plain; charset=utf-8"
        assert reply.headers["content-length"] == str(len(body))


# ------------------------------------------------------------------ URLs


def test_url_for_and_append_version(root: Path) -> None:
    _, resource = static_app(root, append_version=True)
    url = resource.url_for(filename="sub/inner.txt")
    assert url.path == "/static/sub/inner.txt"
    version = url.query["v"]
    assert version
    (root / "sub" / "inner.txt").write_bytes(b"changed")
    assert resource.url_for(filename="sub/inner.txt").query["v"] != version
    assert "v" not in resource.url_for(filename="sub/inner.txt", append_version=False).query
    assert "v" not in resource.url_for(filename="missing.txt").query
    # A symlink out of the root gets no version: hashing it would read the outside file.
    assert "v" not in resource.url_for(filename="link.txt").query
    assert str(resource.url_for(filename="a b%.txt", append_version=False)) == (
        "/static/a%20b%25.txt"
    )


@pytest.mark.parametrize(
    "filename", ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "a\\b", "C:x", ""]
)
def test_url_for_refuses_traversal(root: Path, filename: str) -> None:
    _, resource = static_app(root)
    with pytest.raises(ValueError, match="does not name a file"):
        resource.url_for(filename=filename)


def test_static_resource_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="No directory"):
        StaticResource("/static", tmp_path / "missing")
    routes = list(StaticResource("/static", tmp_path))
    assert sorted(route.method for route in routes) == ["GET", "HEAD"]
