"""HTTP only: one blueprint per audience (api, widget, dashboard/) and what they share."""
