"""Who-to-follow on a follower graph (PPR + SALSA on a CSR snapshot) and the three recommendation lists."""
