"""Search (检索): one box over tickets and the knowledge base."""
