"""The operations console at ``/ops``: operators see every tower and kiosk
and take kiosks out of service or bays into maintenance (issue #17).

- ``accounts``: operator accounts, logins with lockout, console sessions, the audit;
- ``cli``: ``kiosk-backend operator add|list|remove|unlock``;
- ``views``: what the pages show (read-only queries on the service's clock);
- ``actions``: the audited changes;
- ``render``: escaped HTML of each page; ``routes``: the pages, cookie and CSRF.
"""
