"""Telling people in time (docs/programme.md X10, docs/notifications.md).

A notification tells one person that something needs them: a case allocated or transferred to
them, a flag raised on their case, an action given to them, a closure returned or approved, a
break-glass use of their case, an import finished. The services that make those changes write
the notification in the same transaction (`services.notify`); email goes by the outbox, by
reference only, to those who chose it for that kind.
"""
