"""GraphQL face of the third-party service agencies (第三方技术服务机构)."""
