"""Pages patients reach from links in their emails, without signing in (see `links` for the signed tokens)."""
