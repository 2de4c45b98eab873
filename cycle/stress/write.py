def write_stress(*a, **k): raise NotImplementedError
