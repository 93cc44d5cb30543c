"""The HTTP API: FastAPI routers, schemas, error mapping, event streams and browser defences.

Never imports the engine or pjsua2: handlers call the :class:`~phonebar.services.phone.Phone`.
"""
