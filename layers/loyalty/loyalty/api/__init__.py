"""The HTTP edge shared by every API function: resolver, auth, request models, error shape."""
