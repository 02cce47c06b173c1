"""kulcs-ledger: the webshop side of the Kulcs-Soft Ügyvitel integration, as an event-sourced sync ledger."""
