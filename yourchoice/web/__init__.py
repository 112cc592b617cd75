"""The web layer every app shares: the form shell and its one write path, version checks for
concurrent edits, middleware, the request context, and the service-wide pages."""
