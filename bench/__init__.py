"""The benchmark: phonebar against baresip, side by side in one run (``python -m bench``)."""
