"""The offline sandbox: a local Discord emulator the real client connects to."""
