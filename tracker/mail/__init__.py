"""Mail: message building and transports (SMTP through aiosmtplib, or .eml files)."""
