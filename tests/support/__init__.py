"""What the tests share: the app and a client speaking to it as the mobile app does."""
