"""Placeholders for rule keys whose data the portal does not record yet."""
