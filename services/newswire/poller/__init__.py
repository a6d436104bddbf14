"""The poller service."""
