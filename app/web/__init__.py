"""The web layer: the page, the catalog and the websocket."""
