"""HTTP/2 without I/O: :class:`~aioweb._sansio.h2.session.H2Session` over the h2 library.

The package itself imports nothing heavy: an HTTP/1.1-only process only needs
:data:`~aioweb._sansio.h2.preface.PREFACE` (to recognise cleartext HTTP/2) and never pays
for importing h2 (about 25 ms).
"""
