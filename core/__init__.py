"""What every app shares and that knows no app: errors, text, fields, spreadsheets."""
