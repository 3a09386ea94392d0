"""mtor-abm."""
