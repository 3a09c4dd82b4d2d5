"""Pollutant discharge permits (排污许可证): types, dataloaders, queries and mutations."""
