"""Pure domain logic: no I/O, `now` is always an argument."""
