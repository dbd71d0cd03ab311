"""Synthetic people and scenes, rendered from a real photo: no camera needed.

``face.py`` a member who turns, nods, blinks and smiles; ``actor.py`` one who
answers the liveness challenges the way a person does; ``attacks.py`` the
attackers (a photo, a screen replay, a mask); ``photos.py`` the photo variants
members are built from; ``scenes.py`` a pass QR on a phone in a lobby;
``clips.py`` writes them as video. The tests, the demo camera (sim/), the
evaluation set (bench/) and the self-test's reference pictures use them; the
product's own vision never does.
"""
