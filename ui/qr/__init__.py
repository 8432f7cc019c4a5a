"""QR output: text/bytes to module matrices, screen images, PNG frames and animated GIFs."""
