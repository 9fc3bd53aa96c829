"""What spans several repositories or guards accounts, below the GraphQL layer."""
