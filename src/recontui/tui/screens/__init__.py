"""One module per screen; each is thin: read the store in workers, render messages."""
