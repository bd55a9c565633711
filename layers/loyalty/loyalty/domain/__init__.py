"""Pure loyalty rules: no AWS calls, no clock reads; time is always passed in."""
