"""GraphQL face of the discharge registration (排污登记)."""
