"""The operating area: boundaries, who is responsible where, and attributing points to them."""
