"""What `obslint init` writes beside the reference stack, and what it tells the user to run next."""
