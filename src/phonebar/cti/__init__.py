"""CTI: rules on call events and their actions (open a URL, call a webhook, run a program)."""
