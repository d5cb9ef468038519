"""AM: Alertmanager route trees, receivers, inhibit rules."""
