# Demo-only Python: deterministic OCPP event streams for the demo data (not used by the product).
