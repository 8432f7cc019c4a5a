"""The seed ceremony: entropy, the final word, checking words, the backup quiz, SeedQR
transcription. Pure logic: the screens and the CLI call it; nothing here prints."""
