"""A WebSocket chat room: a server that broadcasts, a browser page and a terminal client."""
