"""The SIP engine: the only package that imports pjsua2.

Everything PJSIP does happens on one engine thread (see :mod:`.command_loop`);
callbacks become :mod:`phonebar.domain.ports` facts posted to the asyncio loop.
"""
