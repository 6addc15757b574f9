"""Routes, one module per group of pages; `ROUTERS` is what the app includes."""
