"""The pilot lives in ui/demo/pilot.py (the demo drives the flows with it too)."""

from ui.demo.pilot import Pilot, RecordingContext, typing_keys

__all__ = ["Pilot", "RecordingContext", "typing_keys"]
