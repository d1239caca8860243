"""Channel adapters: web widget, Twilio (WhatsApp, SMS), Telegram. All reach one dialogue."""
