"""adba: a read-only inspector for Active Directory-based activation (ADBA)."""

__version__ = "0.1.0"
