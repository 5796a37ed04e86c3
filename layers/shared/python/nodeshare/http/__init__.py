"""HTTP concerns: the resolver wrapper, error mapping, claims, RainMaker response shapes."""
