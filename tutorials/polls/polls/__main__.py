"""``python -m polls``: serve the application."""

from polls.main import main

main()
