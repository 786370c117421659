"""The downloader tutorial: concurrent, resumable, checked downloads with aioweb."""
