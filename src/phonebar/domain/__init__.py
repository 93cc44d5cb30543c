"""The domain: calls, their states and events, and the ports the outer layers implement.

Imports only the standard library (and the stdlib-only ``phonebar.errors``).
"""
