"""Sound devices: PulseAudio (or PipeWire's pulse server) and PortAudio streams, the ring
buffers between them and PJSIP's clock, the ring tone. Never imports pjsua2."""
