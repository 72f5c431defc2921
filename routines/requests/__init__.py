"""The rights-request register: data-subject requests an agent took for a client, the
deadline to forward each to the client (the controller), and the proof it was forwarded.

`register.py` holds the use cases (`RequestRegister`), `deadlines.py` the business-day
and one-month arithmetic, `models.py` the table, `reminders.py` the reminders and
escalations for requests not forwarded in time, `report.py` the per-client proof.
The bot reaches all of it through `routines.service`.
"""
