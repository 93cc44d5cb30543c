"""The end-to-end test bed: real processes on 127.0.0.1, each with a hard lifetime."""
