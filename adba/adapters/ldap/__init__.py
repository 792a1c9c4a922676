"""The LDAP seam: reaching a domain controller and reading the forest, read-only."""
