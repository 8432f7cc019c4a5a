"""From camera frames to one checked payload: QR decoders, the scan loop, CLI sources."""
