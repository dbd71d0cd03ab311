"""Staff maintenance without Qt: everything the staff screens (ui/staff/) call.

``gate.py`` who is logged in (PIN sessions, the offline lock, the audit log);
``login.py`` how a login is decided (the backend first); ``console.py`` every
staff intent, checked and audited; ``move.py`` a car moved by hand, kept in
step with the backend; ``diag.py`` health probes, the bay audit, the bundle.
"""
