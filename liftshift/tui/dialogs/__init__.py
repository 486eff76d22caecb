"""Modal dialogs: confirmations, the folder picker, help."""
