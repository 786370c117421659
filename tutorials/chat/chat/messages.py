"""What travels over the socket: the rules for what clients send, and what the room sends.

A client sends one kind of message, a JSON object ``{"text": "..."}``. The room sends three:

* ``{"user": "alice", "text": "hello"}``: somebody said something;
* ``{"event": "join", "user": "alice"}``: somebody came in;
* ``{"event": "leave", "user": "alice"}``: somebody left.

Everything a client sends is checked here before anybody else sees it. A message that breaks
a rule raises :class:`BadMessageError`, and the server closes that socket with 1008 (policy
violation), the reason being the exception's text.
"""

from __future__ import annotations

import json
from typing import Final

#: Longest user name, in characters.
MAX_NAME: Final = 24
#: Longest chat message, in characters.
MAX_TEXT: Final = 500
#: Largest WebSocket message the server accepts, in bytes; bigger ones are refused by the
#: WebSocket layer itself (close code 1009) before they are even buffered whole. A valid
#: message fits easily: Python's json.dumps writes an emoji as a 12-byte "\ud83d\ude00",
#: so MAX_TEXT characters take at most 6 KB.
MAX_FRAME: Final = 8 * 1024

Event = dict[str, str]


class BadMessageError(ValueError):
    """A client broke the rules; ``str(exc)`` is the close reason it is told."""


def check_name(name: str) -> str:
    """Return ``name`` without surrounding blanks, if it is a valid user name.

    Raises:
        BadMessageError: It is empty, too long, or holds control characters.
    """
    name = name.strip()
    if not name:
        raise BadMessageError("a name is required: /ws?name=...")
    if len(name) > MAX_NAME:
        raise BadMessageError(f"names have at most {MAX_NAME} characters")
    if not name.isprintable():
        raise BadMessageError("names cannot contain control characters")
    return name


def read_text(data: str) -> str:
    """Return the chat text of a message a client sent.

    Args:
        data: The payload of a TEXT message: ``{"text": "..."}`` and nothing else.

    Raises:
        BadMessageError: It is not JSON, not of that shape, blank, too long, or holds
            control characters (line breaks and terminal escapes included: the terminal
            client prints the text as it is).
    """
    try:
        message = json.loads(data)
    except ValueError:
        raise BadMessageError("messages are JSON") from None
    if not isinstance(message, dict) or message.keys() != {"text"}:
        raise BadMessageError('messages are {"text": "..."}')
    text = message["text"]
    if not isinstance(text, str) or not text.strip():
        raise BadMessageError("text must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise BadMessageError(f"messages have at most {MAX_TEXT} characters")
    if not text.isprintable():
        raise BadMessageError("messages cannot contain control characters")
    return text


def said(user: str, text: str) -> Event:
    """The event for ``user`` saying ``text``."""
    return {"user": user, "text": text}


def joined(user: str) -> Event:
    """The event for ``user`` coming in."""
    return {"event": "join", "user": user}


def left(user: str) -> Event:
    """The event for ``user`` leaving."""
    return {"event": "leave", "user": user}
