"""``kiosk audit-ui``: every member and staff screen measured against the
kiosk's accessibility targets (issue #15): touch targets, text contrast,
clipped texts and untranslated strings, in both languages and every
accessibility mode. ``measure`` looks at one window as it is drawn,
``walk`` takes the window through every screen (the gallery's tour).
"""
