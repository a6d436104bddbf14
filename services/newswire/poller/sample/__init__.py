"""The bundled offline sample feed: feed.xml and its article pages (written for newswire; invented events)."""
