"""Questions answered (→ FAQ) and the experience library (经验做法)."""
