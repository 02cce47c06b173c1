"""The service layer: one function per command, each one transaction through the event store."""
