"""``python -m chat``: serve the chat room."""

from chat.server import main

main()
