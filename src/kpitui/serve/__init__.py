"""``kpitui serve``: the dashboard in web browsers, one kpitui process per visitor, behind a
sign-in. ``users`` keeps the users file, ``auth`` the sign-in sessions and the throttle of
failed sign-ins, ``pages`` the HTML, ``server`` the web server on textual-serve.

The core never imports this package; this package imports the core and the standard
library, and Textual only through textual-serve's web driver in the child processes.
"""
