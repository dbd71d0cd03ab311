"""Demo and simulation: what stands in for the world around a kiosk.

``demo.py`` starts a whole demo (local backend, tower simulator, demo camera)
and plays it; ``lift/`` is the tower simulator speaking the lift protocol on a
serial link; ``stage.py`` the scene the demo camera films and ``demo_camera.py``
the member acting in it; ``member_app.py`` the member's phone. Above the core
and the backend (it starts both), below the UI and the benchmarks that use it.
"""
