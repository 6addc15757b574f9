"""The supplier portal's pages under `/s/<token>`: no account, the link is the key."""
