"""The knowledge base (知识库), response scripts (规范应答) and service phrases (服务用语)."""
