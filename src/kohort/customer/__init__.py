"""Customers (shoppers): create, update, soft delete, block and unblock."""
