"""QR transport: the formats that carry payloads across the air gap, and their assembler."""
